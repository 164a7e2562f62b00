import type { TelemetryEvent, WindowAggregate } from '@aiops/contract';
import { SOURCE_HEADER, seriesKey } from '@aiops/contract';
import { makeRecord } from '@aiops/core';
import { MockProcessorContext, telemetryEvent } from '@aiops/testkit';
import fc from 'fast-check';
import { expect } from 'vitest';
import { LATE_OUTPUT, WindowOperator, type WindowOperatorOptions, type WindowOutput } from '../src/index.js';

let nextId = 0;

/** A successful LLM call of series t1/chat/prod/openai/gpt-4o/chat, with `overrides`. */
export function makeEvent(overrides: Partial<TelemetryEvent> = {}): TelemetryEvent {
  nextId += 1;
  return telemetryEvent({
    tenant_id: 't1',
    application: 'chat',
    environment: 'prod',
    event_id: `e${nextId}`,
    timestamp: 0,
    duration_ms: 1000,
    input_tokens: 100,
    output_tokens: 50,
    ...overrides,
  });
}

export interface Delivery {
  event: TelemetryEvent;
  partition?: number;
  offset?: number;
  wallMs?: number;
}

/** A WindowOperator on a mock context, fed one record at a time with Kafka-like metadata. */
export class Harness {
  readonly context = new MockProcessorContext<string, WindowOutput>();
  readonly operator: WindowOperator;
  private readonly offsets = new Map<number, number>();

  constructor(options: WindowOperatorOptions | WindowOperator = {}) {
    this.operator = options instanceof WindowOperator ? options : new WindowOperator(options);
    this.operator.init(this.context);
  }

  /** Processes `event`; the offset defaults to one after the partition's previous one. */
  feed(
    event: TelemetryEvent,
    options: { partition?: number; offset?: number; wallMs?: number; source?: string } = {},
  ): void {
    const partition = options.partition ?? 0;
    const offset = options.offset ?? this.offsets.get(partition) ?? 0;
    this.offsets.set(partition, offset + 1);
    if (options.wallMs !== undefined) this.context.setWallTimeMs(options.wallMs);
    this.context.setRecordMetadata({ topic: 'events', partition, offset });
    const headers: Record<string, string> =
      options.source === undefined ? {} : { [SOURCE_HEADER]: options.source };
    this.operator.process(makeRecord(seriesKey(event), event, event.timestamp, headers));
  }

  feedAll(deliveries: readonly Delivery[]): void {
    for (const d of deliveries) this.feed(d.event, d);
  }

  aggregates(): WindowAggregate[] {
    return this.context.valuesTo() as WindowAggregate[];
  }

  late(): TelemetryEvent[] {
    return this.context.valuesTo(LATE_OUTPUT) as TelemetryEvent[];
  }
}

/** Aggregate without its wall-clock field, for comparing runs. */
export function withoutEmittedAt(aggregate: WindowAggregate): Omit<WindowAggregate, 'emitted_at'> {
  const { emitted_at: _ignored, ...rest } = aggregate;
  return rest;
}

/** Identity of one emission: series, window and revision (what downstream deduplicates on). */
export function emissionKey(a: WindowAggregate): string {
  return `${windowKey(a)}#${a.revision}`;
}

/** A window's identity downstream: series and span, and the late event when it is a correction. */
export function windowKey(a: WindowAggregate): string {
  const correction = a.correction_event_id === null ? '' : `+${a.correction_event_id}`;
  return `${seriesKey(a)}@${a.window_start}-${a.window_end}${correction}`;
}

/** Emissions deduplicated by (series, window, revision); a duplicate must be identical. */
export function dedupEmissions(
  aggregates: readonly WindowAggregate[],
): Map<string, Omit<WindowAggregate, 'emitted_at'>> {
  const seen = new Map<string, Omit<WindowAggregate, 'emitted_at'>>();
  for (const a of aggregates) {
    const key = emissionKey(a);
    const previous = seen.get(key);
    if (previous === undefined) seen.set(key, withoutEmittedAt(a));
    else expect(withoutEmittedAt(a)).toEqual(previous);
  }
  return seen;
}

/** The last revision of every window (and every late correction, a window of its own). */
export function finalAggregates(
  aggregates: readonly WindowAggregate[],
): Map<string, Omit<WindowAggregate, 'emitted_at'>> {
  const latest = new Map<string, WindowAggregate>();
  for (const a of aggregates) {
    const key = windowKey(a);
    const previous = latest.get(key);
    if (previous === undefined || a.revision > previous.revision) latest.set(key, a);
  }
  return new Map([...latest].map(([k, a]) => [k, withoutEmittedAt(a)]));
}

const SERIES = [
  { tenant_id: 't1', application: 'chat', model: 'gpt-4o' },
  { tenant_id: 't1', application: 'rag', model: 'claude-sonnet' },
  { tenant_id: 't2', application: 'agent|x', model: 'llama' },
] as const;

/**
 * Event details whose sums are exact in binary floating point (costs in 1/1024 $, scores in 1/16,
 * integer durations), so that runs in different orders must agree exactly.
 */
export const eventDetails = fc.record({
  series: fc.integer({ min: 0, max: SERIES.length - 1 }),
  error: fc.option(fc.constantFrom('timeout', 'rate_limit', 'server'), { nil: null, freq: 4 }),
  errorWithoutType: fc.boolean(),
  duration: fc.option(fc.integer({ min: 0, max: 30_000 }), { nil: null, freq: 6 }),
  ttft: fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: null, freq: 3 }),
  inputTokens: fc.option(fc.integer({ min: 0, max: 4000 }), { nil: null, freq: 6 }),
  outputTokens: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null, freq: 6 }),
  cost: fc.option(fc.integer({ min: 0, max: 2048 }), { nil: null, freq: 6 }),
  priced: fc.boolean(),
  scores: fc.dictionary(fc.constantFrom('faithfulness', 'toxicity'), fc.integer({ min: 0, max: 16 }), {
    maxKeys: 2,
  }),
  feedback: fc.constantFrom(null, null, 1, -1),
  flags: fc.subarray(['pii', 'jailbreak', 'off_topic']),
});

export type EventDetails = typeof eventDetails extends fc.Arbitrary<infer T> ? T : never;

export function eventFrom(details: EventDetails, timestamp: number): TelemetryEvent {
  const series = SERIES[details.series]!;
  return makeEvent({
    ...series,
    timestamp,
    status: details.error === null ? 'ok' : 'error',
    error_type: details.error === null || details.errorWithoutType ? null : details.error,
    duration_ms: details.duration,
    time_to_first_token_ms: details.ttft,
    input_tokens: details.inputTokens,
    output_tokens: details.outputTokens,
    cost_usd: details.cost === null ? null : details.cost / 1024,
    cost_source: details.cost === null ? 'unpriced' : details.priced ? 'price_table' : 'reported',
    scores: Object.fromEntries(Object.entries(details.scores).map(([k, v]) => [k, v / 16])),
    feedback: details.feedback as -1 | 1 | null,
    guardrail_flags: details.flags,
  });
}

/** Which partition a series lives in (the input is keyed by series). */
export function partitionOf(event: TelemetryEvent): number {
  return event.tenant_id === 't2' ? 1 : 0;
}
