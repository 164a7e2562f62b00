import type { Alert, TelemetryEvent } from '@aiops/contract';
import { Rng } from '@aiops/core';
import { telemetryEvent } from '@aiops/testkit';
import { describe, expect, it } from 'vitest';
import {
  AGENT_DETECTORS,
  AgentMonitor,
  type AgentMonitorOptionsInput,
  agentMonitorOptionsSchema,
  type ChangelogEntry,
  type TraceSummary,
} from '../src/index.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const WALL = T0;

function monitor(options: AgentMonitorOptionsInput = {}): AgentMonitor {
  return new AgentMonitor(agentMonitorOptionsSchema.parse(options));
}

let ids = 0;
function toolCall(
  trace: string,
  tool: string,
  at: number,
  extra: Partial<TelemetryEvent> = {},
): TelemetryEvent {
  return telemetryEvent({
    event_id: `e-${ids++}`,
    event_type: 'tool_call',
    operation: 'execute_tool',
    timestamp: at,
    trace_id: trace,
    agent_name: 'coder',
    application: 'code-agent',
    tool_name: tool,
    duration_ms: 10,
    ...extra,
  });
}

function step(trace: string, at: number, extra: Partial<TelemetryEvent> = {}): TelemetryEvent {
  return telemetryEvent({
    event_id: `e-${ids++}`,
    event_type: 'agent_step',
    operation: 'invoke_agent',
    timestamp: at,
    trace_id: trace,
    agent_name: 'coder',
    application: 'code-agent',
    duration_ms: 1000,
    cost_usd: 0.01,
    ...extra,
  });
}

interface Run {
  alerts: Alert[];
  summaries: TraceSummary[];
}

/** Feeds events in batches of `batch`, advancing after each batch; returns everything produced. */
function feed(
  m: AgentMonitor,
  events: readonly TelemetryEvent[],
  batch = 1,
  out: Run = { alerts: [], summaries: [] },
) {
  for (let i = 0; i < events.length; i += batch) {
    for (const event of events.slice(i, i + batch)) m.process(event, WALL);
    const { alerts, summaries } = m.advance();
    out.alerts.push(...alerts);
    out.summaries.push(...summaries);
  }
  return out;
}

/** A marker event far ahead in time that moves the watermark past everything before it. */
const flush = (at: number) =>
  telemetryEvent({
    event_id: `flush-${at}`,
    event_type: 'tool_call',
    trace_id: `flush-${at}`,
    timestamp: at,
    tool_name: 'noop',
  });

const sorted = (run: Run) => ({
  alerts: run.alerts.map((a) => JSON.stringify(a)).sort(),
  summaries: run.summaries.map((s) => JSON.stringify(s)).sort(),
});

describe('tool-call loop', () => {
  it('flags the same tool called N = 8 times in one trace, once, naming agent, tool and trace', () => {
    const m = monitor();
    const events = Array.from({ length: 10 }, (_, i) => toolCall('tr-1', 'read_file', T0 + i * 1000));
    const run = feed(m, [...events, flush(T0 + 30_000)]);
    const loops = run.alerts.filter((a) => a.detector === AGENT_DETECTORS.toolLoop);
    expect(loops).toHaveLength(1);
    expect(loops[0]!.status).toBe('firing');
    expect(loops[0]!.summary).toContain('coder');
    expect(loops[0]!.summary).toContain('read_file');
    expect(loops[0]!.summary).toContain('tr-1');
    // Judged at the 8th call in event time, within a trace gap of it.
    expect(loops[0]!.window_end).toBe(T0 + 7000);
    expect(loops[0]!.notified_at).toBe(T0 + 7000);
  });

  it('does not flag 7 calls of one tool', () => {
    const m = monitor();
    const events = Array.from({ length: 7 }, (_, i) => toolCall('tr-1', 'read_file', T0 + i * 1000));
    const run = feed(m, [...events, flush(T0 + 300_000)]);
    expect(run.alerts.filter((a) => a.detector === AGENT_DETECTORS.toolLoop)).toEqual([]);
    expect(run.summaries.find((s) => s.trace_key === 'tr-1')).toMatchObject({
      tool_calls: 7,
      distinct_tools: 1,
      loop_detected: false,
    });
  });

  it('flags the same (tool, arguments hash) M = 3 times; other hashes do not count', () => {
    const m = monitor();
    const events = [
      toolCall('tr-2', 'web_search', T0, { tool_call_arguments_hash: 'h1' }),
      toolCall('tr-2', 'web_search', T0 + 1000, { tool_call_arguments_hash: 'h2' }),
      toolCall('tr-2', 'web_search', T0 + 2000, { tool_call_arguments_hash: 'h1' }),
      toolCall('tr-2', 'web_search', T0 + 3000, { tool_call_arguments_hash: 'h1' }),
    ];
    const run = feed(m, [...events, flush(T0 + 20_000)]);
    const loops = run.alerts.filter((a) => a.detector === AGENT_DETECTORS.toolLoop);
    expect(loops).toHaveLength(1);
    expect(loops[0]!.evidence.arguments_hash).toBe('h1');
    expect(loops[0]!.window_end).toBe(T0 + 3000);
  });

  it('resolves the loop alert when the trace expires', () => {
    const m = monitor({ traceGapMs: 10_000, allowedLatenessMs: 5_000 });
    const events = Array.from({ length: 8 }, (_, i) => toolCall('tr-3', 'read_file', T0 + i * 100));
    const run = feed(m, [...events, flush(T0 + 100_000)]);
    expect(run.alerts.map((a) => a.status)).toEqual(['firing', 'resolved']);
    expect(new Set(run.alerts.map((a) => a.alert_id)).size).toBe(1);
    expect(m.stats().openTraces + m.stats().closedTraces).toBe(1); // only the flush trace is left
  });
});

describe('session windows in event time', () => {
  it('closes a trace after the gap with its summary, revises it for a late event, counts a too-late one', () => {
    const m = monitor({ traceGapMs: 10_000, allowedLatenessMs: 20_000, maxOutOfOrdernessMs: 0 });
    const run = feed(m, [
      step('tr-4', T0, { attributes: { steps: '3' } }),
      toolCall('tr-4', 'read_file', T0 + 100, { status: 'error', error_type: 'tool_error' }),
      toolCall('tr-4', 'apply_patch', T0 + 200, { cost_usd: 0.02 }),
      flush(T0 + 15_000),
    ]);
    const first = run.summaries.filter((s) => s.trace_key === 'tr-4');
    expect(first).toEqual([
      {
        tenant_id: 'acme',
        application: 'code-agent',
        environment: 'production',
        trace_key: 'tr-4',
        key_kind: 'trace',
        session_id: null,
        agent_name: 'coder',
        started_at: T0 - 1000,
        ended_at: T0 + 200,
        opened_at: T0 - 1000,
        duration_ms: 1200,
        steps: 3,
        tool_calls: 2,
        distinct_tools: 2,
        tools: { apply_patch: 1, read_file: 1 },
        errors: 1,
        tool_errors: 1,
        cost_usd: 0.031,
        loop_detected: false,
        loop_tool: null,
        runaway: false,
        revision: 0,
      },
    ]);
    // Late, within the allowed lateness: the trace is revised; its row key (opened_at) stays.
    feed(m, [toolCall('tr-4', 'read_file', T0 + 300, { duration_ms: 5000 })], 1, run);
    expect(
      run.summaries
        .filter((s) => s.trace_key === 'tr-4')
        .map((s) => [s.revision, s.tool_calls, s.started_at, s.opened_at]),
    ).toEqual([
      [0, 2, T0 - 1000, T0 - 1000],
      [1, 3, T0 - 4700, T0 - 1000],
    ]);
    // After the allowed lateness the trace is gone and an event for it is too late.
    feed(m, [flush(T0 + 60_000), toolCall('tr-4', 'read_file', T0 + 400)], 1, run);
    expect(m.counters.tooLate).toBe(1);
    expect(run.summaries.filter((s) => s.trace_key === 'tr-4')).toHaveLength(2);
  });

  it('drops a redelivered event (same event id) instead of counting the call twice', () => {
    const m = monitor();
    const calls = [0, 1].map((i) =>
      toolCall('tr-dup', 'web_search', T0 + i * 100, { tool_call_arguments_hash: 'h' }),
    );
    const run = feed(m, [...calls, calls[1]!, calls[0]!, flush(T0 + 200_000)]);
    expect(m.counters.duplicates).toBe(2);
    expect(run.alerts.filter((a) => a.detector === AGENT_DETECTORS.toolLoop)).toEqual([]);
    expect(run.summaries.find((s) => s.trace_key === 'tr-dup')?.tool_calls).toBe(2);
  });

  it('keys by session id when there is no trace id', () => {
    const m = monitor();
    const run = feed(m, [
      toolCall('x', 'read_file', T0, { trace_id: null, session_id: 'sess-1' }),
      toolCall('x', 'read_file', T0 + 10, { trace_id: null, session_id: null }),
      flush(T0 + 200_000),
    ]);
    expect(run.summaries.find((s) => s.trace_key === 'sess-1')).toMatchObject({
      key_kind: 'session',
      session_id: 'sess-1',
    });
    expect(m.counters.unkeyed).toBe(1);
  });
});

/** Seeded agent traffic: normal traces, some loops, a late warm-up tool, out of order within `jitterMs`. */
function traffic(seed: number, traces: number, jitterMs: number): TelemetryEvent[] {
  const rng = new Rng(seed);
  const events: TelemetryEvent[] = [];
  const tools = ['read_file', 'search_code', 'run_tests', 'apply_patch'];
  for (let t = 0; t < traces; t++) {
    const trace = `tr-${seed}-${t}`;
    let at = T0 + t * 20_000;
    const loop = rng.chance(0.1);
    const calls = loop ? 9 : 1 + rng.int(5);
    for (let c = 0; c < calls; c++) {
      at += 200 + rng.int(2000);
      const tool = loop
        ? 'search_code'
        : t > traces - 5 && c === 0
          ? 'delete_repo'
          : tools[rng.int(tools.length)]!;
      events.push(
        toolCall(trace, tool, at, {
          status: rng.chance(0.05) ? 'error' : 'ok',
          tool_call_arguments_hash: rng.chance(0.5) ? `h${rng.int(3)}` : null,
          cost_usd: 0.001,
        }),
      );
    }
    events.push(step(trace, at + 100, { duration_ms: at + 100 - (T0 + t * 20_000) }));
  }
  events.push(flush(T0 + traces * 20_000 + 600_000));
  // Out of order within the watermark's bound: each event moves by up to jitterMs in arrival.
  const keyed = events.map((e, i) => ({ e, k: e.timestamp + rng.next() * jitterMs, i }));
  keyed.sort((a, b) => a.k - b.k || a.i - b.i);
  return keyed.map((x) => x.e);
}

const fastWarmup: AgentMonitorOptionsInput = {
  unseenTool: { warmupTraces: 10, warmupMs: 0 },
  runaway: { warmupTraces: 10 },
};

describe('determinism', () => {
  it('gives the same alerts and summaries whatever the arrival order (within the out-of-orderness) and batching', () => {
    const inOrder = feed(monitor(fastWarmup), traffic(7, 60, 0), 1);
    const shuffled = feed(monitor(fastWarmup), traffic(7, 60, 4_000), 7);
    const batched = feed(monitor(fastWarmup), traffic(7, 60, 4_000), 50);
    expect(inOrder.alerts.filter((a) => a.detector === AGENT_DETECTORS.toolLoop).length).toBeGreaterThan(2);
    expect(inOrder.alerts.some((a) => a.detector === AGENT_DETECTORS.unseenTool)).toBe(true);
    expect(sorted(shuffled)).toEqual(sorted(inOrder));
    expect(sorted(batched)).toEqual(sorted(inOrder));
  });

  it('a run restored from its changelog mid-trace continues exactly like an uninterrupted one', () => {
    const events = traffic(11, 60, 3_000);
    const whole = feed(monitor(fastWarmup), events, 5);

    const first = monitor(fastWarmup);
    const log = new Map<string, ChangelogEntry>();
    const cut = Math.floor(events.length * 0.55);
    const run = feed(first, events.slice(0, cut), 5);
    for (const entry of first.changes()) log.set(entry.key, entry);
    expect([...log.values()].some((e) => e.key.startsWith('t') && e.value !== null)).toBe(true);

    const second = monitor(fastWarmup);
    second.restore(JSON.parse(JSON.stringify([...log.values()])) as ChangelogEntry[]);
    feed(second, events.slice(cut), 5, run);
    expect(sorted(run)).toEqual(sorted(whole));
  });

  it('the incremental changelog replays to the same state as a full snapshot', () => {
    const m = monitor(fastWarmup);
    const events = traffic(3, 30, 2_000);
    const log = new Map<string, ChangelogEntry>();
    for (let i = 0; i < events.length; i += 9) {
      feed(m, events.slice(i, i + 9), 9);
      for (const entry of m.changes()) {
        if (entry.value === null) log.delete(entry.key);
        else log.set(entry.key, entry);
      }
    }
    const snapshot = m.snapshot();
    expect([...log.values()].sort((a, b) => (a.key < b.key ? -1 : 1))).toEqual(snapshot);
  });
});

describe('baselines per agent', () => {
  const normalTrace = (t: number, tools = ['read_file', 'apply_patch'], calls = 3) => {
    const events: TelemetryEvent[] = [];
    const at = T0 + t * 20_000;
    for (let c = 0; c < calls; c++) events.push(toolCall(`n-${t}`, tools[c % tools.length]!, at + c * 500));
    events.push(step(`n-${t}`, at + calls * 500 + 100, { duration_ms: calls * 500 + 100 }));
    return events;
  };

  it('reports a tool the agent never called, after warm-up, once per (agent, tool) per day', () => {
    const m = monitor({ unseenTool: { warmupTraces: 10, warmupMs: 60_000 }, traceGapMs: 5_000 });
    const events: TelemetryEvent[] = [];
    for (let t = 0; t < 20; t++) events.push(...normalTrace(t));
    events.push(...normalTrace(20, ['read_file', 'drop_database']));
    events.push(...normalTrace(21, ['drop_database']));
    events.push(flush(T0 + 40 * 20_000));
    const run = feed(m, events);
    const unseen = run.alerts.filter(
      (a) => a.detector === AGENT_DETECTORS.unseenTool && a.status === 'firing',
    );
    expect(unseen).toHaveLength(1);
    expect(unseen[0]!.summary).toContain('drop_database');
    expect(unseen[0]!.summary).toContain('coder');
    expect(unseen[0]!.summary).toContain('n-20');
  });

  it('flags a runaway trace far above the agent learned distribution, not the normal ones', () => {
    const m = monitor({ runaway: { warmupTraces: 20 }, traceGapMs: 5_000 });
    const events: TelemetryEvent[] = [];
    for (let t = 0; t < 40; t++) events.push(...normalTrace(t, ['read_file', 'apply_patch'], 2 + (t % 3)));
    // 60 tool calls over distinct tools (no loop of one tool), 30 s of work.
    const at = T0 + 41 * 20_000;
    const tools = Array.from({ length: 12 }, (_, i) => `tool_${i}`);
    for (let c = 0; c < 60; c++) events.push(toolCall('runaway-1', tools[c % 12]!, at + c * 100));
    events.push(step('runaway-1', at + 6_100, { duration_ms: 30_000, cost_usd: 0.5 }));
    events.push(flush(T0 + 60 * 20_000));
    const run = feed(m, events);
    const runaway = run.alerts.filter((a) => a.detector === AGENT_DETECTORS.runaway && a.status === 'firing');
    expect(runaway).toHaveLength(1);
    expect(runaway[0]!.summary).toContain('runaway-1');
    expect(runaway[0]!.summary).toMatch(/60 tool calls/);
    expect(run.summaries.find((s) => s.trace_key === 'runaway-1')?.runaway).toBe(true);
  });

  it('flags a tool error spike against the tool learned error ratio (rate detector)', () => {
    const m = monitor({ toolErrors: { bucketMs: 60_000, warmupBuckets: 5, minErrors: 5, z: 5 } });
    const events: TelemetryEvent[] = [];
    for (let b = 0; b < 20; b++) {
      const spike = b === 15;
      for (let c = 0; c < 40; c++) {
        const failed = spike ? c % 2 === 0 : c === 0 && b % 4 === 0;
        events.push(
          toolCall(
            `b-${b}-${c}`,
            'run_tests',
            T0 + b * 60_000 + c * 1000,
            failed ? { status: 'error', error_type: 'tool_error' } : {},
          ),
        );
      }
    }
    events.push(flush(T0 + 40 * 60_000));
    const run = feed(m, events, 20);
    const spikes = run.alerts.filter((a) => a.detector === AGENT_DETECTORS.toolErrors);
    expect(spikes.map((a) => [a.status, a.window_start])).toEqual([
      ['firing', T0 + 15 * 60_000],
      ['resolved', T0 + 17 * 60_000],
    ]);
    expect(spikes[0]!.summary).toContain('run_tests');
    expect(spikes[0]!.summary).toContain('coder');
  });
});

describe('options', () => {
  it('refuses unknown keys, naming them', () => {
    expect(() => agentMonitorOptionsSchema.parse({ loop: { sameToolCall: 3 } })).toThrow(/sameToolCall/);
  });
});
