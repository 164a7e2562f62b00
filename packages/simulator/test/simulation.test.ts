import {
  EVENT_FIELDS,
  EVENT_STATUSES,
  EVENT_TYPES,
  loadPriceTable,
  normalizeEvent,
  type TelemetryEvent,
  telemetryEventInputSchema,
  telemetryEventSchema,
} from '@aiops/contract';
import { describe, expect, it, vi } from 'vitest';
import prices from '../../../schemas/pricing/prices.v1.json' with { type: 'json' };
import {
  createSimulation,
  DEFAULT_DIURNAL,
  diurnalFactor,
  EventTally,
  findModel,
  formatSimulationSummary,
  priceCall,
  simulationSummary,
} from '../src/index.js';
import { fingerprint, HOUR, MINUTE, mean, percentile, run, T0 } from './helpers.js';

// Whole simulations are generated here; leave room for a busy machine.
vi.setConfig({ testTimeout: 30_000 });

/** The fields of TelemetryEvent (the contract's list), no more and no fewer. */
const FIELDS = [...EVENT_FIELDS].sort();

const baseline = run({ durationMs: 3 * HOUR, eventsPerMinute: 400 });

describe('determinism', () => {
  it('gives the same events, ids included, for the same seed and options', () => {
    const options = { durationMs: 90 * MINUTE, outOfOrderMs: 3000, duplicateRate: 0.02 };
    expect(fingerprint(run(options))).toBe(fingerprint(run(options)));
  });

  it('replays: every call of events() starts over from the seed', () => {
    const sim = createSimulation({
      seed: 11,
      startMs: T0,
      durationMs: HOUR,
      eventsPerMinute: 200,
      scenarios: [],
    });
    expect(fingerprint([...sim.events()])).toBe(fingerprint([...sim.events()]));
  });

  it('gives different traffic for another seed', () => {
    const a = run({ durationMs: 30 * MINUTE, seed: 1 });
    const b = run({ durationMs: 30 * MINUTE, seed: 2 });
    expect(fingerprint(a)).not.toBe(fingerprint(b));
    const ids = new Set(a.map((e) => e.event_id));
    expect(b.some((e) => ids.has(e.event_id))).toBe(false);
  });
});

describe('event time', () => {
  it('yields events in event-time order, all inside [startMs, endMs)', () => {
    let previous = -1;
    for (const e of baseline) {
      expect(e.timestamp).toBeGreaterThanOrEqual(previous);
      previous = e.timestamp;
    }
    expect(baseline[0]!.timestamp).toBeGreaterThanOrEqual(T0);
    expect(baseline.at(-1)!.timestamp).toBeLessThan(T0 + 3 * HOUR);
  });

  it('bounds out-of-orderness by outOfOrderMs when asked for it', () => {
    const events = run({ durationMs: HOUR, outOfOrderMs: 5000 });
    let maxSeen = 0;
    let worst = 0;
    let late = 0;
    for (const e of events) {
      if (e.timestamp < maxSeen) {
        late++;
        worst = Math.max(worst, maxSeen - e.timestamp);
      }
      maxSeen = Math.max(maxSeen, e.timestamp);
    }
    expect(late / events.length).toBeGreaterThan(0.1);
    expect(worst).toBeGreaterThan(1000);
    expect(worst).toBeLessThanOrEqual(5000);
    // Same events as the ordered run, only delivered in another order.
    const ordered = run({ durationMs: HOUR });
    const key = (e: TelemetryEvent) => e.event_id;
    expect(events.map(key).sort()).toEqual(ordered.map(key).sort());
  });

  it('repeats a share of events (same event_id, same content) when duplicates are asked for', () => {
    const events = run({ durationMs: HOUR, duplicateRate: 0.05, outOfOrderMs: 2000 });
    const first = new Map<string, TelemetryEvent>();
    let duplicates = 0;
    for (const e of events) {
      const seen = first.get(e.event_id);
      if (seen === undefined) first.set(e.event_id, e);
      else {
        duplicates++;
        expect(e).toEqual(seen);
        expect(e).not.toBe(seen);
      }
    }
    expect(duplicates / first.size).toBeGreaterThan(0.04);
    expect(duplicates / first.size).toBeLessThan(0.06);
  });
});

describe('contract', () => {
  it('gives every event exactly the contract fields, with valid enums, ranges and ids', () => {
    const problems: string[] = [];
    const fail = (e: TelemetryEvent, what: string) => problems.push(`${e.event_id} ${e.event_type}: ${what}`);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const fields = FIELDS.join(',');
    for (const e of baseline) {
      if (Object.keys(e).sort().join(',') !== fields) fail(e, `fields ${Object.keys(e).sort().join(',')}`);
      if (!(EVENT_TYPES as readonly string[]).includes(e.event_type)) fail(e, 'event_type');
      if (!(EVENT_STATUSES as readonly string[]).includes(e.status)) fail(e, 'status');
      if (!uuid.test(e.event_id)) fail(e, 'event_id');
      if (!/^[0-9a-f]{32}$/.test(e.trace_id ?? '')) fail(e, 'trace_id');
      if (!/^[0-9a-f]{16}$/.test(e.span_id ?? '')) fail(e, 'span_id');
      if (!Number.isSafeInteger(e.timestamp)) fail(e, 'timestamp');
      if (e.cost_source !== null) fail(e, 'cost_source must be left to the validator');
      if ((e.status === 'error') !== (e.error_type !== null)) fail(e, 'status/error_type');
      for (const name of [
        'duration_ms',
        'time_to_first_token_ms',
        'input_tokens',
        'output_tokens',
      ] as const) {
        const v = e[name];
        if (v !== null && !(Number.isInteger(v) && v >= 0)) fail(e, name);
      }
      if (e.cost_usd !== null && !(e.cost_usd >= 0)) fail(e, 'cost_usd');
      for (const score of Object.values(e.scores)) if (!(score >= 0 && score <= 1)) fail(e, 'score');
      if ((e.feedback !== null) !== (e.event_type === 'feedback')) fail(e, 'feedback');
      if (Object.keys(e.scores).length > 0 !== (e.event_type === 'evaluation')) fail(e, 'scores');
      if ((e.duration_ms === null) !== (e.event_type === 'evaluation' || e.event_type === 'feedback')) {
        fail(e, 'only evaluations and feedback carry no duration');
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it('passes the contract schema', () => {
    for (const e of baseline) {
      const result = telemetryEventSchema.safeParse(e);
      if (!result.success) throw new Error(`${JSON.stringify(e)}: ${result.error.message}`);
    }
  });

  it('passes the producer input schema and the validator normalisation, which prices what is not reported alike', () => {
    const priceTable = loadPriceTable(prices);
    const sources: Record<string, number> = {};
    const problems: string[] = [];
    for (const e of baseline) {
      const input = telemetryEventInputSchema.safeParse(e);
      if (!input.success) problems.push(`${e.event_id}: ${input.error.message}`);
      const n = normalizeEvent(e, { nowMs: e.timestamp, priceTable, userIdSalt: null });
      sources[n.cost_source!] = (sources[n.cost_source!] ?? 0) + 1;
      for (const field of FIELDS) {
        if (field === 'cost_usd' || field === 'cost_source') continue;
        const [a, b] = [n[field as keyof TelemetryEvent], e[field as keyof TelemetryEvent]];
        if (JSON.stringify(a) !== JSON.stringify(b))
          problems.push(`${e.event_id}: normalisation changed ${field}`);
      }
      if (e.cost_usd !== null && n.cost_usd !== e.cost_usd)
        problems.push(`${e.event_id}: reported cost changed`);
      const tokens = e.input_tokens !== null && e.status === 'ok';
      if (e.cost_usd === null && tokens) {
        const expected = priceCall(
          findModel(e.provider, e.model)!,
          e.input_tokens!,
          e.cache_read_input_tokens ?? 0,
          e.output_tokens ?? 0,
        );
        if (n.cost_source !== 'price_table' || Math.abs(n.cost_usd! - expected) > 1e-12) {
          problems.push(
            `${e.event_id} ${e.provider}/${e.model}: priced ${n.cost_source} ${n.cost_usd}, simulator says ${expected}`,
          );
        }
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(sources.reported).toBeGreaterThan(1000);
    expect(sources.price_table).toBeGreaterThan(1000);
    expect(sources.unpriced).toBeGreaterThan(1000);
    // The validator works on a copy: the simulator's events are left as they were.
    expect(baseline.every((e) => e.cost_source === null)).toBe(true);
  });

  it('exercises every event type, the main operations, all error types and guardrail flags', () => {
    const tally = new EventTally();
    for (const e of baseline) tally.add(e);
    const s = tally.snapshot();
    for (const type of EVENT_TYPES) expect(s.byType[type] ?? 0).toBeGreaterThan(0);
    const operations = new Set(baseline.map((e) => e.operation));
    for (const op of ['chat', 'embeddings', 'execute_tool', 'invoke_agent', 'retrieval', 'guardrail']) {
      expect(operations).toContain(op);
    }
    for (const type of ['rate_limited', 'timeout', 'server_error', 'content_filter', 'tool_error']) {
      expect(s.errorsByType[type] ?? 0).toBeGreaterThan(0);
    }
    for (const flag of ['prompt_injection', 'jailbreak', 'pii', 'toxicity'])
      expect(s.guardrailFlags[flag] ?? 0).toBeGreaterThan(0);
    expect(new Set(baseline.map((e) => e.tenant_id)).size).toBe(4);
    expect(new Set(baseline.map((e) => e.provider))).toEqual(
      new Set(['openai', 'anthropic', 'aws_bedrock', 'gcp_vertex_ai', 'azure_openai', 'pgvector']),
    );
    const environments = baseline.filter((e) => e.event_type === 'llm_call').map((e) => e.environment);
    expect(environments.filter((env) => env === 'production').length / environments.length).toBeGreaterThan(
      0.9,
    );
  });
});

describe('realism', () => {
  const calls = baseline.filter((e) => e.event_type === 'llm_call');
  const ok = calls.filter((e) => e.status === 'ok');
  const latencyOf = (model: string) => ok.filter((e) => e.model === model).map((e) => e.duration_ms!);

  it('has per-model latency medians of real services (small fast, large slower, reasoning slowest)', () => {
    const mini = percentile(latencyOf('gpt-4o-mini'), 0.5);
    const large = percentile(latencyOf('gpt-4o'), 0.5);
    const sonnet = percentile(latencyOf('claude-sonnet-4'), 0.5);
    const reasoning = percentile(latencyOf('o4-mini'), 0.5);
    expect(mini).toBeGreaterThan(250);
    expect(mini).toBeLessThan(800);
    expect(large).toBeGreaterThan(2000);
    expect(large).toBeLessThan(6000);
    expect(sonnet).toBeGreaterThan(2000);
    expect(sonnet).toBeLessThan(6000);
    expect(reasoning).toBeGreaterThan(large);
    // A long right tail: p99 several times the median.
    expect(percentile(latencyOf('gpt-4o'), 0.99) / large).toBeGreaterThan(2.5);
  });

  it('reports time to first token as a fraction of the duration, for streamed calls only', () => {
    const streamed = ok.filter((e) => e.time_to_first_token_ms !== null);
    expect(streamed.length).toBeGreaterThan(0);
    for (const e of streamed) expect(e.time_to_first_token_ms!).toBeLessThanOrEqual(e.duration_ms!);
    expect(ok.some((e) => e.application === 'code-agent' && e.time_to_first_token_ms === null)).toBe(true);
  });

  it('has token counts with cache reads inside input and reasoning tokens only on reasoning models', () => {
    for (const e of ok) {
      expect(e.input_tokens!).toBeGreaterThan(0);
      expect(e.cache_read_input_tokens!).toBeLessThanOrEqual(e.input_tokens!);
      if (e.model === 'o4-mini') expect(e.reasoning_output_tokens!).toBeLessThanOrEqual(e.output_tokens!);
      else expect(e.reasoning_output_tokens).toBeNull();
    }
    expect(ok.filter((e) => e.cache_read_input_tokens! > 0).length / ok.length).toBeGreaterThan(0.2);
    const rag = ok.filter((e) => e.application === 'docs-search').map((e) => e.input_tokens!);
    const triage = ok.filter((e) => e.application === 'ticket-triage').map((e) => e.output_tokens!);
    expect(percentile(rag, 0.5)).toBeGreaterThan(2500);
    expect(percentile(triage, 0.5)).toBeLessThan(60);
  });

  it('has small realistic error rates per call', () => {
    const rate = (type: string) => calls.filter((e) => e.error_type === type).length / calls.length;
    expect(rate('rate_limited')).toBeGreaterThan(0.002);
    expect(rate('rate_limited')).toBeLessThan(0.012);
    expect(rate('content_filter')).toBeLessThan(0.004);
    expect(calls.filter((e) => e.status === 'error').length / calls.length).toBeLessThan(0.03);
    for (const e of calls.filter((c) => c.error_type === 'timeout')) {
      expect(e.duration_ms).toBe(findModel(e.provider, e.model)!.timeoutMs);
    }
  });

  it('reports cost_usd on about half of priced calls, at the price table price', () => {
    const priced = ok.concat(baseline.filter((e) => e.event_type === 'embedding' && e.status === 'ok'));
    const reported = priced.filter((e) => e.cost_usd !== null);
    expect(reported.length / priced.length).toBeGreaterThan(0.45);
    expect(reported.length / priced.length).toBeLessThan(0.55);
    // The one price table the validator prices with, not a copy of it.
    const table = loadPriceTable(prices);
    for (const e of reported) expect(e.cost_usd!).toBe(table.costUsd(e.provider, e.model, e));
  });

  it('links agent runs into traces: steps and tools are children of the run, evaluations of the response', () => {
    const spans = new Map(baseline.map((e) => [e.span_id!, e]));
    const childrenOf = new Map<string, TelemetryEvent[]>();
    for (const e of baseline) {
      if (e.parent_span_id === null || e.event_type === 'evaluation' || e.event_type === 'feedback') continue;
      childrenOf.set(e.parent_span_id, [...(childrenOf.get(e.parent_span_id) ?? []), e]);
    }
    const roots = baseline.filter((e) => e.event_type === 'agent_step');
    expect(roots.length).toBeGreaterThan(100);
    for (const root of roots) {
      expect(root.operation).toBe('invoke_agent');
      expect(root.agent_name).not.toBeNull();
      const children = childrenOf.get(root.span_id!) ?? [];
      expect(children.length).toBeGreaterThan(0);
      for (const child of children) {
        expect(child.trace_id).toBe(root.trace_id);
        expect(child.timestamp).toBeLessThanOrEqual(root.timestamp);
        expect(['llm_call', 'tool_call']).toContain(child.event_type);
      }
    }
    for (const e of baseline.filter((x) => x.event_type === 'evaluation' || x.event_type === 'feedback')) {
      const parent = spans.get(e.parent_span_id!);
      if (parent === undefined) continue; // the response ended before the run started
      expect(['llm_call', 'agent_step']).toContain(parent.event_type);
      expect(e.trace_id).toBe(parent.trace_id);
      expect(e.timestamp).toBeGreaterThanOrEqual(parent.timestamp);
      expect([e.tenant_id, e.application, e.environment, e.provider, e.model, e.operation]).toEqual([
        parent.tenant_id,
        parent.application,
        parent.environment,
        parent.provider,
        parent.model,
        parent.operation,
      ]);
    }
  });

  it('correlates feedback with quality', () => {
    const evaluations = baseline.filter((e) => e.event_type === 'evaluation');
    expect(mean(evaluations.map((e) => mean(Object.values(e.scores))))).toBeGreaterThan(0.7);
    const feedback = baseline.filter((e) => e.event_type === 'feedback');
    const positive = feedback.filter((e) => e.feedback === 1).length / feedback.length;
    expect(positive).toBeGreaterThan(0.5);
    expect(positive).toBeLessThan(0.9);
  });
});

describe('rate', () => {
  const day = run({ durationMs: 24 * HOUR, eventsPerMinute: 200, seed: 21 });

  it('produces eventsPerMinute on average over a day', () => {
    expect(day.length / (24 * 60) / 200).toBeGreaterThan(0.95);
    expect(day.length / (24 * 60) / 200).toBeLessThan(1.05);
  });

  it('follows the diurnal curve hour by hour', () => {
    const counts = new Array<number>(24).fill(0);
    for (const e of day) counts[Math.floor((e.timestamp - T0) / HOUR)]!++;
    for (let h = 0; h < 24; h++) {
      const expected = 200 * 60 * diurnalFactor(T0 + h * HOUR + HOUR / 2, DEFAULT_DIURNAL);
      expect(counts[h]! / expected).toBeGreaterThan(0.85);
      expect(counts[h]! / expected).toBeLessThan(1.15);
    }
    const peak = counts[DEFAULT_DIURNAL.peakHourUtc]!;
    const trough = counts[(DEFAULT_DIURNAL.peakHourUtc + 12) % 24]!;
    expect(peak / trough).toBeGreaterThan(2);
  });

  it('has minute-to-minute noise around the curve', () => {
    const perMinute = new Array<number>(24 * 60).fill(0);
    for (const e of day) perMinute[Math.floor((e.timestamp - T0) / MINUTE)]!++;
    const ratios = perMinute.map(
      (c, m) => c / (200 * diurnalFactor(T0 + m * MINUTE + MINUTE / 2, DEFAULT_DIURNAL)),
    );
    const sd = Math.sqrt(mean(ratios.map((r) => (r - 1) ** 2)));
    expect(sd).toBeGreaterThan(0.05);
    expect(sd).toBeLessThan(0.4);
  });

  it('summarises the plan, and its expected event count is close to what is produced', () => {
    const sim = createSimulation({
      seed: 21,
      startMs: T0,
      durationMs: 24 * HOUR,
      eventsPerMinute: 200,
      scenarios: [],
    });
    const summary = simulationSummary(sim);
    expect(day.length / summary.expectedEvents).toBeGreaterThan(0.95);
    expect(day.length / summary.expectedEvents).toBeLessThan(1.05);
    expect(summary.tenants.map((t) => t.tenant_id)).toEqual(['acme', 'globex', 'initech', 'umbrella']);
    expect(summary.models).toContain('openai/gpt-4o');
    const lines = formatSimulationSummary(summary);
    expect(lines[0]).toContain('seed=21');
    expect(lines).toContain('incidents: none');
  });
});

describe('options', () => {
  it('refuses nonsense', () => {
    const ok = { seed: 1, startMs: T0, durationMs: HOUR, eventsPerMinute: 100, scenarios: [] };
    expect(() => createSimulation({ ...ok, seed: 1.5 })).toThrow(RangeError);
    expect(() => createSimulation({ ...ok, startMs: -1 })).toThrow(RangeError);
    expect(() => createSimulation({ ...ok, durationMs: 0 })).toThrow(RangeError);
    expect(() => createSimulation({ ...ok, eventsPerMinute: 0 })).toThrow(RangeError);
    expect(() => createSimulation({ ...ok, tenants: 6 })).toThrow(RangeError);
    expect(() => createSimulation({ ...ok, duplicateRate: 2 })).toThrow(RangeError);
    expect(() => createSimulation({ ...ok, outOfOrderMs: -5 })).toThrow(RangeError);
    expect(() => createSimulation({ ...ok, diurnal: { amplitude: 1.5 } })).toThrow(RangeError);
  });

  it('uses 3 to 5 tenants as asked', () => {
    for (const tenants of [3, 5]) {
      const events = run({ durationMs: 20 * MINUTE, tenants });
      expect(new Set(events.map((e) => e.tenant_id)).size).toBe(tenants);
    }
  });
});
