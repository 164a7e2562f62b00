import type { TelemetryEvent } from '@aiops/contract';
import { SCORE_HISTOGRAM_BINS, seriesOf } from '@aiops/contract';
import { UnrecoverableError } from '@aiops/core';
import { QuantileSketch } from '@aiops/sketches';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WindowAccumulator } from '../src/index.js';
import { makeEvent } from './helpers.js';

const window = { start: 60_000, end: 120_000 };

/** Arbitrary events with arbitrary (not binary-exact) numbers, for comparing against exact math. */
const anyEvent = fc
  .record({
    error: fc.option(fc.option(fc.constantFrom('timeout', 'rate_limit', '__proto__'), { nil: null }), {
      nil: undefined,
    }),
    duration: fc.option(fc.double({ min: 0, max: 120_000, noNaN: true }), { nil: null, freq: 5 }),
    ttft: fc.option(fc.double({ min: 0, max: 10_000, noNaN: true }), { nil: null, freq: 3 }),
    tokens: fc.array(fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null }), {
      minLength: 4,
      maxLength: 4,
    }),
    cost: fc.option(fc.double({ min: 0, max: 3, noNaN: true }), { nil: null }),
    costSource: fc.constantFrom('reported', 'price_table', 'unpriced', null),
    scores: fc.dictionary(
      fc.constantFrom('faithfulness', 'relevance', 'toxicity'),
      fc.double({ min: 0, max: 1, noNaN: true }),
    ),
    feedback: fc.constantFrom(null, 1, -1),
    flags: fc.array(fc.constantFrom('pii', 'jailbreak', 'secrets'), { maxLength: 3 }),
    late: fc.boolean(),
  })
  .map((d) => ({
    late: d.late,
    event: makeEvent({
      timestamp: 61_000,
      status: d.error === undefined ? 'ok' : 'error',
      error_type: d.error ?? null,
      duration_ms: d.duration,
      time_to_first_token_ms: d.ttft,
      input_tokens: d.tokens[0]!,
      output_tokens: d.tokens[1]!,
      cache_read_input_tokens: d.tokens[2]!,
      reasoning_output_tokens: d.tokens[3]!,
      cost_usd: d.cost,
      cost_source: d.costSource as TelemetryEvent['cost_source'],
      scores: d.scores,
      feedback: d.feedback as -1 | 1 | null,
      guardrail_flags: d.flags,
    }),
  }));

function lowerQuantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

function expectWithin1Percent(actual: number | null, exact: number | null): void {
  if (exact === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).not.toBeNull();
  // 1 % relative; durations under 1 ns (the sketches' minIndexableValue) read as 0.
  expect(Math.abs(actual! - exact)).toBeLessThanOrEqual(0.01 * exact + 1e-6);
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('WindowAccumulator', () => {
  it('matches aggregates computed independently from the events (property)', () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 300 }), (inputs) => {
        const events = inputs.map((i) => i.event);
        const accumulator = new WindowAccumulator(seriesOf(makeEvent()), window);
        for (const { event, late } of inputs) accumulator.add(event, late);
        const a = accumulator.toAggregate(3, 12345);

        expect(a).toMatchObject({ ...seriesOf(makeEvent()), window_start: 60_000, window_end: 120_000 });
        expect(a.revision).toBe(3);
        expect(a.emitted_at).toBe(12345);
        expect(a.events).toBe(events.length);
        expect(a.late_events).toBe(inputs.filter((i) => i.late).length);

        const errors = events.filter((e) => e.status === 'error');
        expect(a.errors).toBe(errors.length);
        const byType = new Map<string, number>();
        for (const e of errors)
          byType.set(e.error_type ?? 'unknown', (byType.get(e.error_type ?? 'unknown') ?? 0) + 1);
        expect(new Map(Object.entries(a.errors_by_type))).toEqual(byType);

        const durations = events.flatMap((e) => (e.duration_ms === null ? [] : [e.duration_ms]));
        expect(a.latency_count).toBe(durations.length);
        expect(a.latency_min_ms).toBe(durations.length ? Math.min(...durations) : null);
        expect(a.latency_max_ms).toBe(durations.length ? Math.max(...durations) : null);
        if (durations.length) expect(a.latency_mean_ms).toBeCloseTo(sum(durations) / durations.length, 6);
        else expect(a.latency_mean_ms).toBeNull();
        expectWithin1Percent(a.latency_p50_ms, lowerQuantile(durations, 0.5));
        expectWithin1Percent(a.latency_p90_ms, lowerQuantile(durations, 0.9));
        expectWithin1Percent(a.latency_p95_ms, lowerQuantile(durations, 0.95));
        expectWithin1Percent(a.latency_p99_ms, lowerQuantile(durations, 0.99));
        if (durations.length) {
          const sketch = QuantileSketch.fromBytes(a.latency_sketch!);
          expect(sketch.count).toBe(durations.length);
          expect(sketch.quantile(0.99)).toBe(a.latency_p99_ms);
        } else expect(a.latency_sketch).toBeNull();

        const ttfts = events.flatMap((e) =>
          e.time_to_first_token_ms === null ? [] : [e.time_to_first_token_ms],
        );
        expectWithin1Percent(a.ttft_p50_ms, lowerQuantile(ttfts, 0.5));
        expectWithin1Percent(a.ttft_p95_ms, lowerQuantile(ttfts, 0.95));

        expect(a.input_tokens).toBe(sum(events.map((e) => e.input_tokens ?? 0)));
        expect(a.output_tokens).toBe(sum(events.map((e) => e.output_tokens ?? 0)));
        expect(a.cache_read_input_tokens).toBe(sum(events.map((e) => e.cache_read_input_tokens ?? 0)));
        expect(a.reasoning_output_tokens).toBe(sum(events.map((e) => e.reasoning_output_tokens ?? 0)));
        expect(a.cost_usd).toBeCloseTo(sum(events.map((e) => e.cost_usd ?? 0)), 9);
        expect(a.cost_estimated_events).toBe(events.filter((e) => e.cost_source === 'price_table').length);

        const allScores = events.flatMap((e) => Object.values(e.scores));
        if (allScores.length) expect(a.quality_mean).toBeCloseTo(sum(allScores) / allScores.length, 9);
        else expect(a.quality_mean).toBeNull();
        const evaluators = new Set(events.flatMap((e) => Object.keys(e.scores)));
        expect(Object.keys(a.quality).sort()).toEqual([...evaluators].sort());
        for (const name of evaluators) {
          const scores = events.flatMap((e) => (name in e.scores ? [e.scores[name]!] : []));
          const histogram = new Array(SCORE_HISTOGRAM_BINS).fill(0);
          for (const s of scores)
            histogram[Math.min(SCORE_HISTOGRAM_BINS - 1, Math.floor(s * SCORE_HISTOGRAM_BINS))] += 1;
          expect(a.quality[name]!.count).toBe(scores.length);
          expect(a.quality[name]!.sum).toBeCloseTo(sum(scores), 9);
          expect(a.quality[name]!.histogram).toEqual(histogram);
        }

        expect(a.feedback_positive).toBe(events.filter((e) => e.feedback === 1).length);
        expect(a.feedback_negative).toBe(events.filter((e) => e.feedback === -1).length);
        expect(a.feedback_total).toBe(events.filter((e) => e.feedback !== null).length);

        const flags: Record<string, number> = {};
        for (const e of events) for (const f of new Set(e.guardrail_flags)) flags[f] = (flags[f] ?? 0) + 1;
        expect(a.guardrail_flags).toEqual(flags);
      }),
      { numRuns: 150 },
    );
  });

  it('is empty but well-formed with no events', () => {
    const a = new WindowAccumulator(seriesOf(makeEvent()), window).toAggregate(0, 0);
    expect(a.events).toBe(0);
    expect(a.latency_p50_ms).toBeNull();
    expect(a.latency_sketch).toBeNull();
    expect(a.ttft_p95_ms).toBeNull();
    expect(a.quality_mean).toBeNull();
    expect(a.quality).toEqual({});
    expect(a.errors_by_type).toEqual({});
  });

  it('accepts a 0 ms duration', () => {
    const accumulator = new WindowAccumulator(seriesOf(makeEvent()), window);
    accumulator.add(makeEvent({ duration_ms: 0, time_to_first_token_ms: 0 }));
    const a = accumulator.toAggregate(0, 0);
    expect(a.latency_min_ms).toBe(0);
    expect(a.latency_p99_ms).toBe(0);
    expect(a.ttft_p50_ms).toBe(0);
  });

  it('refuses events it cannot aggregate, without changing anything', () => {
    const accumulator = new WindowAccumulator(seriesOf(makeEvent()), window);
    const bad: Array<[Partial<TelemetryEvent>, string]> = [
      [{ duration_ms: -1 }, 'duration_ms'],
      [{ duration_ms: 2e10 }, 'duration_ms'],
      [{ time_to_first_token_ms: Number.NaN }, 'time_to_first_token_ms'],
      [{ cost_usd: Number.POSITIVE_INFINITY }, 'cost_usd'],
      [{ input_tokens: -5 }, 'input_tokens'],
      [{ scores: { faithfulness: 0.5, toxicity: 1.2 } }, 'scores.toxicity'],
      [{ feedback: 0 as unknown as 1 }, 'feedback'],
      [{ timestamp: -1 }, 'timestamp'],
    ];
    for (const [overrides, field] of bad) {
      let thrown: unknown;
      try {
        accumulator.add(makeEvent(overrides));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(UnrecoverableError);
      expect((thrown as UnrecoverableError).reason).toBe('invalid_event');
      expect((thrown as UnrecoverableError).field).toBe(field);
    }
    expect(accumulator.toAggregate(0, 0).events).toBe(0);
    expect(accumulator.toAggregate(0, 0).quality).toEqual({});
  });

  it('snapshot → restore gives the same aggregate and keeps accumulating identically (property)', () => {
    fc.assert(
      fc.property(
        fc.array(anyEvent, { maxLength: 120 }),
        fc.array(anyEvent, { maxLength: 60 }),
        (before, after) => {
          const original = new WindowAccumulator(seriesOf(makeEvent()), window);
          for (const { event, late } of before) original.add(event, late);
          const restored = WindowAccumulator.restore(
            seriesOf(makeEvent()),
            window,
            structuredClone(original.snapshot()),
          );
          expect(restored.toAggregate(1, 0)).toEqual(original.toAggregate(1, 0));
          for (const { event, late } of after) {
            original.add(event, late);
            restored.add(event, late);
          }
          expect(restored.toAggregate(2, 0)).toEqual(original.toAggregate(2, 0));
        },
      ),
      { numRuns: 100 },
    );
  });
});
