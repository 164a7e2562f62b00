import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeEventAvroSingleObject, encodeEventJson, type TelemetryEvent } from '@aiops/contract';
import { createSimulation } from '@aiops/simulator';
import type { Admin, Kafka, Message } from 'kafkajs';
import { RESULTS_DIR, say, topicEnd, topicExists } from './common.js';

export const RAW_TOPICS = { avro: 'bench.raw.avro.v1', json: 'bench.raw.json.v1' } as const;
export type RawFormat = keyof typeof RAW_TOPICS;

export const RAW_PARTITIONS = 3;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The validator refuses events older than 7 days: regenerate well before the oldest event gets there. */
const MAX_DATASET_AGE_MS = 4 * DAY_MS;
const MANIFEST = join(RESULTS_DIR, 'dataset.json');
const BATCH = 4000;
const IN_FLIGHT = 4;

export interface Dataset {
  readonly events: number;
  readonly seed: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly createdAt: string;
  readonly series: number;
  readonly avgBytes: Record<RawFormat, number>;
  readonly topics: Record<RawFormat, string>;
  /** Seconds it took to generate and produce (0 when reused). */
  readonly produceSeconds: number;
  readonly reused: boolean;
}

function readManifest(): Dataset | null {
  try {
    return JSON.parse(readFileSync(MANIFEST, 'utf8')) as Dataset;
  } catch {
    return null;
  }
}

async function reusable(admin: Admin, events: number): Promise<Dataset | null> {
  const manifest = readManifest();
  if (manifest === null || manifest.events !== events) return null;
  if (Date.now() - Date.parse(manifest.createdAt) > MAX_DATASET_AGE_MS) return null;
  for (const topic of Object.values(RAW_TOPICS)) {
    if (!(await topicExists(admin, topic))) return null;
    if ((await topicEnd(admin, topic)) !== events) return null;
  }
  return { ...manifest, reused: true, produceSeconds: 0 };
}

/**
 * Makes sure both raw topics hold exactly `events` simulated events (Avro single-object and JSON, the
 * same events in the same order). Reuses them when they do (idempotent); `force` regenerates.
 */
export async function ensureDataset(kafka: Kafka, events: number, force: boolean): Promise<Dataset> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!force) {
      const existing = await reusable(admin, events);
      if (existing) {
        say(
          `reusing ${events.toLocaleString('en-US')} pre-produced events in ${Object.values(RAW_TOPICS).join(', ')}`,
        );
        return existing;
      }
    }
    const present = (await admin.listTopics()).filter((t) =>
      (Object.values(RAW_TOPICS) as string[]).includes(t),
    );
    if (present.length > 0) {
      await admin.deleteTopics({ topics: present, timeout: 30_000 });
      // Deletion is asynchronous on the broker: wait until the names are free again.
      for (let i = 0; i < 100 && (await admin.listTopics()).some((t) => present.includes(t)); i++) {
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    await admin.createTopics({
      waitForLeaders: true,
      topics: Object.values(RAW_TOPICS).map((topic) => ({
        topic,
        numPartitions: RAW_PARTITIONS,
        replicationFactor: 1,
        configEntries: [{ name: 'retention.ms', value: String(-1) }],
      })),
    });
    return await produce(kafka, events);
  } finally {
    await admin.disconnect();
  }
}

/** The simulation behind a dataset: a day of traffic whose diurnal mean gives ~1.3× the events wanted. */
export function datasetSimulation(seed: number, startMs: number, events: number) {
  return createSimulation({
    seed,
    startMs,
    durationMs: DAY_MS,
    eventsPerMinute: Math.ceil((events * 1.3) / (DAY_MS / 60_000)),
    tenants: 4,
  });
}

async function produce(kafka: Kafka, events: number): Promise<Dataset> {
  const seed = 20_240_601;
  const now = Date.now();
  const startMs = Math.floor((now - DAY_MS) / 60_000) * 60_000;
  const simulation = datasetSimulation(seed, startMs, events);
  const producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: IN_FLIGHT });
  await producer.connect();
  const started = Date.now();
  const bytes = { avro: 0, json: 0 };
  const series = new Set<string>();
  const pending: Promise<unknown>[] = [];
  let avro: Message[] = [];
  let json: Message[] = [];
  let n = 0;
  let last: TelemetryEvent | undefined;
  const flush = async () => {
    if (avro.length === 0) return;
    pending.push(
      producer.sendBatch({
        acks: 1,
        topicMessages: [
          { topic: RAW_TOPICS.avro, messages: avro },
          { topic: RAW_TOPICS.json, messages: json },
        ],
      }),
    );
    avro = [];
    json = [];
    while (pending.length >= IN_FLIGHT) await pending.shift();
  };
  for (const event of simulation.events()) {
    const a = encodeEventAvroSingleObject(event);
    const j = encodeEventJson(event);
    bytes.avro += a.length;
    bytes.json += j.length;
    // The partition a real producer's SDK picks is irrelevant here: spread evenly.
    const partition = n % RAW_PARTITIONS;
    avro.push({ value: a, partition });
    json.push({ value: j, partition });
    series.add(
      `${event.tenant_id}|${event.application}|${event.environment}|${event.provider}|${event.model}|${event.operation}`,
    );
    last = event;
    if (++n >= events) break;
    if (avro.length >= BATCH) await flush();
    if (n % 200_000 === 0) say(`produced ${n.toLocaleString('en-US')} events`);
  }
  await flush();
  await Promise.all(pending);
  await producer.disconnect();
  if (n < events) throw new Error(`the simulation produced only ${n} events; ${events} were asked for`);
  const dataset: Dataset = {
    events: n,
    seed,
    startMs,
    endMs: last?.timestamp ?? startMs,
    createdAt: new Date().toISOString(),
    series: series.size,
    avgBytes: { avro: Math.round(bytes.avro / n), json: Math.round(bytes.json / n) },
    topics: { ...RAW_TOPICS },
    produceSeconds: (Date.now() - started) / 1000,
    reused: false,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(MANIFEST, `${JSON.stringify(dataset, null, 2)}\n`);
  say(
    `produced ${n.toLocaleString('en-US')} events to both raw topics in ${dataset.produceSeconds.toFixed(1)} s`,
  );
  return dataset;
}
