import {
  type AlertDescription,
  type AlertLabels,
  type AlertLifecycle,
  createAlertLifecycle,
  formatDuration,
  type LifecycleOptions,
  type TrackedAlert,
} from '@aiops/alerts';
import type { Alert, AlertSeverity, TelemetryEvent } from '@aiops/contract';
import type { RecordSource } from '@aiops/core';
import {
  alphaForHalfLife,
  type LevelParams,
  levelExpected,
  levelInit,
  levelLearn,
  levelZ,
  type RateParams,
  rateExpected,
  rateInit,
  rateLearn,
  rateZ,
} from '@aiops/detectors';
import { ChangelogClock, CLOCK_KEY, type ClockState, classify, isExpired } from '@aiops/windowing';
import { AGENT_DETECTORS, type AgentMonitorOptions } from './config.js';
import {
  type AgentState,
  RUNAWAY_METRICS,
  type RunawayMetric,
  type ToolErrorState,
  type TraceState,
} from './state.js';
import type { TraceSummary } from './summary.js';

const DAY_MS = 86_400_000;
const NEVER = Number.MAX_SAFE_INTEGER;
const SEP = '\u001f';

// The changelog keys: the clock's (CLOCK_KEY), traces' starting with `t`, agents' with `a`.

/** One record of the monitor's changelog: the latest state of a key, or null (a tombstone). */
export interface ChangelogEntry {
  readonly key: string;
  readonly value: TraceState | AgentState | ClockState | null;
}

/** What one advance produced, in a deterministic order. */
export interface MonitorOutput {
  readonly alerts: Alert[];
  readonly summaries: TraceSummary[];
}

export interface MonitorCounters {
  events: number;
  /** Events that are neither agent steps nor tool calls. */
  ignored: number;
  /** Agent steps and tool calls with neither trace id nor session id. */
  unkeyed: number;
  /** Events too late for their trace (after the allowed lateness): counted, not applied. */
  tooLate: number;
  /** Events applied to a trace already closed (its summary re-emitted with a higher revision). */
  lateApplied: number;
  /** Events whose id the trace had already (a redelivery): dropped. */
  duplicates: number;
}

export interface MonitorStats {
  openTraces: number;
  closedTraces: number;
  agents: number;
  watermarkMs: number;
  counters: MonitorCounters;
}

/** Trace alerts fire at once and resolve when the trace expires. */
const TRACE_LIFECYCLE: LifecycleOptions = Object.freeze({
  pendingForMs: 0,
  recoveryForMs: 0,
  repeatIntervalMs: NEVER,
  resolveTimeoutMs: NEVER,
});

export function traceStateKey(tenant: string, kind: 'trace' | 'session', id: string): string {
  return `t${SEP}${tenant}${SEP}${kind}${SEP}${id}`;
}

export function agentStateKey(tenant: string, application: string, environment: string, agent: string) {
  return `a${SEP}${tenant}${SEP}${application}${SEP}${environment}${SEP}${agent}`;
}

function insertSorted(times: number[], t: number, cap: number): void {
  let i = times.length;
  while (i > 0 && times[i - 1]! > t) i--;
  if (i >= cap) return;
  times.splice(i, 0, t);
  if (times.length > cap) times.length = cap;
}

function numberAttribute(event: TelemetryEvent, name: string): number | null {
  const text = event.attributes[name];
  if (text === undefined) return null;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? Math.floor(value) : null;
}

const round = (x: number, digits = 2): string => String(Number(x.toFixed(digits)));

/**
 * Agent and tool behaviour per trace, in event time: the processor behind services/agent-monitor.
 *
 * Keyed by trace id (session id when an event has none), per tenant, over `agent_step` and `tool_call`
 * events, and the LLM calls that name an agent (they add cost and time to its trace, not steps). A trace is a session window: it closes when the watermark (the windowing package's
 * bounded-out-of-orderness WatermarkTracker) passes its last event time + `traceGapMs`; its summary goes
 * out then (revision 0). Late events within `allowedLatenessMs` (windowing's `classify`) update it and
 * re-emit it with revision + 1; a trace is evicted when the watermark passes close + allowed lateness.
 *
 * Detectors (alerts through the alert lifecycle of packages/alerts; detector ids in AGENT_DETECTORS):
 * - tool-call loop: the same tool ≥ N times in a trace, or the same (tool, arguments hash) ≥ M times.
 *   Judged when the watermark passes the N-th (M-th) call in event time, so the alert (and its time) is
 *   the same whatever order the calls arrived in;
 * - runaway agent: at close, steps / tool calls / duration / cost of the trace against the agent's learned
 *   baseline (robust level of log(1 + value), packages/detectors stats);
 * - unseen tool: at close, after the agent's warm-up, a tool not in its history, once per (agent, tool, day);
 * - tool error spike: per (agent, tool) and event-time bucket, the error ratio against its learned ratio
 *   (the rate detector's binomial z, packages/detectors stats).
 * Traces close in event-time order (close time, then key), so baselines learn in the same order in every run.
 *
 * State is per key (each trace, each agent, the clock) and every change is listed by `changes()`, so a
 * shell can checkpoint incrementally (a compacted changelog) and `restore` it after a restart.
 */
export class AgentMonitor {
  private readonly clock: ChangelogClock;
  private traces = new Map<string, TraceState>();
  private agents = new Map<string, AgentState>();
  private readonly lifecycles = new Map<string, AlertLifecycle>();
  private readonly dirty = new Set<string>();
  private readonly removed = new Set<string>();
  private readonly levelParams: LevelParams;
  private readonly rateParams: RateParams;
  private readonly agentLifecycle: LifecycleOptions;
  readonly counters: MonitorCounters = {
    events: 0,
    ignored: 0,
    unkeyed: 0,
    tooLate: 0,
    lateApplied: 0,
    duplicates: 0,
  };

  constructor(private readonly options: AgentMonitorOptions) {
    this.clock = new ChangelogClock(options);
    const alpha = alphaForHalfLife(options.runaway.halfLifeTraces);
    this.levelParams = {
      alpha,
      scaleAlpha: alpha,
      seasonality: 'none',
      seasonMinVisits: 3,
      clip: 3,
      robustAfter: options.runaway.warmupTraces,
      outlierWeight: 0.05,
      minScale: 0.1,
      relMinScale: 0,
    };
    this.rateParams = {
      alpha: alphaForHalfLife(options.toolErrors.halfLifeBuckets),
      clip: 3,
      robustAfter: options.toolErrors.warmupBuckets,
    };
    this.agentLifecycle = {
      pendingForMs: 0,
      recoveryForMs: 2 * options.toolErrors.bucketMs,
      repeatIntervalMs: 4 * 3_600_000,
      resolveTimeoutMs: 3_600_000,
    };
  }

  watermark(): number {
    return this.clock.current();
  }

  stats(): MonitorStats {
    let closed = 0;
    for (const trace of this.traces.values()) if (trace.closed) closed++;
    return {
      openTraces: this.traces.size - closed,
      closedTraces: closed,
      agents: this.agents.size,
      watermarkMs: this.clock.current(),
      counters: { ...this.counters },
    };
  }

  /** Takes one event (any type: what is not an agent step or tool call is ignored). */
  process(event: TelemetryEvent, wallNowMs: number, source?: RecordSource): void {
    this.counters.events++;
    // Every event moves the clock (the partition's other traffic is evidence of event time too).
    const type = event.event_type;
    // An agent's own LLM calls belong to its trace (cost, timing), though they are neither steps nor tools.
    const agentCall = type === 'llm_call' && event.agent_name !== null;
    if (type !== 'agent_step' && type !== 'tool_call' && !agentCall) {
      this.counters.ignored++;
      this.clock.observe(event.timestamp, wallNowMs, source);
      return;
    }
    const id = event.trace_id ?? event.session_id;
    if (id === null) {
      this.counters.unkeyed++;
      this.clock.observe(event.timestamp, wallNowMs, source);
      return;
    }
    const kind = event.trace_id !== null ? 'trace' : 'session';
    const key = traceStateKey(event.tenant_id, kind, id);
    const watermark = this.clock.current();
    let trace = this.traces.get(key);
    const start = event.timestamp - (event.duration_ms ?? 0);
    if (trace === undefined) {
      if (
        classify(event.timestamp + this.options.traceGapMs, watermark, this.options.allowedLatenessMs) ===
        'too_late'
      ) {
        this.counters.tooLate++;
        this.clock.observe(event.timestamp, wallNowMs, source);
        return;
      }
      trace = {
        v: 1,
        tenant_id: event.tenant_id,
        application: event.application,
        environment: event.environment,
        trace_key: id,
        key_kind: kind,
        session_id: event.session_id,
        agent: null,
        started_at: start,
        ended_at: event.timestamp,
        opened_at: null,
        last_event_ms: event.timestamp,
        steps: 0,
        tool_calls: 0,
        errors: 0,
        tool_errors: 0,
        cost_usd: 0,
        tools: {},
        args: {},
        loop: null,
        runaway: false,
        closed: false,
        revision: 0,
        event_ids: [],
        pending_late: false,
        alerts: [],
      };
      this.traces.set(key, trace);
    } else if (trace.event_ids.includes(event.event_id)) {
      this.counters.duplicates++;
      this.clock.observe(event.timestamp, wallNowMs, source);
      return;
    } else if (trace.closed) {
      trace.pending_late = true;
      this.counters.lateApplied++;
    }
    trace.event_ids.push(event.event_id);
    if (start < trace.started_at) trace.started_at = start;
    if (event.timestamp > trace.ended_at) trace.ended_at = event.timestamp;
    if (event.timestamp > trace.last_event_ms) trace.last_event_ms = event.timestamp;
    if (event.agent_name !== null && (trace.agent === null || event.agent_name < trace.agent))
      trace.agent = event.agent_name;
    if (trace.session_id === null && event.session_id !== null) trace.session_id = event.session_id;
    const failed = event.status === 'error';
    if (failed) trace.errors++;
    trace.cost_usd += event.cost_usd ?? 0;
    if (type === 'agent_step') {
      trace.steps += Math.max(1, numberAttribute(event, 'steps') ?? 1);
    } else if (type === 'tool_call') {
      const tool = event.tool_name ?? 'unknown';
      trace.tool_calls++;
      if (failed) trace.tool_errors++;
      let calls = trace.tools[tool];
      if (calls === undefined) {
        calls = { calls: 0, errors: 0, times: [] };
        trace.tools[tool] = calls;
      }
      calls.calls++;
      if (failed) calls.errors++;
      insertSorted(calls.times, event.timestamp, this.options.loop.sameToolCalls);
      const hash = event.tool_call_arguments_hash;
      if (hash !== null) {
        const argsKey = `${tool}${SEP}${hash}`;
        const times = trace.args[argsKey] ?? [];
        insertSorted(times, event.timestamp, this.options.loop.sameArgumentsCalls);
        trace.args[argsKey] = times;
      }
      if (event.agent_name !== null) this.countToolCall(event, tool, failed);
    }
    this.dirty.add(key);
    this.clock.observe(event.timestamp, wallNowMs, source);
  }

  /** Wall-clock punctuation: an idle input advances the watermark (see WatermarkTracker.onIdleCheck). */
  onIdleCheck(wallNowMs: number): void {
    this.clock.onIdleCheck(wallNowMs);
  }

  /** Runs what the watermark made due: loop checks, tool-error buckets, trace closes and evictions. */
  advance(): MonitorOutput {
    const alerts: Alert[] = [];
    const summaries: TraceSummary[] = [];
    const { watermarkMs: watermark, moved } = this.clock.advanceMarkingDirty(this.dirty);
    const keys = [...this.traces.keys()].sort();
    for (const key of keys) this.checkLoop(key, this.traces.get(key)!, watermark, alerts);
    for (const key of [...this.agents.keys()].sort())
      this.judgeToolErrors(key, this.agents.get(key)!, watermark, alerts);

    const closing: Array<[number, string]> = [];
    for (const key of keys) {
      const trace = this.traces.get(key)!;
      const end = trace.last_event_ms + this.options.traceGapMs;
      if (!trace.closed && end <= watermark) closing.push([end, key]);
      else if (trace.closed && trace.pending_late) {
        trace.pending_late = false;
        // A trace that went on after its gap is judged again on its totals (the baseline learned it once).
        this.rejudgeRunaway(key, trace, alerts);
        summaries.push(this.summaryOf(trace));
        this.dirty.add(key);
      }
    }
    closing.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    for (const [, key] of closing) {
      const trace = this.traces.get(key)!;
      trace.closed = true;
      trace.pending_late = false;
      this.learnFromTrace(key, trace, alerts);
      summaries.push(this.summaryOf(trace));
      this.dirty.add(key);
    }
    for (const key of keys) {
      const trace = this.traces.get(key)!;
      const end = trace.last_event_ms + this.options.traceGapMs;
      if (!trace.closed || !isExpired(end, watermark, this.options.allowedLatenessMs)) continue;
      this.resolveTrace(key, trace, end + this.options.allowedLatenessMs, alerts);
      this.traces.delete(key);
      this.lifecycles.delete(key);
      this.dirty.delete(key);
      this.removed.add(key);
    }
    if (moved) {
      for (const key of [...this.agents.keys()].sort()) {
        const lifecycle = this.lifecycles.get(key);
        if (lifecycle === undefined) continue;
        const resolved = lifecycle.advance(watermark);
        if (resolved.length > 0) {
          alerts.push(...resolved);
          this.dirty.add(key);
        }
      }
    }
    return { alerts, summaries };
  }

  /** The keys changed since the last call, with their state (null: deleted), in key order; clears the list. */
  changes(): ChangelogEntry[] {
    const out: ChangelogEntry[] = [];
    for (const key of [...this.dirty, ...this.removed].sort()) {
      if (this.removed.has(key) && !this.dirty.has(key)) {
        out.push({ key, value: null });
        continue;
      }
      out.push({ key, value: this.stateOf(key) });
    }
    this.dirty.clear();
    this.removed.clear();
    return out;
  }

  /** Every key's state (a full snapshot: the union of all changes). */
  snapshot(): ChangelogEntry[] {
    const keys = [CLOCK_KEY, ...this.traces.keys(), ...this.agents.keys()].sort();
    return keys.map((key) => ({ key, value: this.stateOf(key) }));
  }

  /** Restores from the latest state of every key (a compacted changelog read to its end); forgets all else. */
  restore(entries: Iterable<ChangelogEntry>): void {
    this.traces = new Map();
    this.agents = new Map();
    this.lifecycles.clear();
    this.dirty.clear();
    this.removed.clear();
    for (const { key, value } of entries) {
      if (value === null) continue;
      if (key === CLOCK_KEY) this.clock.restore(value as ClockState);
      else if (key.startsWith('t')) {
        const trace = structuredClone(value as TraceState);
        this.traces.set(key, trace);
        this.restoreLifecycle(key, trace.alerts, TRACE_LIFECYCLE);
      } else if (key.startsWith('a')) {
        const agent = structuredClone(value as AgentState);
        this.agents.set(key, agent);
        this.restoreLifecycle(key, agent.alerts, this.agentLifecycle);
      }
    }
  }

  private restoreLifecycle(key: string, alerts: TrackedAlert[], options: LifecycleOptions): void {
    if (alerts.length === 0) return;
    const lifecycle = createAlertLifecycle(options);
    lifecycle.restore({ version: 1, alerts });
    this.lifecycles.set(key, lifecycle);
  }

  private stateOf(key: string): TraceState | AgentState | ClockState {
    if (key === CLOCK_KEY) return this.clock.state();
    const state = this.traces.get(key) ?? this.agents.get(key);
    if (state === undefined) throw new Error(`no state for key ${JSON.stringify(key)}`);
    state.alerts = [...(this.lifecycles.get(key)?.tracked() ?? [])];
    return structuredClone(state);
  }

  private lifecycleFor(key: string, options: LifecycleOptions): AlertLifecycle {
    let lifecycle = this.lifecycles.get(key);
    if (lifecycle === undefined) {
      lifecycle = createAlertLifecycle(options);
      this.lifecycles.set(key, lifecycle);
    }
    return lifecycle;
  }

  private agentFor(tenant: string, application: string, environment: string, agent: string, at: number) {
    const key = agentStateKey(tenant, application, environment, agent);
    let state = this.agents.get(key);
    if (state === undefined) {
      state = {
        v: 1,
        tenant_id: tenant,
        application,
        environment,
        agent,
        first_ms: at,
        traces: 0,
        tools: {},
        baselines: {
          steps: levelInit(this.levelParams),
          tool_calls: levelInit(this.levelParams),
          duration_ms: levelInit(this.levelParams),
          cost_usd: levelInit(this.levelParams),
        },
        tool_errors: {},
        alerts: [],
      };
      this.agents.set(key, state);
    }
    return { key, state };
  }

  private countToolCall(event: TelemetryEvent, tool: string, failed: boolean): void {
    const { key, state } = this.agentFor(
      event.tenant_id,
      event.application,
      event.environment,
      event.agent_name!,
      event.timestamp,
    );
    if (event.timestamp < state.first_ms) state.first_ms = event.timestamp;
    let errors = state.tool_errors[tool];
    if (errors === undefined) {
      errors = { rate: rateInit(), buckets: {}, judged_until: Number.MIN_SAFE_INTEGER };
      state.tool_errors[tool] = errors;
    }
    const size = this.options.toolErrors.bucketMs;
    const bucket = event.timestamp - (((event.timestamp % size) + size) % size);
    this.dirty.add(key);
    if (bucket < errors.judged_until) return; // its bucket was judged already: late for the ratio
    const counts = errors.buckets[bucket] ?? [0, 0];
    counts[0]++;
    if (failed) counts[1]++;
    errors.buckets[bucket] = counts;
  }

  private labels(state: { tenant_id: string; application: string; environment: string }, operation: string) {
    return {
      tenant_id: state.tenant_id,
      application: state.application,
      environment: state.environment,
      provider: null,
      model: null,
      operation,
    } satisfies AlertLabels;
  }

  private checkLoop(key: string, trace: TraceState, watermark: number, alerts: Alert[]): void {
    if (trace.loop !== null) return;
    const { sameToolCalls: n, sameArgumentsCalls: m } = this.options.loop;
    let best: { tool: string; hash: string | null; at: number; calls: number } | null = null;
    for (const tool of Object.keys(trace.tools).sort()) {
      const times = trace.tools[tool]!.times;
      if (times.length < n || times[n - 1]! > watermark) continue;
      if (best === null || times[n - 1]! < best.at) best = { tool, hash: null, at: times[n - 1]!, calls: n };
    }
    for (const argsKey of Object.keys(trace.args).sort()) {
      const times = trace.args[argsKey]!;
      if (times.length < m || times[m - 1]! > watermark) continue;
      if (best === null || times[m - 1]! < best.at) {
        const split = argsKey.indexOf(SEP);
        best = { tool: argsKey.slice(0, split), hash: argsKey.slice(split + 1), at: times[m - 1]!, calls: m };
      }
    }
    if (best === null) return;
    trace.loop = best;
    this.dirty.add(key);
    const agent = trace.agent ?? 'unnamed agent';
    const loop = best;
    const threshold = loop.hash === null ? n : m;
    const alert = this.lifecycleFor(key, TRACE_LIFECYCLE).observe({
      detector: AGENT_DETECTORS.toolLoop,
      signal: `${agent}${SEP}${loop.tool}${SEP}${trace.trace_key}`,
      labels: this.labels(trace, 'execute_tool'),
      breached: true,
      severity: 'warning',
      window_start: trace.started_at,
      window_end: loop.at,
      observed: loop.calls,
      expected: 0,
      threshold,
      score: 1,
      describe: (): AlertDescription => ({
        summary:
          loop.hash === null
            ? `Agent ${agent} called tool ${loop.tool} ${loop.calls} times in ${trace.key_kind} ${trace.trace_key} (tool-call loop: threshold ${threshold} calls of one tool per trace).`
            : `Agent ${agent} called tool ${loop.tool} ${loop.calls} times with the same arguments (hash ${loop.hash}) in ${trace.key_kind} ${trace.trace_key} (tool-call loop: threshold ${threshold}).`,
        evidence: {
          agent,
          tool: loop.tool,
          trace: trace.trace_key,
          key_kind: trace.key_kind,
          calls: String(loop.calls),
          threshold: String(threshold),
          ...(loop.hash === null ? {} : { arguments_hash: loop.hash }),
          nth_call_at: String(loop.at),
        },
      }),
    });
    if (alert !== null) alerts.push(alert);
  }

  private judgeToolErrors(key: string, agent: AgentState, watermark: number, alerts: Alert[]): void {
    const size = this.options.toolErrors.bucketMs;
    const { z: zThreshold, minErrors, warmupBuckets } = this.options.toolErrors;
    for (const tool of Object.keys(agent.tool_errors).sort()) {
      const errors: ToolErrorState = agent.tool_errors[tool]!;
      const due = Object.keys(errors.buckets)
        .map(Number)
        .filter((start) => start + size <= watermark)
        .sort((a, b) => a - b);
      for (const start of due) {
        const [calls, failed] = errors.buckets[start]!;
        delete errors.buckets[start];
        errors.judged_until = start + size;
        this.dirty.add(key);
        const warm = errors.rate.windows >= warmupBuckets;
        const z = warm ? rateZ(errors.rate, failed, calls) : 0;
        const expected = rateExpected(errors.rate);
        const breached = warm && z >= zThreshold && failed >= minErrors;
        const signal = {
          detector: AGENT_DETECTORS.toolErrors,
          signal: `${agent.agent}${SEP}${tool}`,
          labels: this.labels(agent, 'execute_tool'),
          breached,
          severity: 'warning' as AlertSeverity,
          window_start: start,
          window_end: start + size,
          observed: calls > 0 ? failed / calls : 0,
          expected,
          threshold: zThreshold,
          score: Math.min(1, Math.max(0, z / (2 * zThreshold))),
          describe: (): AlertDescription => ({
            summary: `Tool ${tool} of agent ${agent.agent} failed ${failed} of ${calls} calls (${round(100 * (failed / calls), 1)}% vs ${round(100 * expected, 1)}% learned; z ${round(z, 1)}).`,
            evidence: {
              agent: agent.agent,
              tool,
              calls: String(calls),
              errors: String(failed),
              expected_ratio: round(expected, 4),
              z: round(z, 2),
            },
          }),
        };
        if (breached || this.lifecycles.has(key)) {
          const alert = this.lifecycleFor(key, this.agentLifecycle).observe(signal);
          if (alert !== null) alerts.push(alert);
        }
        rateLearn(errors.rate, this.rateParams, failed, calls);
      }
    }
  }

  /** At close (revision 0): runaway and unseen-tool verdicts against the agent's history, then learning. */
  private learnFromTrace(key: string, trace: TraceState, alerts: Alert[]): void {
    if (trace.agent === null) return;
    const { key: agentKey, state: agent } = this.agentFor(
      trace.tenant_id,
      trace.application,
      trace.environment,
      trace.agent,
      trace.started_at,
    );
    this.dirty.add(agentKey);
    this.judgeRunaway(key, trace, agent, alerts);
    this.judgeUnseenTools(agentKey, trace, agent, alerts);
    agent.traces++;
  }

  private metricOf(trace: TraceState, metric: RunawayMetric): number {
    if (metric === 'duration_ms') return Math.max(0, trace.ended_at - trace.started_at);
    return trace[metric];
  }

  private rejudgeRunaway(key: string, trace: TraceState, alerts: Alert[]): void {
    if (trace.runaway || trace.agent === null) return;
    const agent = this.agents.get(
      agentStateKey(trace.tenant_id, trace.application, trace.environment, trace.agent),
    );
    if (agent === undefined) return;
    this.dirty.add(key);
    this.judgeRunaway(key, trace, agent, alerts, false);
  }

  private judgeRunaway(
    key: string,
    trace: TraceState,
    agent: AgentState,
    alerts: Alert[],
    learn = true,
  ): void {
    const { warmupTraces, z: zThreshold, minRatio } = this.options.runaway;
    const p = this.levelParams;
    const breaches: Array<{ metric: RunawayMetric; value: number; typical: number; z: number }> = [];
    for (const metric of RUNAWAY_METRICS) {
      const value = this.metricOf(trace, metric);
      const baseline = agent.baselines[metric];
      if (agent.traces < warmupTraces || baseline.n === 0) continue;
      const z = levelZ(baseline, p, trace.ended_at, Math.log1p(value));
      const typical = Math.expm1(levelExpected(baseline, p, trace.ended_at));
      if (z >= zThreshold && value >= minRatio * Math.max(typical, metric === 'cost_usd' ? 1e-4 : 1))
        breaches.push({ metric, value, typical, z });
    }
    // A runaway trace teaches the baseline nothing (a burst of them must not become the agent's normal).
    if (breaches.length === 0) {
      if (!learn) return;
      for (const metric of RUNAWAY_METRICS)
        levelLearn(agent.baselines[metric], p, trace.ended_at, Math.log1p(this.metricOf(trace, metric)));
      return;
    }
    trace.runaway = true;
    const format = (metric: RunawayMetric, v: number) =>
      metric === 'duration_ms' ? formatDuration(v) : metric === 'cost_usd' ? `$${round(v, 4)}` : round(v, 1);
    const names: Record<RunawayMetric, string> = {
      steps: 'steps',
      tool_calls: 'tool calls',
      duration_ms: 'duration',
      cost_usd: 'cost',
    };
    const worst = breaches.reduce((a, b) => (b.z > a.z ? b : a));
    const alert = this.lifecycleFor(key, TRACE_LIFECYCLE).observe({
      detector: AGENT_DETECTORS.runaway,
      signal: `${agent.agent}${SEP}${trace.trace_key}`,
      labels: this.labels(trace, 'invoke_agent'),
      breached: true,
      severity: breaches.length >= 2 ? 'critical' : 'warning',
      window_start: trace.started_at,
      window_end: trace.ended_at,
      observed: worst.value,
      expected: worst.typical,
      threshold: zThreshold,
      score: Math.min(1, worst.z / (2 * zThreshold)),
      describe: () => ({
        summary: `Agent ${agent.agent} ran away in ${trace.key_kind} ${trace.trace_key}: ${breaches
          .map(
            (b) => `${format(b.metric, b.value)} ${names[b.metric]} (typical ${format(b.metric, b.typical)})`,
          )
          .join(', ')}; tools: ${Object.keys(trace.tools).sort().join(', ') || 'none'}.`,
        evidence: {
          agent: agent.agent,
          trace: trace.trace_key,
          tools: Object.keys(trace.tools).sort().join(','),
          ...Object.fromEntries(
            breaches.flatMap((b) => [
              [b.metric, round(b.value, 4)],
              [`${b.metric}_typical`, round(b.typical, 4)],
              [`${b.metric}_z`, round(b.z, 2)],
            ]),
          ),
        },
      }),
    });
    if (alert !== null) alerts.push(alert);
  }

  private judgeUnseenTools(agentKey: string, trace: TraceState, agent: AgentState, alerts: Alert[]): void {
    const { warmupTraces, warmupMs, learnAfterTraces } = this.options.unseenTool;
    const warm = agent.traces >= warmupTraces && trace.started_at - agent.first_ms >= warmupMs;
    for (const tool of Object.keys(trace.tools).sort()) {
      let known = agent.tools[tool];
      if (known === undefined) {
        known = { traces: 0, learned: false, alerted_day: null };
        agent.tools[tool] = known;
      }
      const at = trace.tools[tool]!.times[0] ?? trace.started_at;
      const day = Math.floor(at / DAY_MS);
      if (warm && !known.learned && known.alerted_day !== day) {
        known.alerted_day = day;
        const history = Object.entries(agent.tools)
          .filter(([, t]) => t.learned)
          .map(([name]) => name)
          .sort();
        const previous = known.traces;
        const alert = this.lifecycleFor(agentKey, this.agentLifecycle).observe({
          detector: AGENT_DETECTORS.unseenTool,
          signal: `${agent.agent}${SEP}${tool}${SEP}${day}`,
          labels: this.labels(agent, 'execute_tool'),
          breached: true,
          severity: 'warning',
          window_start: at,
          window_end: at,
          observed: trace.tools[tool]!.calls,
          expected: 0,
          threshold: learnAfterTraces,
          score: 1,
          describe: () => ({
            summary: `Agent ${agent.agent} called tool ${tool}, not in its learned history (${history.join(', ') || 'none'}; ${agent.traces} traces), in ${trace.key_kind} ${trace.trace_key}.`,
            evidence: {
              agent: agent.agent,
              tool,
              trace: trace.trace_key,
              known_tools: history.join(','),
              agent_traces: String(agent.traces),
              previous_traces_with_tool: String(previous),
            },
          }),
        });
        if (alert !== null) alerts.push(alert);
      }
      known.traces++;
      if (!warm || known.traces >= learnAfterTraces) known.learned = true;
    }
  }

  /** The trace expired: its firing alerts resolve (a clean observation at the eviction time). */
  private resolveTrace(key: string, trace: TraceState, atMs: number, alerts: Alert[]): void {
    const lifecycle = this.lifecycles.get(key);
    if (lifecycle === undefined) return;
    for (const tracked of lifecycle.tracked()) {
      const alert = lifecycle.observe({
        detector: tracked.detector,
        signal: tracked.signal,
        labels: tracked.labels,
        key: tracked.key,
        breached: false,
        severity: tracked.severity,
        window_start: atMs,
        window_end: atMs,
        observed: 0,
        expected: 0,
        threshold: tracked.last.threshold,
        score: 0,
        describe: () => ({ summary: `${trace.key_kind} ${trace.trace_key} ended.`, evidence: {} }),
      });
      if (alert !== null) alerts.push(alert);
    }
  }

  private summaryOf(trace: TraceState): TraceSummary {
    const tools: Record<string, number> = {};
    for (const name of Object.keys(trace.tools).sort()) tools[name] = trace.tools[name]!.calls;
    trace.opened_at ??= Math.max(0, trace.started_at);
    const summary: TraceSummary = {
      tenant_id: trace.tenant_id,
      application: trace.application,
      environment: trace.environment,
      trace_key: trace.trace_key,
      key_kind: trace.key_kind,
      session_id: trace.session_id,
      agent_name: trace.agent,
      started_at: Math.max(0, trace.started_at),
      ended_at: trace.ended_at,
      opened_at: trace.opened_at,
      duration_ms: Math.max(0, trace.ended_at - trace.started_at),
      steps: trace.steps,
      tool_calls: trace.tool_calls,
      distinct_tools: Object.keys(tools).length,
      tools,
      errors: trace.errors,
      tool_errors: trace.tool_errors,
      cost_usd: Number(trace.cost_usd.toFixed(9)),
      loop_detected: trace.loop !== null,
      loop_tool: trace.loop?.tool ?? null,
      runaway: trace.runaway,
      revision: trace.revision,
    };
    trace.revision++;
    return summary;
  }
}
