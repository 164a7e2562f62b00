import type { ScoreAggregate, Series, TelemetryEvent, WindowAggregate } from '@aiops/contract';
import { SCORE_HISTOGRAM_BINS } from '@aiops/contract';
import { UnrecoverableError } from '@aiops/core';
import { QuantileSketch, ScoreHistogram } from '@aiops/sketches';
import type { TimeWindow } from './assigner.js';

/** The state of one accumulator, structured-clone safe (sketches as DDSketch bytes). */
export interface AccumulatorSnapshot {
  events: number;
  errors: number;
  errorsByType: Array<[string, number]>;
  latency: Uint8Array | null;
  ttft: Uint8Array | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  reasoningOutputTokens: number;
  costUsd: number;
  costEstimatedEvents: number;
  quality: Array<[string, { count: number; sum: number; histogram: number[] }]>;
  qualitySum: number;
  qualityCount: number;
  feedbackPositive: number;
  feedbackNegative: number;
  guardrailFlags: Array<[string, number]>;
  lateEvents: number;
}

interface QualityState {
  count: number;
  sum: number;
  histogram: ScoreHistogram;
}

/**
 * Durations below 1 ns count as 0 ms in the sketches: bounds the bins one stray tiny value opens.
 * Durations above ~115 days are refused as corrupt, for the same reason at the other end.
 */
const MIN_INDEXABLE_MS = 1e-6;
const MAX_DURATION_MS = 1e10;

/**
 * Refuses an event the window math cannot take (the validator should have refused it already):
 * throws UnrecoverableError('invalid_event', …, { field }) so the shell dead-letters it.
 */
export function checkEvent(event: TelemetryEvent): void {
  if (!Number.isFinite(event.timestamp) || event.timestamp < 0) invalid('timestamp', event.timestamp);
  optionalDuration('duration_ms', event.duration_ms);
  optionalDuration('time_to_first_token_ms', event.time_to_first_token_ms);
  optionalNonNegative('input_tokens', event.input_tokens);
  optionalNonNegative('output_tokens', event.output_tokens);
  optionalNonNegative('cache_read_input_tokens', event.cache_read_input_tokens);
  optionalNonNegative('reasoning_output_tokens', event.reasoning_output_tokens);
  optionalNonNegative('cost_usd', event.cost_usd);
  for (const name in event.scores) {
    const score = event.scores[name];
    if (typeof score !== 'number' || !(score >= 0 && score <= 1)) invalid(`scores.${name}`, score);
  }
  if (event.feedback !== null && event.feedback !== 1 && event.feedback !== -1)
    invalid('feedback', event.feedback);
}

function optionalDuration(field: string, value: number | null): void {
  if (value !== null && !(value >= 0 && value <= MAX_DURATION_MS)) invalid(field, value);
}

function optionalNonNegative(field: string, value: number | null): void {
  if (value !== null && !(Number.isFinite(value) && value >= 0)) invalid(field, value);
}

function invalid(field: string, value: unknown): never {
  throw new UnrecoverableError('invalid_event', `${field} cannot be aggregated: ${String(value)}`, { field });
}

/**
 * Everything known about one series in one window, updated one event at a time and read out as a
 * WindowAggregate. Maps and sketches are created on first use, so a window of plain successful calls
 * holds two sketches and counters only.
 */
export class WindowAccumulator {
  private eventCount = 0;
  private errors = 0;
  private errorsByType: Map<string, number> | null = null;
  private latency: QuantileSketch | null = null;
  private ttft: QuantileSketch | null = null;
  private inputTokens = 0;
  private outputTokens = 0;
  private cacheReadInputTokens = 0;
  private reasoningOutputTokens = 0;
  private costUsd = 0;
  private costEstimatedEvents = 0;
  private quality: Map<string, QualityState> | null = null;
  private qualitySum = 0;
  private qualityCount = 0;
  private feedbackPositive = 0;
  private feedbackNegative = 0;
  private guardrailFlags: Map<string, number> | null = null;
  private lateEvents = 0;

  constructor(
    readonly series: Series,
    readonly window: TimeWindow,
  ) {}

  get events(): number {
    return this.eventCount;
  }

  /** Bytes held by the sketches' arrays (for memory accounting). */
  get sketchBytes(): number {
    return (this.latency?.arrayBytes ?? 0) + (this.ttft?.arrayBytes ?? 0);
  }

  /**
   * Folds `event` into the window; `late`: it arrived after the window closed (counted in
   * `late_events`). Checks the event first (see `checkEvent`) and changes nothing if it is refused.
   */
  add(event: TelemetryEvent, late = false): void {
    checkEvent(event);
    this.eventCount += 1;
    if (late) this.lateEvents += 1;
    if (event.status === 'error') {
      this.errors += 1;
      const type = event.error_type ?? 'unknown';
      if (this.errorsByType === null) this.errorsByType = new Map();
      this.errorsByType.set(type, (this.errorsByType.get(type) ?? 0) + 1);
    }
    if (event.duration_ms !== null) {
      if (this.latency === null) this.latency = durationSketch();
      this.latency.add(event.duration_ms);
    }
    if (event.time_to_first_token_ms !== null) {
      if (this.ttft === null) this.ttft = durationSketch();
      this.ttft.add(event.time_to_first_token_ms);
    }
    this.inputTokens += event.input_tokens ?? 0;
    this.outputTokens += event.output_tokens ?? 0;
    this.cacheReadInputTokens += event.cache_read_input_tokens ?? 0;
    this.reasoningOutputTokens += event.reasoning_output_tokens ?? 0;
    this.costUsd += event.cost_usd ?? 0;
    if (event.cost_source === 'price_table') this.costEstimatedEvents += 1;
    for (const name in event.scores) {
      const score = event.scores[name]!;
      if (this.quality === null) this.quality = new Map();
      let state = this.quality.get(name);
      if (state === undefined) {
        state = { count: 0, sum: 0, histogram: new ScoreHistogram(SCORE_HISTOGRAM_BINS) };
        this.quality.set(name, state);
      }
      state.count += 1;
      state.sum += score;
      state.histogram.add(score);
      this.qualitySum += score;
      this.qualityCount += 1;
    }
    if (event.feedback === 1) this.feedbackPositive += 1;
    else if (event.feedback === -1) this.feedbackNegative += 1;
    const flags = event.guardrail_flags;
    if (flags.length > 0) {
      if (this.guardrailFlags === null) this.guardrailFlags = new Map();
      const counts = this.guardrailFlags;
      // A flag repeated within one event counts once: the count is of events flagged.
      const distinct = flags.length === 1 ? flags : new Set(flags);
      for (const flag of distinct) counts.set(flag, (counts.get(flag) ?? 0) + 1);
    }
  }

  /** The window as a WindowAggregate. Maps come out with sorted keys, whatever the arrival order. */
  toAggregate(revision: number, emittedAtWallMs: number): WindowAggregate {
    const latency = this.latency;
    const ttft = this.ttft;
    const quality: Record<string, ScoreAggregate> =
      this.quality === null
        ? {}
        : Object.fromEntries(
            sortedEntries(this.quality).map(([name, s]) => [
              name,
              { count: s.count, sum: s.sum, histogram: s.histogram.toArray() },
            ]),
          );
    return {
      tenant_id: this.series.tenant_id,
      application: this.series.application,
      environment: this.series.environment,
      provider: this.series.provider,
      model: this.series.model,
      operation: this.series.operation,
      window_start: this.window.start,
      window_end: this.window.end,
      revision,
      events: this.eventCount,
      errors: this.errors,
      errors_by_type: toRecord(this.errorsByType),
      latency_count: latency?.count ?? 0,
      latency_min_ms: latency?.min ?? null,
      latency_max_ms: latency?.max ?? null,
      latency_mean_ms: latency?.mean ?? null,
      latency_p50_ms: latency?.quantile(0.5) ?? null,
      latency_p90_ms: latency?.quantile(0.9) ?? null,
      latency_p95_ms: latency?.quantile(0.95) ?? null,
      latency_p99_ms: latency?.quantile(0.99) ?? null,
      latency_sketch: latency?.toBytes() ?? null,
      ttft_p50_ms: ttft?.quantile(0.5) ?? null,
      ttft_p95_ms: ttft?.quantile(0.95) ?? null,
      input_tokens: this.inputTokens,
      output_tokens: this.outputTokens,
      cache_read_input_tokens: this.cacheReadInputTokens,
      reasoning_output_tokens: this.reasoningOutputTokens,
      cost_usd: this.costUsd,
      cost_estimated_events: this.costEstimatedEvents,
      quality,
      quality_mean: this.qualityCount === 0 ? null : this.qualitySum / this.qualityCount,
      feedback_positive: this.feedbackPositive,
      feedback_negative: this.feedbackNegative,
      feedback_total: this.feedbackPositive + this.feedbackNegative,
      guardrail_flags: toRecord(this.guardrailFlags),
      late_events: this.lateEvents,
      emitted_at: emittedAtWallMs,
      correction_event_id: null,
    };
  }

  snapshot(): AccumulatorSnapshot {
    return {
      events: this.eventCount,
      errors: this.errors,
      errorsByType: [...(this.errorsByType ?? [])],
      latency: this.latency?.toBytes() ?? null,
      ttft: this.ttft?.toBytes() ?? null,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      cacheReadInputTokens: this.cacheReadInputTokens,
      reasoningOutputTokens: this.reasoningOutputTokens,
      costUsd: this.costUsd,
      costEstimatedEvents: this.costEstimatedEvents,
      quality: [...(this.quality ?? [])].map(([name, s]) => [
        name,
        { count: s.count, sum: s.sum, histogram: s.histogram.toArray() },
      ]),
      qualitySum: this.qualitySum,
      qualityCount: this.qualityCount,
      feedbackPositive: this.feedbackPositive,
      feedbackNegative: this.feedbackNegative,
      guardrailFlags: [...(this.guardrailFlags ?? [])],
      lateEvents: this.lateEvents,
    };
  }

  static restore(series: Series, window: TimeWindow, snapshot: AccumulatorSnapshot): WindowAccumulator {
    const accumulator = new WindowAccumulator(series, window);
    accumulator.eventCount = snapshot.events;
    accumulator.errors = snapshot.errors;
    accumulator.errorsByType = snapshot.errorsByType.length > 0 ? new Map(snapshot.errorsByType) : null;
    accumulator.latency = snapshot.latency ? durationSketchFrom(snapshot.latency) : null;
    accumulator.ttft = snapshot.ttft ? durationSketchFrom(snapshot.ttft) : null;
    accumulator.inputTokens = snapshot.inputTokens;
    accumulator.outputTokens = snapshot.outputTokens;
    accumulator.cacheReadInputTokens = snapshot.cacheReadInputTokens;
    accumulator.reasoningOutputTokens = snapshot.reasoningOutputTokens;
    accumulator.costUsd = snapshot.costUsd;
    accumulator.costEstimatedEvents = snapshot.costEstimatedEvents;
    accumulator.quality =
      snapshot.quality.length > 0
        ? new Map(
            snapshot.quality.map(([name, s]) => [
              name,
              { count: s.count, sum: s.sum, histogram: ScoreHistogram.fromArray(s.histogram) },
            ]),
          )
        : null;
    accumulator.qualitySum = snapshot.qualitySum;
    accumulator.qualityCount = snapshot.qualityCount;
    accumulator.feedbackPositive = snapshot.feedbackPositive;
    accumulator.feedbackNegative = snapshot.feedbackNegative;
    accumulator.guardrailFlags = snapshot.guardrailFlags.length > 0 ? new Map(snapshot.guardrailFlags) : null;
    accumulator.lateEvents = snapshot.lateEvents;
    return accumulator;
  }
}

function durationSketch(): QuantileSketch {
  return new QuantileSketch({ minIndexableValue: MIN_INDEXABLE_MS });
}

function durationSketchFrom(bytes: Uint8Array): QuantileSketch {
  return QuantileSketch.fromBytes(bytes, { minIndexableValue: MIN_INDEXABLE_MS });
}

function sortedEntries<V>(map: Map<string, V>): Array<[string, V]> {
  return [...map].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** A plain object with sorted keys (Object.fromEntries defines even a '__proto__' key as data). */
function toRecord(map: Map<string, number> | null): Record<string, number> {
  return map === null ? {} : Object.fromEntries(sortedEntries(map));
}
