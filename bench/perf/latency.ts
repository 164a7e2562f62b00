import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { alertCodec, encodeEventAvroSingleObject, windowCodec } from '@aiops/contract';
import { createSimulation } from '@aiops/simulator';
import { createClient } from '@clickhouse/client';
import type { Kafka, Message } from 'kafkajs';
import { type Endpoints, percentile, RESULTS_DIR, say } from './common.js';
import { BENCH_PARTITIONS, benchPipeline, DOWNSTREAM_FIRST, STOP_GRACE_MS } from './stages.js';

export interface LatencySummary {
  readonly samples: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

export interface LatencyResult {
  readonly windowSizeMs: number;
  readonly allowedLatenessMs: number;
  readonly maxOutOfOrdernessMs: number;
  readonly writerBatchDelayMs: number;
  readonly eventsPerSecond: number;
  readonly trafficSeconds: number;
  /** Close → window message on the windows topic (the aggregator's emission). */
  readonly toWindowMessage: LatencySummary;
  /** Close → row visible in ClickHouse (polled every POLL_MS). */
  readonly toRow: LatencySummary;
  /** Close → alert notification read from the alerts topic (read_committed). */
  readonly toAlert: LatencySummary;
  readonly note: string;
}

const WINDOW_MS = 10_000;
const LATENESS_MS = 5_000;
const OUT_OF_ORDER_MS = 1_000;
const WRITER_DELAY_MS = 1_000;
const POLL_MS = 100;

function summary(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length > 0 ? sorted[sorted.length - 1]! : null,
  };
}

/**
 * A live pipeline (four services, each in its own process) fed in real time: event time = wall time
 * when produced, so the watermark can pass a window's end E at wall time E + maxOutOfOrderness at the
 * earliest. That instant is taken as the window's close (conservative: the transit raw → validator →
 * aggregator counts against us). Measured per window row / alert: first seen − close.
 */
export async function measureLatency(
  kafka: Kafka,
  endpoints: Endpoints,
  trafficSeconds: number,
): Promise<LatencyResult> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const rulesFile = join(RESULTS_DIR, 'latency-rules.json');
  const pipeline = benchPipeline(endpoints, 'l', {
    windowSizesMs: [WINDOW_MS],
    allowedLatenessMs: LATENESS_MS,
    maxOutOfOrdernessMs: OUT_OF_ORDER_MS,
    writerMaxBatchDelayMs: WRITER_DELAY_MS,
    processEnv: { DETECTION_RULES_FILE: rulesFile, WRITER_TABLES: 'windows,alerts' },
  });
  const names = pipeline.topics;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: names.raw, numPartitions: BENCH_PARTITIONS, replicationFactor: 1 }],
  });
  await admin.disconnect();
  // Every window with a latency sample breaches a 1 ms p95 SLO and fires at once: one alert per series.
  writeFileSync(
    rulesFile,
    JSON.stringify({
      lifecycle: { pending_for_ms: 0 },
      latency: { min_count: 1, slo: { p95_ms: 1, p99_ms: null, ttft_p95_ms: null } },
    }),
  );
  const clickhouse = createClient({
    url: endpoints.clickhouseUrl,
    compression: { request: false, response: false },
  });
  const consumer = kafka.consumer({ groupId: `${pipeline.id}-observer`, maxWaitTimeInMs: 20 });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  /** [window end, latency ms] per window message, row and alert. */
  const windowLat: [number, number][] = [];
  const alertLat: [number, number][] = [];
  const rowLat: [number, number][] = [];
  const close = (windowEnd: number) => windowEnd + OUT_OF_ORDER_MS;
  try {
    for (const name of DOWNSTREAM_FIRST) await (await pipeline.spawn(name, { restart: false })).waitReady();
    await consumer.connect();
    await consumer.subscribe({ topics: [names.windows, names.alerts], fromBeginning: true });
    const seenWindows = new Set<string>();
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const at = Date.now();
        if (message.value === null) return;
        if (topic === names.windows) {
          const w = windowCodec.decodeTrusted(message.value);
          const key = `${message.headers?.['aiops.series']?.toString()}@${w.window_end}`;
          if (w.revision === 0 && !seenWindows.has(key)) {
            seenWindows.add(key);
            windowLat.push([w.window_end, at - close(w.window_end)]);
          }
        } else {
          const alert = alertCodec.decodeTrusted(message.value);
          if (alert.status === 'firing') alertLat.push([alert.window_end, at - close(alert.window_end)]);
        }
      },
    });
    await producer.connect();
    const startMs = Date.now();
    const simulation = createSimulation({
      seed: 7,
      startMs,
      durationMs: trafficSeconds * 1000,
      eventsPerMinute: 6000,
      tenants: 4,
      scenarios: [],
    });
    say(`latency: ${trafficSeconds} s of live traffic, ${WINDOW_MS / 1000} s windows`);
    const rowCounts = new Map<number, number>();
    const pollRows = async () => {
      const result = await clickhouse.query({
        query: `SELECT toUInt32(window_end) AS e, count() AS n FROM ${pipeline.database}.window_aggregates GROUP BY e`,
        format: 'JSONEachRow',
      });
      const rows = (await result.json()) as { e: number | string; n: number | string }[];
      const at = Date.now();
      for (const row of rows) {
        const end = Number(row.e) * 1000;
        const n = Number(row.n);
        const before = rowCounts.get(end) ?? 0;
        for (let i = before; i < n; i++) rowLat.push([end, at - close(end)]);
        rowCounts.set(end, n);
      }
    };
    let polling = true;
    const poller = (async () => {
      while (polling) {
        await pollRows().catch(() => undefined);
        await sleep(POLL_MS);
      }
    })();
    let batch: Message[] = [];
    let produced = 0;
    let lastEventAt = startMs;
    for (const event of simulation.events()) {
      const wait = event.timestamp - Date.now();
      if (wait > 20) {
        if (batch.length > 0) await producer.send({ topic: names.raw, messages: batch, acks: 1 });
        batch = [];
        await sleep(wait);
      }
      lastEventAt = Date.now();
      batch.push({ value: encodeEventAvroSingleObject({ ...event, timestamp: lastEventAt }) });
      produced++;
    }
    if (batch.length > 0) await producer.send({ topic: names.raw, messages: batch, acks: 1 });
    // The last windows close once event time passes their end: let the idle timeout do nothing here,
    // measure only windows that closed during the traffic, then give the outputs time to arrive.
    await sleep(WRITER_DELAY_MS + 4000);
    polling = false;
    await poller;
    // Windows whose close lies after the last event close by idle timeout, not by the watermark: left out.
    const keep = (lat: [number, number][]) =>
      lat.filter(([end]) => close(end) <= lastEventAt).map(([, latency]) => latency);
    const result: LatencyResult = {
      windowSizeMs: WINDOW_MS,
      allowedLatenessMs: LATENESS_MS,
      maxOutOfOrdernessMs: OUT_OF_ORDER_MS,
      writerBatchDelayMs: WRITER_DELAY_MS,
      eventsPerSecond: produced / trafficSeconds,
      trafficSeconds,
      toWindowMessage: summary(keep(windowLat)),
      toRow: summary(keep(rowLat)),
      toAlert: summary(keep(alertLat)),
      note:
        `close = window end + max out-of-orderness (${OUT_OF_ORDER_MS} ms): the earliest wall time the watermark can pass the end when ` +
        `event time = produce time; raw → validator → aggregator transit counts against us. Rows polled every ${POLL_MS} ms.`,
    };
    say(
      `latency: close → row p50 ${result.toRow.p50Ms} ms p99 ${result.toRow.p99Ms} ms (${result.toRow.samples}); ` +
        `close → alert p50 ${result.toAlert.p50Ms} ms p99 ${result.toAlert.p99Ms} ms (${result.toAlert.samples})`,
    );
    return result;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await pipeline.stopAll(STOP_GRACE_MS);
    await pipeline.cleanup();
    await clickhouse.close();
  }
}
