import {
  AGENT_DETECTORS,
  AgentMonitor,
  type AgentMonitorOptionsInput,
  agentMonitorOptionsSchema,
} from '@aiops/agents';
import type { Alert } from '@aiops/contract';
import { median } from '@aiops/detectors';
import { AGENT_SCENARIO_KINDS, type AgentScenarioKind, createSimulation } from '@aiops/simulator';
import { feedMonitor } from './offline.js';

export interface AgentBenchOptions {
  readonly seeds: readonly number[];
  readonly startMs: (seed: number) => number;
  readonly durationMs: number;
  readonly eventsPerMinute: number;
  readonly monitor?: AgentMonitorOptionsInput;
}

export interface AgentKindScore {
  readonly kind: AgentScenarioKind;
  readonly detector: string;
  readonly labels: number;
  readonly detected: number;
  readonly alerts: number;
  readonly truePositives: number;
  readonly recall: number;
  readonly precision: number;
  /** Median delay in seconds of event time (null without detections). */
  readonly medianDelayS: number | null;
  readonly maxDelayS: number | null;
}

export interface AgentBenchResult {
  readonly kinds: AgentKindScore[];
  /** Alerts of the tool-error detector (no scenario injects tool errors: each one is a false alarm). */
  readonly toolErrorAlerts: number;
  readonly events: number;
  readonly wallMs: number;
}

/** Tool calls a runaway trace must have made to count as a label (the scenario's traces make 27). */
const RUNAWAY_MIN_CALLS = 20;

interface Emitted {
  readonly alert: Alert;
  readonly streamMs: number;
}

export function runAgentBench(options: AgentBenchOptions): AgentBenchResult {
  const started = Date.now();
  const monitorOptions = agentMonitorOptionsSchema.parse(options.monitor ?? {});
  const tallies = new Map<
    AgentScenarioKind,
    { labels: number; detected: number; alerts: number; tp: number; delays: number[] }
  >(AGENT_SCENARIO_KINDS.map((k) => [k, { labels: 0, detected: 0, alerts: 0, tp: 0, delays: [] }]));
  let toolErrorAlerts = 0;
  let events = 0;
  for (const seed of options.seeds) {
    const simulation = createSimulation({
      seed,
      startMs: options.startMs(seed),
      durationMs: options.durationMs,
      eventsPerMinute: options.eventsPerMinute,
      scenarios: [],
      agentScenarios: [...AGENT_SCENARIO_KINDS],
    });
    const monitor = new AgentMonitor(monitorOptions);
    const emitted: Emitted[] = [];
    events += feedMonitor(
      simulation,
      monitor,
      {
        userIdSalt: 'agents-bench-salt',
        nowMs: options.startMs(seed) + options.durationMs + 60_000,
        // Past every trace's gap and lateness.
        closeAfterMs:
          monitorOptions.traceGapMs + monitorOptions.allowedLatenessMs + monitorOptions.maxOutOfOrdernessMs,
      },
      (alert, streamMs) => {
        if (alert.status === 'firing') emitted.push({ alert, streamMs });
      },
    );

    const truth = simulation.agentTruth();
    const byDetector = (detector: string) => emitted.filter((e) => e.alert.detector === detector);
    toolErrorAlerts += byDetector(AGENT_DETECTORS.toolErrors).length;

    // Tool loops, per trace.
    const loopTruth = new Map(
      truth
        .filter((t) => t.kind === 'agent_tool_loop' && t.calls >= monitorOptions.loop.sameToolCalls)
        .map((t) => [`${t.tenant_id}/${t.trace_id}`, t]),
    );
    const loopAll = new Set(
      truth.filter((t) => t.kind === 'agent_tool_loop').map((t) => `${t.tenant_id}/${t.trace_id}`),
    );
    scoreTraces(
      tallies.get('agent_tool_loop')!,
      loopTruth,
      loopAll,
      byDetector(AGENT_DETECTORS.toolLoop),
      (e) => e.alert.window_end,
    );
    // Runaway agents, per trace.
    // A runaway trace cut short by a failed LLM call (fewer than RUNAWAY_MIN_CALLS tool calls) is no label,
    // but an alert on it is no false alarm either.
    const runawayAll = truth.filter((t) => t.kind === 'runaway_agent');
    const runawayTruth = new Map(
      runawayAll.filter((t) => t.calls >= RUNAWAY_MIN_CALLS).map((t) => [`${t.tenant_id}/${t.trace_id}`, t]),
    );
    scoreTraces(
      tallies.get('runaway_agent')!,
      runawayTruth,
      new Set(runawayAll.map((t) => `${t.tenant_id}/${t.trace_id}`)),
      byDetector(AGENT_DETECTORS.runaway),
      (e) => e.alert.window_end,
    );
    // Unseen tools, per (tenant, agent, tool, day).
    const unseen = tallies.get('unseen_tool')!;
    const firstCall = new Map<string, number>();
    for (const t of truth.filter((x) => x.kind === 'unseen_tool')) {
      const key = `${t.tenant_id}/${t.agent}/${t.tool}/${Math.floor(t.startMs / 86_400_000)}`;
      firstCall.set(key, Math.min(firstCall.get(key) ?? Number.POSITIVE_INFINITY, t.startMs));
    }
    const unseenAlerts = byDetector(AGENT_DETECTORS.unseenTool);
    unseen.labels += firstCall.size;
    unseen.alerts += unseenAlerts.length;
    for (const [key, first] of firstCall) {
      const hits = unseenAlerts.filter(
        (e) =>
          `${e.alert.tenant_id}/${e.alert.evidence.agent}/${e.alert.evidence.tool}/${Math.floor(e.alert.window_start / 86_400_000)}` ===
          key,
      );
      if (hits.length === 0) continue;
      unseen.detected++;
      unseen.delays.push((Math.min(...hits.map((h) => h.streamMs)) - first) / 1000);
    }
    const injectedTools = new Set([...firstCall.keys()].map((k) => k.split('/').slice(0, 3).join('/')));
    unseen.tp += unseenAlerts.filter((e) =>
      injectedTools.has(`${e.alert.tenant_id}/${e.alert.evidence.agent}/${e.alert.evidence.tool}`),
    ).length;
  }
  const kinds = AGENT_SCENARIO_KINDS.map((kind): AgentKindScore => {
    const t = tallies.get(kind)!;
    return {
      kind,
      detector: {
        agent_tool_loop: AGENT_DETECTORS.toolLoop,
        runaway_agent: AGENT_DETECTORS.runaway,
        unseen_tool: AGENT_DETECTORS.unseenTool,
      }[kind],
      labels: t.labels,
      detected: t.detected,
      alerts: t.alerts,
      truePositives: t.tp,
      recall: t.labels === 0 ? 0 : t.detected / t.labels,
      precision: t.alerts === 0 ? 1 : t.tp / t.alerts,
      medianDelayS: t.delays.length === 0 ? null : median(t.delays),
      maxDelayS: t.delays.length === 0 ? null : Math.max(...t.delays),
    };
  });
  return { kinds, toolErrorAlerts, events, wallMs: Date.now() - started };
}

function scoreTraces(
  tally: { labels: number; detected: number; alerts: number; tp: number; delays: number[] },
  labels: ReadonlyMap<string, unknown>,
  injected: ReadonlySet<string>,
  alerts: readonly Emitted[],
  decidableAt: (e: Emitted) => number,
): void {
  tally.labels += labels.size;
  tally.alerts += alerts.length;
  const byTrace = new Map<string, Emitted>();
  for (const e of alerts) {
    const key = `${e.alert.tenant_id}/${e.alert.evidence.trace}`;
    if (injected.has(key)) tally.tp++;
    if (!byTrace.has(key)) byTrace.set(key, e);
  }
  for (const key of labels.keys()) {
    const hit = byTrace.get(key);
    if (hit === undefined) continue;
    tally.detected++;
    tally.delays.push((hit.streamMs - decidableAt(hit)) / 1000);
  }
}

export function formatAgentTable(result: AgentBenchResult): string[] {
  const lines = [
    '| agent scenario  | detector          | labels | detected | recall | alerts | precision | median delay | max delay |',
    '| --------------- | ----------------- | ------ | -------- | ------ | ------ | --------- | ------------ | --------- |',
  ];
  for (const k of result.kinds) {
    const delay = (s: number | null) => (s === null ? '–' : `${s.toFixed(1)} s`);
    lines.push(
      `| ${k.kind.padEnd(15)} | ${k.detector.padEnd(17)} | ${String(k.labels).padStart(6)} | ${String(k.detected).padStart(8)} | ${k.recall.toFixed(3)}  | ${String(k.alerts).padStart(6)} | ${k.precision.toFixed(3)}     | ${delay(k.medianDelayS).padStart(12)} | ${delay(k.maxDelayS).padStart(9)} |`,
    );
  }
  lines.push(`tool-error spike alerts (none injected, so false alarms): ${result.toolErrorAlerts}`);
  return lines;
}
