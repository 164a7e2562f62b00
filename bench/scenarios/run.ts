/**
 * Scenario benchmark (`npm run bench:scenarios`): the simulator's labelled incidents through the real
 * pipeline (validator, aggregator, writer, detector on the local Kafka and ClickHouse, on topics, groups and
 * a database of their own), scored per detector: recall, precision, detection delay in windows.
 *
 *   node bench/dist/scenarios/run.js [--duration 5h30m] [--rate 400/min] [--seeds 42] [--start 8|now|0,4,8]
 *        [--partitions 3] [--rules rules.json] [--json bench/results/scenarios.json] [--offline] [--keep]
 *        [--no-drift-ramps]
 *
 * Besides the simulator's five default incidents, two quality-drift ramps of 0.4 (over 6 and over 60
 * minutes) on the same prompt measure how fast `quality` catches a fast and a slow slide
 * (--no-drift-ramps: the default five only; 4 h is then enough).
 *
 * --offline runs the functional cores in this process instead (no Kafka, no ClickHouse): for tuning.
 * Service logs go to bench/results/scenarios-services.log (--log-file, --log-level).
 * KAFKA_BROKERS / CLICKHOUSE_URL pick the stack (default: the local one, 127.0.0.1:19092 / :18123).
 */
import { createWriteStream, mkdirSync, readFileSync, type WriteStream, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isAgentDetector } from '@aiops/agents';
import {
  checkTargets,
  formatIncidentTable,
  formatScoreTable,
  runScenarioPipeline,
  SCENARIO_KINDS_ORDER,
  SCENARIO_TARGETS,
  scenarioLabels,
} from '@aiops/cli';
import type { Alert } from '@aiops/contract';
import { mergeScenarioScores, type ScenarioScore, scoreScenarioAlerts } from '@aiops/detectors';
import { incidentsConfigSchema, replayAlerts } from '@aiops/incidents';
import {
  createSimulation,
  parseDuration,
  parseRate,
  SCENARIO_KINDS,
  type ScenarioKind,
  type ScenarioSpec,
} from '@aiops/simulator';
import { type AgentBenchResult, formatAgentTable, runAgentBench } from './agents.js';
import { runOffline } from './offline.js';

/** The detector's alerts: the agent monitor's (scored per trace, below) are no window-level verdicts. */
const windowAlerts = (alerts: readonly Alert[]): Alert[] =>
  alerts.filter((a) => !isAgentDetector(a.detector));

/** Seeds the agent detectors' defaults were tuned on; the table reports others (held out). */
const AGENT_TUNING_SEEDS = [1, 2, 3];
const AGENT_HELD_OUT_SEEDS = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20];

interface Args {
  durationMs: number;
  eventsPerMinute: number;
  seeds: number[];
  partitions: number;
  eventsPartitions: number;
  windowMs: number;
  rules: unknown;
  rulesPath: string | null;
  json: string | null;
  offline: boolean;
  quiet: boolean;
  keep: boolean;
  /** UTC hours of day the simulated period starts at (one run each), or [null]: it ends now. */
  startHours: (number | null)[];
  logLevel: string;
  logFile: string;
  driftRamps: boolean;
  /** Seeds of the agent scenarios (offline, through the agent monitor's core). */
  agentSeeds: number[];
  agentsOnly: boolean;
}

const MINUTE_MS = 60_000;
/** The two drift ramps of the issue's targets: a 0.4 fall of the mean score over 6 and over 60 minutes. */
const DRIFT_RAMPS: readonly ScenarioSpec[] = [
  { kind: 'quality_drift', drop: 0.4, durationMs: 6 * MINUTE_MS },
  { kind: 'quality_drift', drop: 0.4, durationMs: 60 * MINUTE_MS },
];

function parseArgs(argv: string[]): Args {
  const args: Args = {
    durationMs: parseDuration('5h30m'),
    eventsPerMinute: 400,
    seeds: [42],
    partitions: 3,
    eventsPartitions: 3,
    windowMs: 60_000,
    rules: {},
    rulesPath: null,
    json: 'bench/results/scenarios.json',
    offline: false,
    quiet: false,
    keep: false,
    startHours: [8],
    logLevel: 'warn',
    logFile: 'bench/results/scenarios-services.log',
    driftRamps: true,
    agentSeeds: AGENT_HELD_OUT_SEEDS,
    agentsOnly: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--duration') args.durationMs = parseDuration(value());
    else if (a === '--rate') args.eventsPerMinute = parseRate(value());
    else if (a === '--seed' || a === '--seeds') args.seeds = value().split(',').map(Number);
    else if (a === '--partitions') args.partitions = Number(value());
    else if (a === '--events-partitions') args.eventsPartitions = Number(value());
    else if (a === '--window') args.windowMs = parseDuration(value());
    else if (a === '--rules') {
      args.rulesPath = value();
      args.rules = JSON.parse(readFileSync(args.rulesPath, 'utf8')) as unknown;
    } else if (a === '--json') args.json = value();
    else if (a === '--no-json') args.json = null;
    else if (a === '--offline') args.offline = true;
    else if (a === '--agent-seeds') args.agentSeeds = value().split(',').map(Number);
    else if (a === '--agents-only') args.agentsOnly = true;
    else if (a === '--quiet') args.quiet = true;
    else if (a === '--keep') args.keep = true;
    else if (a === '--no-drift-ramps') args.driftRamps = false;
    else if (a === '--log-level') args.logLevel = value();
    else if (a === '--log-file') args.logFile = value();
    else if (a === '--start') {
      const v = value();
      args.startHours = v === 'now' ? [null] : v.split(',').map(Number);
      if (args.startHours.some((h) => h !== null && !(Number.isInteger(h) && h >= 0 && h < 24)))
        throw new Error('--start: now, or UTC hours 0-23, comma-separated');
    } else throw new Error(`unknown argument ${a}`);
  }
  if (args.seeds.some((s) => !Number.isSafeInteger(s))) throw new Error('--seeds: integers, comma-separated');
  return args;
}

const DAY_MS = 86_400_000;

/**
 * Where the simulated period starts. The validator refuses events older than 7 days or in the future, so
 * the period lies in the last day: by default it starts at a fixed UTC hour (the latest such start whose
 * period has ended), so that every run sees the same traffic curve — the simulator's rate follows the time
 * of day — and the same seed gives the same events; `--start now` ends it now instead.
 */
function simulationStart(durationMs: number, startHour: number | null, nowMs: number): number {
  if (startHour === null) return Math.floor((nowMs - durationMs) / 60_000) * 60_000;
  let start = Math.floor(nowMs / DAY_MS) * DAY_MS + startHour * 3_600_000;
  while (start + durationMs > nowMs) start -= DAY_MS;
  if (nowMs - start > 6 * DAY_MS)
    throw new Error('--duration too long for a fixed start hour: use --start now');
  return start;
}

interface RunRecord {
  seed: number;
  startMs: number;
  events: number;
  windows: number;
  alerts: number;
  /** What the notifier makes of these alerts with the default routing (replayAlerts, event time). */
  incidents: number;
  incidentNotifications: number;
  wallMs: number;
  score: ScenarioScore;
}

/** The default routing (one receiver; group_by tenant, provider, detector family; default inhibit rules). */
const DEFAULT_ROUTING = incidentsConfigSchema.parse({ route: { receiver: 'oncall' } });

function incidentsOf(alerts: readonly Alert[]): { incidents: number; incidentNotifications: number } {
  const replay = replayAlerts(DEFAULT_ROUTING, alerts);
  return { incidents: replay.incidentIds.length, incidentNotifications: replay.notifications.length };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const runs: RunRecord[] = [];
  // Agent scenarios: per-trace detectors, scored through the agent monitor's functional core.
  const agentStart = () => simulationStart(args.durationMs, args.startHours[0] ?? 8, Date.now());
  const agents: AgentBenchResult = runAgentBench({
    seeds: args.agentSeeds,
    startMs: agentStart,
    durationMs: args.durationMs,
    eventsPerMinute: args.eventsPerMinute,
  });
  const tuned = args.agentSeeds.filter((s) => AGENT_TUNING_SEEDS.includes(s));
  say(
    `agent scenarios (offline, agent monitor core): seeds ${args.agentSeeds.join(',')} ` +
      `(${tuned.length === 0 ? `held out; tuned on ${AGENT_TUNING_SEEDS.join(',')}` : `includes tuning seeds ${tuned.join(',')}`}), ` +
      `${agents.events} events, ${(agents.wallMs / 1000).toFixed(1)} s`,
  );
  for (const line of formatAgentTable(agents)) say(line);
  say('');
  if (args.agentsOnly) {
    if (args.json !== null) {
      mkdirSync(dirname(args.json), { recursive: true });
      writeFileSync(
        args.json,
        `${JSON.stringify({ generatedAt: new Date().toISOString(), agentSeeds: args.agentSeeds, agentTuningSeeds: AGENT_TUNING_SEEDS, agents }, null, 2)}\n`,
      );
    }
    return;
  }
  let logs: WriteStream | null = null;
  if (!args.offline) {
    mkdirSync(dirname(args.logFile), { recursive: true });
    logs = createWriteStream(args.logFile, { flags: 'a' });
    say(`service logs (${args.logLevel}) go to ${args.logFile}`);
  }
  const plan = args.seeds.flatMap((seed) => args.startHours.map((hour) => ({ seed, hour })));
  for (const { seed, hour } of plan) {
    const startMs = simulationStart(args.durationMs, hour, Date.now());
    const scenarios: (ScenarioSpec | ScenarioKind)[] = [
      ...SCENARIO_KINDS,
      ...(args.driftRamps ? DRIFT_RAMPS : []),
    ];
    const simulation = createSimulation({
      seed,
      startMs,
      durationMs: args.durationMs,
      eventsPerMinute: args.eventsPerMinute,
      scenarios,
    });
    const prefix =
      plan.length === 1 ? '' : args.startHours.length === 1 ? `s${seed}:` : `s${seed}h${hour ?? 'now'}:`;
    const labels = scenarioLabels(simulation, prefix);
    if (args.offline) {
      const result = runOffline(simulation, { windowMs: args.windowMs, rules: args.rules });
      const score = scoreScenarioAlerts(labels, windowAlerts(result.alerts), {
        windowMs: args.windowMs,
        kinds: SCENARIO_KINDS_ORDER,
      });
      runs.push({
        seed,
        startMs,
        events: result.events,
        windows: result.windows,
        alerts: result.alerts.length,
        ...incidentsOf(result.alerts),
        wallMs: result.wallMs,
        score,
      });
      say(
        `seed ${seed}, start ${new Date(startMs).toISOString().slice(0, 16)} (offline): ${result.events} events, ${result.windows} windows, ${result.alerts.length} notifications, ${(result.wallMs / 1000).toFixed(1)} s`,
      );
    } else {
      const result = await runScenarioPipeline({
        simulation,
        env: process.env,
        prefix: 'bench_scenarios',
        cleanup: !args.keep,
        logLevel: args.logLevel,
        ...(logs === null ? {} : { logDestination: logs }),
        partitions: args.partitions,
        eventsPartitions: args.eventsPartitions,
        windowMs: args.windowMs,
        rules: args.rules,
        onProgress: args.quiet ? undefined : (line) => say(`  ${line}`),
      });
      const score = scoreScenarioAlerts(labels, windowAlerts(result.alerts), {
        windowMs: args.windowMs,
        kinds: SCENARIO_KINDS_ORDER,
      });
      runs.push({
        seed,
        startMs,
        events: result.eventsProduced,
        windows: result.windows,
        alerts: result.alerts.length,
        ...incidentsOf(result.alerts),
        wallMs: result.wallMs,
        score,
      });
      say(
        `seed ${seed}, start ${new Date(startMs).toISOString().slice(0, 16)}: pipeline ${result.id}${args.keep ? ' (kept)' : ''}: ${result.eventsProduced} events produced, ${result.eventsWritten} written to ClickHouse, ${result.windows} windows, ${result.alerts.length} alert notifications, ${(result.wallMs / 1000).toFixed(1)} s`,
      );
    }
  }
  if (logs !== null) {
    const stream = logs;
    await new Promise<void>((resolve) => stream.end(() => resolve()));
  }
  const score = mergeScenarioScores(runs.map((r) => r.score));
  say('');
  for (const line of formatIncidentTable(score)) say(line);
  say('');
  for (const line of formatScoreTable(score)) say(line);
  for (const line of driftDelays(score)) say(line);
  const alertsIn = runs.reduce((sum, r) => sum + r.alerts, 0);
  const incidentsOut = runs.reduce((sum, r) => sum + r.incidents, 0);
  const notificationsOut = runs.reduce((sum, r) => sum + r.incidentNotifications, 0);
  say(
    `alerts in vs incidents out (default routing, event time): ${alertsIn} alert notifications -> ` +
      `${incidentsOut} incidents, ${notificationsOut} incident notifications`,
  );
  const check = checkTargets(score);
  say(check.met ? 'targets met' : `targets NOT met: ${check.misses.join('; ')}`);
  if (args.json !== null) {
    mkdirSync(dirname(args.json), { recursive: true });
    const body = {
      generatedAt: new Date().toISOString(),
      mode: args.offline
        ? 'offline (functional cores, no Kafka)'
        : 'pipeline (real services, Kafka, ClickHouse)',
      duration: args.durationMs,
      eventsPerMinute: args.eventsPerMinute,
      partitions: args.partitions,
      eventsPartitions: args.eventsPartitions,
      windowMs: args.windowMs,
      rules: args.rulesPath ?? 'defaults',
      targets: SCENARIO_TARGETS,
      agentSeeds: args.agentSeeds,
      agentTuningSeeds: AGENT_TUNING_SEEDS,
      agents,
      met: check.met,
      misses: check.misses,
      runs: runs.map((r) => ({
        seed: r.seed,
        start: new Date(r.startMs).toISOString(),
        events: r.events,
        windows: r.windows,
        alertNotifications: r.alerts,
        incidents: r.incidents,
        incidentNotifications: r.incidentNotifications,
        wallMs: r.wallMs,
      })),
      detectors: score.kinds,
      total: score.total,
      incidents: score.labels.map((o) => ({
        id: o.label.id,
        detector: o.label.detector,
        series: o.label.series,
        startMs: o.label.startMs,
        endMs: o.label.endMs,
        detected: o.detected,
        firstFiringMs: o.firstFiringMs,
        delayWindows: o.delayWindows,
        resolvedMs: o.resolvedMs,
        summary: o.summary,
      })),
      falsePositives: score.falsePositives.map((a) => ({
        detector: a.detector,
        severity: a.severity,
        tenant_id: a.tenant_id,
        application: a.application,
        environment: a.environment,
        provider: a.provider,
        model: a.model,
        operation: a.operation,
        started_at: a.started_at,
        summary: a.summary,
      })),
    };
    writeFileSync(args.json, `${JSON.stringify(body, null, 2)}\n`);
    say(`results written to ${args.json}`);
  }
}

/** One line per quality-drift ramp (by its duration and depth, every run): the delays in windows. */
function driftDelays(score: ScenarioScore): string[] {
  const byRamp = new Map<string, (number | null)[]>();
  for (const o of score.labels) {
    if (o.label.detector !== 'quality') continue;
    const depth = /by up to ([\d.]+)/.exec(o.label.description ?? '')?.[1] ?? '?';
    const ramp = `${Math.round((o.label.endMs - o.label.startMs) / MINUTE_MS)}-min ramp of ${depth}`;
    const delays = byRamp.get(ramp) ?? [];
    delays.push(o.delayWindows);
    byRamp.set(ramp, delays);
  }
  return [...byRamp].map(([ramp, delays]) => {
    const found = delays.filter((d): d is number => d !== null).sort((a, b) => a - b);
    const median = found.length === 0 ? null : found[Math.floor((found.length - 1) / 2)]!;
    return `quality drift, ${ramp}: median delay ${median ?? '-'} windows (${delays.map((d) => d ?? 'missed').join(', ')})`;
  });
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench:scenarios: ${error instanceof Error ? error.message : String(error)}\n`);
  if (process.env.AIOPS_DEBUG && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
  // A service that crashed may not release its connections on stop: do not wait for them.
  process.exit(1);
}
