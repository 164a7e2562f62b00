import { seededRandom } from '@aiops/core';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Message } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  boundedShuffle,
  exactQuantile,
  exactWindows,
  generateEvents,
  type RawEvent,
  seriesLabel,
} from '../support/events.js';
import { consumeUntil, header, produce } from '../support/kafka.js';
import { TestPipeline, waitFor } from '../support/pipeline.js';

const WINDOW_MS = 60_000;
const MINUTES = 10;
const COUNT = 3000;

const MALFORMED: Array<{ value: Buffer; reason: string }> = [
  { value: Buffer.from('{"event_id": "x", '), reason: 'invalid_json' },
  { value: Buffer.from([0xc3, 0x01, 0, 1, 2, 3, 4, 5, 6, 7, 8]), reason: 'unknown_fingerprint' },
  { value: Buffer.from([0x07, 0x01, 0x02]), reason: 'bad_magic' },
  {
    value: Buffer.from(
      JSON.stringify({ event_id: 'neg', event_type: 'llm_call', timestamp: 1, tenant_id: 't' }),
    ),
    reason: 'schema_violation',
  },
];

interface WindowRow {
  series: string;
  window_start: number;
  events: string;
  errors: string;
  input_tokens: string;
  output_tokens: string;
  cost_usd: number;
  latency_p50_ms: number;
  latency_p95_ms: number;
  latency_p99_ms: number;
  latency_count: string;
  feedback_negative: string;
  feedback_total: string;
}

async function countEvents(ch: ClickHouseClient, db: string): Promise<number> {
  const rs = await ch.query({ query: `SELECT count() AS n FROM ${db}.events FINAL`, format: 'JSONEachRow' });
  const rows = (await rs.json()) as Array<{ n: string }>;
  return Number(rows[0]?.n ?? 0);
}

async function windowRows(ch: ClickHouseClient, db: string, beforeMs: number): Promise<WindowRow[]> {
  const rs = await ch.query({
    query: `SELECT concat(tenant_id,'/',application,'/',environment,'/',provider,'/',model,'/',operation) AS series,
                   toUInt64(window_start) * 1000 AS window_start_ms, events, errors, input_tokens, output_tokens, cost_usd,
                   latency_p50_ms, latency_p95_ms, latency_p99_ms, latency_count, feedback_negative, feedback_total
            FROM ${db}.window_aggregates FINAL
            WHERE window_start < toDateTime(${Math.floor(beforeMs / 1000)}) ORDER BY series, window_start`,
    format: 'JSONEachRow',
  });
  return ((await rs.json()) as Array<WindowRow & { window_start_ms: string }>).map((r) => ({
    ...r,
    window_start: Number(r.window_start_ms),
  }));
}

/** Builds the raw stream: shuffled within the out-of-orderness bound, duplicates and malformed mixed in. */
function rawStream(
  events: RawEvent[],
  seed: number,
  partitions: number,
): { messages: Message[]; malformed: number; duplicates: number } {
  const random = seededRandom(seed);
  const shuffled = boundedShuffle(events, 3000, seed);
  const messages: Message[] = [];
  let malformed = 0;
  let duplicates = 0;
  shuffled.forEach((event, i) => {
    const value = Buffer.from(
      JSON.stringify({ ...event, timestamp: new Date(event.timestamp).toISOString() }),
    );
    messages.push({ value, partition: Math.floor(random() * partitions), key: `k${i}` });
    if (random() < 0.05) {
      duplicates++;
      messages.push({ value, partition: Math.floor(random() * partitions) });
    }
    if (i % 100 === 0) {
      malformed++;
      messages.push({
        value: MALFORMED[(i / 100) % MALFORMED.length]!.value,
        partition: Math.floor(random() * partitions),
      });
    }
  });
  return { messages, malformed, duplicates };
}

/**
 * One event per series and raw partition, far ahead in event time: every source of every events
 * partition then moves past the test windows, so they close without waiting for idle timeouts.
 */
function sentinels(events: RawEvent[], atMs: number, partitions: number): Message[] {
  const seen = new Map<string, RawEvent>();
  for (const e of events) seen.set(seriesLabel(e), e);
  return [...seen.values()].flatMap((e, i) =>
    Array.from({ length: partitions }, (_, partition) => ({
      partition,
      value: Buffer.from(JSON.stringify({ ...e, event_id: `sentinel-${i}-${partition}`, timestamp: atMs })),
    })),
  );
}

function expectWindowsMatch(rows: WindowRow[], events: RawEvent[]): void {
  const exact = exactWindows(events, WINDOW_MS);
  expect(rows.length).toBe(exact.size);
  for (const row of rows) {
    const w = exact.get(`${row.series}@${row.window_start}`);
    expect(w, `unexpected window ${row.series}@${row.window_start}`).toBeDefined();
    expect(Number(row.events)).toBe(w!.events);
    expect(Number(row.errors)).toBe(w!.errors);
    expect(Number(row.input_tokens)).toBe(w!.inputTokens);
    expect(Number(row.output_tokens)).toBe(w!.outputTokens);
    expect(Number(row.latency_count)).toBe(w!.durations.length);
    expect(row.cost_usd).toBeCloseTo(w!.costUsd, 9);
    expect(Number(row.feedback_negative)).toBe(w!.feedbackNegative);
    expect(Number(row.feedback_total)).toBe(w!.feedbackTotal);
    for (const [q, value] of [
      [0.5, row.latency_p50_ms],
      [0.95, row.latency_p95_ms],
      [0.99, row.latency_p99_ms],
    ] as const) {
      const truth = exactQuantile(w!.durations, q);
      // DDSketch at 1 % relative accuracy.
      expect(Math.abs(value - truth) / truth, `p${q * 100} of ${w!.key}`).toBeLessThanOrEqual(0.0101);
    }
  }
}

/** Waits for every event row (sentinels included) and every test window, then compares with the oracle. */
async function expectPipelineOutput(
  ch: ClickHouseClient,
  db: string,
  events: RawEvent[],
  base: number,
): Promise<void> {
  await waitFor(async () => (await countEvents(ch, db)) === COUNT + 18, 120_000, 'events rows');
  const expectedWindows = exactWindows(events, WINDOW_MS).size;
  const end = base + MINUTES * 60_000;
  await waitFor(
    async () => (await windowRows(ch, db, end)).length === expectedWindows,
    120_000,
    'window rows',
  );
  // Revisions may still land: compare after a pause, on a fresh read.
  await new Promise((r) => setTimeout(r, 1500));
  expectWindowsMatch(await windowRows(ch, db, end), events);
}

describe('pipeline against the real broker and ClickHouse', () => {
  const base = Math.floor((Date.now() - 3 * 60 * 60 * 1000) / WINDOW_MS) * WINDOW_MS;
  const events = generateEvents(7, COUNT, base, MINUTES);
  let pipeline: TestPipeline;
  let ch: ClickHouseClient;

  beforeAll(async () => {
    pipeline = new TestPipeline({ partitions: 3 });
    await pipeline.startAll(['validator', 'aggregator', 'writer']);
    ch = pipeline.clickhouse();
    await pipeline.waitReady();
  });
  afterAll(async () => {
    await pipeline?.stopAll();
    await ch?.close();
  });

  it('N events in → N rows and exact window aggregates, despite shuffling, duplicates and malformed input', {
    timeout: 240_000,
  }, async () => {
    const stream = rawStream(events, 11, 3);
    await produce(pipeline.topics.raw, [...stream.messages, ...sentinels(events, base + 30 * 60_000, 3)]);

    await expectPipelineOutput(ch, pipeline.database, events, base);

    const dlq = await consumeUntil(pipeline.topics.dlq, (m) => m.length >= stream.malformed);
    const reasons = dlq.map((m) => header(m, 'aiops.dlq.reason'));
    expect(new Set(reasons)).toEqual(new Set(MALFORMED.map((m) => m.reason)));
    for (const message of dlq) {
      expect(header(message, 'aiops.dlq.source.topic')).toBe(pipeline.topics.raw);
      expect(header(message, 'aiops.dlq.source.offset')).toMatch(/^\d+$/);
      expect(header(message, 'aiops.dlq.message')!.length).toBeGreaterThan(5);
    }
    expect(stream.duplicates).toBeGreaterThan(0);
  });
});

describe('pipeline restarts mid-run', () => {
  const base = Math.floor((Date.now() - 5 * 60 * 60 * 1000) / WINDOW_MS) * WINDOW_MS;
  const events = generateEvents(21, COUNT, base, MINUTES);
  let pipeline: TestPipeline;
  let ch: ClickHouseClient;

  beforeAll(async () => {
    pipeline = new TestPipeline({ partitions: 3 });
    await pipeline.startAll(['validator', 'aggregator', 'writer']);
    ch = pipeline.clickhouse();
    await pipeline.waitReady();
  });
  afterAll(async () => {
    await pipeline?.stopAll();
    await ch?.close();
  });

  it('gives the same rows and aggregates when every service is restarted in the middle', {
    timeout: 300_000,
  }, async () => {
    const stream = rawStream(events, 23, 3);
    const half = Math.floor(stream.messages.length / 2);
    await produce(pipeline.topics.raw, stream.messages.slice(0, half));
    await waitFor(async () => (await countEvents(ch, pipeline.database)) > 0, 60_000, 'first rows');
    for (const name of ['aggregator', 'validator', 'writer'] as const) {
      await pipeline.stop(name);
      await pipeline.start(name);
    }
    await pipeline.waitReady();
    await produce(pipeline.topics.raw, [
      ...stream.messages.slice(half),
      ...sentinels(events, base + 30 * 60_000, 3),
    ]);

    await expectPipelineOutput(ch, pipeline.database, events, base);
  });
});
