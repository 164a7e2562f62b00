import { pathToFileURL } from 'node:url';
import type { Alert } from '@aiops/contract';
import { mergeScenarioScores, type ScenarioScore, scoreScenarioAlerts } from '@aiops/detectors';
import {
  PROMPT_DETECTORS,
  PromptMonitor,
  type PromptMonitorOptionsInput,
  promptMonitorOptionsSchema,
} from '@aiops/prompts';
import { createSimulation, type ScenarioSpec } from '@aiops/simulator';
import { feedMonitor } from './offline.js';

/** Seeds looked at while choosing the scenario and the test's parameters; the held-out seeds are never tuned on. */
export const PROMPT_TUNING_SEEDS = [1, 2];
export const PROMPT_HELD_OUT_SEEDS = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20];

const MINUTE_MS = 60_000;

export interface PromptBenchOptions {
  readonly seeds: readonly number[];
  readonly startMs: number;
  readonly eventsPerMinute: number;
  /** How much lower the new versions score (the issue's target: 0.1). */
  readonly drop: number;
  readonly monitor?: PromptMonitorOptionsInput;
}

export interface PromptBenchResult {
  readonly score: ScenarioScore;
  readonly labels: number;
  readonly detected: number;
  readonly recall: number | null;
  readonly firing: number;
  readonly precision: number | null;
  readonly medianDelayMin: number | null;
  readonly maxDelayMin: number | null;
  /** A/A: alerts of either prompt detector when the new versions are as good as the old one. */
  readonly aaComparisons: number;
  readonly aaFalseAlarms: number;
  readonly events: number;
  readonly wallMs: number;
}

/** Three rollouts after the 45 min warm-up, 30 min each, 30 min apart. */
function rollouts(startMs: number, drop: number): ScenarioSpec[] {
  return ['v8', 'v9', 'v10'].map((new_version, i) => ({
    kind: 'prompt_regression',
    new_version,
    drop,
    share: 0.3,
    startMs: startMs + 45 * MINUTE_MS + i * 60 * MINUTE_MS,
    durationMs: 30 * MINUTE_MS,
  }));
}

const DURATION_MS = 45 * MINUTE_MS + 3 * 60 * MINUTE_MS;

function run(seed: number, options: PromptBenchOptions, drop: number) {
  const simulation = createSimulation({
    seed,
    startMs: options.startMs,
    durationMs: DURATION_MS,
    eventsPerMinute: options.eventsPerMinute,
    scenarios: rollouts(options.startMs, drop),
  });
  const monitorOptions = promptMonitorOptionsSchema.parse(options.monitor ?? {});
  const monitor = new PromptMonitor(monitorOptions);
  const alerts: Alert[] = [];
  const events = feedMonitor(
    simulation,
    monitor,
    {
      userIdSalt: 'prompts-bench-salt',
      nowMs: options.startMs + DURATION_MS + MINUTE_MS,
      // Past every window and retire point.
      closeAfterMs: monitorOptions.retireAfterMs + 10 * MINUTE_MS,
    },
    (alert) => alerts.push(alert),
  );
  return { simulation, alerts, events, comparisons: monitor.counters.comparisonsStarted };
}

export function runPromptBench(options: PromptBenchOptions): PromptBenchResult {
  const started = Date.now();
  const scores: ScenarioScore[] = [];
  let events = 0;
  let aaFalseAlarms = 0;
  let aaComparisons = 0;
  for (const seed of options.seeds) {
    const regressed = run(seed, options, options.drop);
    events += regressed.events;
    const labels = regressed.simulation.labels
      .filter((l) => l.detector === 'prompt_regression')
      .map((l) => ({ ...l, id: `${seed}/${l.id}` }));
    scores.push(
      scoreScenarioAlerts(
        labels,
        regressed.alerts.filter((a) => a.detector === PROMPT_DETECTORS.regression),
        { windowMs: MINUTE_MS, kinds: ['prompt_regression'] },
      ),
    );
    const aa = run(seed, options, 0);
    events += aa.events;
    aaComparisons += aa.comparisons;
    aaFalseAlarms += aa.alerts.filter((a) => a.status === 'firing').length;
  }
  const score = mergeScenarioScores(scores);
  const kind = score.kinds.find((k) => k.kind === 'prompt_regression')!;
  const delays = kind.delaysWindows;
  return {
    score,
    labels: kind.labels,
    detected: kind.detected,
    recall: kind.recall,
    firing: kind.firing,
    precision: kind.precision,
    medianDelayMin: kind.medianDelayWindows,
    maxDelayMin: delays.length === 0 ? null : Math.max(...delays),
    aaComparisons,
    aaFalseAlarms,
    events,
    wallMs: Date.now() - started,
  };
}

export function formatPromptTable(result: PromptBenchResult): string[] {
  const ratio = (x: number | null) => (x === null ? '-' : x.toFixed(2));
  const minutes = (x: number | null) => (x === null ? '-' : `${x.toFixed(1)} min`);
  return [
    'detector            labels  detected  recall  firing  precision  median delay  max delay',
    `prompt_regression   ${String(result.labels).padStart(6)}  ${String(result.detected).padStart(8)}  ${ratio(result.recall).padStart(6)}  ${String(result.firing).padStart(6)}  ${ratio(result.precision).padStart(9)}  ${minutes(result.medianDelayMin).padStart(12)}  ${minutes(result.maxDelayMin).padStart(9)}`,
    `A/A (same seeds, drop 0): ${result.aaComparisons} comparisons, ${result.aaFalseAlarms} false alarms (prompt_regression or prompt_improvement)`,
  ];
}

function parseList(text: string): number[] {
  return text.split(',').map(Number);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i < 0 ? undefined : argv[i + 1];
  };
  const seeds = flag('--seeds') === undefined ? PROMPT_HELD_OUT_SEEDS : parseList(flag('--seeds')!);
  const rate = Number((flag('--rate') ?? '400/min').replace('/min', ''));
  const drop = Number(flag('--drop') ?? '0.1');
  const startMs = Date.UTC(2026, 10, 2, 8, 0, 0);
  // Candidate monitor options while tuning (on the tuning seeds only), as PROMPT_MONITOR_OPTIONS JSON.
  const monitor =
    flag('--monitor') === undefined
      ? undefined
      : (JSON.parse(flag('--monitor')!) as PromptMonitorOptionsInput);
  const result = runPromptBench({
    seeds,
    startMs,
    eventsPerMinute: rate,
    drop,
    ...(monitor ? { monitor } : {}),
  });
  const tuned = seeds.filter((s) => PROMPT_TUNING_SEEDS.includes(s));
  process.stdout.write(
    `prompt regressions (offline, prompt monitor core): seeds ${seeds.join(',')} ` +
      `(${tuned.length === 0 ? `held out; tuned on ${PROMPT_TUNING_SEEDS.join(',')}` : `includes tuning seeds ${tuned.join(',')}`}), ` +
      `${rate} events/min, drop ${drop}, 30 % on the new version${monitor ? `, monitor ${JSON.stringify(monitor)}` : ''}; ` +
      `${result.events} events, ${(result.wallMs / 1000).toFixed(1)} s\n`,
  );
  for (const line of formatPromptTable(result)) process.stdout.write(`${line}\n`);
  for (const alert of result.score.falsePositives)
    process.stdout.write(`  false positive: ${alert.summary}\n`);
}
