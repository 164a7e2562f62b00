import { join } from 'node:path';
import { clickhouseExecutor, createClickHouseClient, eventToRow, migrate, TABLES } from '@aiops/clickhouse';
import { REPO_ROOT } from '@aiops/harness';
import type { Kafka } from 'kafkajs';
import { fileExists, runToEnd, say } from './common.js';
import { type Dataset, datasetSimulation } from './dataset.js';

export interface ClientCeiling {
  readonly messages: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly mbPerSecond: number;
}

/**
 * The kafkajs client ceiling: a consumer group that only counts messages and bytes (eachBatch, large
 * fetches, no decoding, no commits). Timed from the first batch to the last message, so the group join
 * is not counted (as ConsumerPerformance's fetch rate does not count it).
 */
export async function measureClientCeiling(
  kafka: Kafka,
  topic: string,
  messages: number,
): Promise<ClientCeiling> {
  const consumer = kafka.consumer({
    groupId: `bench.ceiling.${Date.now().toString(36)}`,
    maxBytesPerPartition: 16 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    minBytes: 1,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let count = 0;
  let bytes = 0;
  let first = 0;
  let last = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      // Resolving the batch's offsets is bookkeeping in memory; without it kafkajs fetches some again.
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        for (const message of batch.messages) bytes += message.value?.length ?? 0;
        count += batch.messages.length;
        if (count >= messages) {
          last = performance.now();
          resolve();
        }
      },
    });
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 180_000);
  });
  await Promise.race([done, timeout]);
  // A pending timer would keep the process alive for minutes after a short run.
  clearTimeout(timer);
  if (last === 0) last = performance.now();
  await consumer.disconnect();
  const seconds = (last - first) / 1000;
  return {
    messages: count,
    seconds,
    eventsPerSecond: count / seconds,
    mbPerSecond: bytes / 1024 / 1024 / seconds,
  };
}

export interface BrokerCeiling {
  readonly messages: number;
  readonly eventsPerSecond: number | null;
  readonly mbPerSecond: number | null;
  readonly note: string;
}

/** Kafka's own JVM consumer (ConsumerPerformance from the broker's jars): fetch rate, rebalance excluded. */
export async function measureBrokerCeiling(
  brokers: string[],
  topic: string,
  messages: number,
): Promise<BrokerCeiling> {
  const libs = join(process.env.AIOPS_STACK_DIR ?? join(REPO_ROOT, '.aiops'), 'kafka', 'libs');
  if (!fileExists(libs)) {
    return { messages: 0, eventsPerSecond: null, mbPerSecond: null, note: `no Kafka jars in ${libs}` };
  }
  const args = [
    '-Xmx512m',
    '-cp',
    `${libs}/*`,
    'org.apache.kafka.tools.ConsumerPerformance',
    '--bootstrap-server',
    brokers.join(','),
    '--topic',
    topic,
    '--messages',
    String(messages),
    '--timeout',
    '60000',
  ];
  const output = await runToEnd('java', args);
  // Header: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
  // rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const lines = output.out.trim().split('\n');
  const header = lines.findIndex((l) => l.includes('nMsg.sec'));
  const values = header >= 0 ? lines[header + 1]?.split(',').map((v) => v.trim()) : undefined;
  const names = header >= 0 ? lines[header]!.split(',').map((v) => v.trim()) : [];
  if (output.code !== 0 || values === undefined) {
    return {
      messages: 0,
      eventsPerSecond: null,
      mbPerSecond: null,
      note: `ConsumerPerformance failed (${output.code}): ${output.errTail.trim().split('\n').slice(-3).join(' ')}`,
    };
  }
  const field = (name: string) => Number(values[names.indexOf(name)]);
  return {
    messages: field('data.consumed.in.nMsg'),
    eventsPerSecond: field('fetch.nMsg.sec'),
    mbPerSecond: field('fetch.MB.sec'),
    note: 'ConsumerPerformance fetch.nMsg.sec (group join excluded)',
  };
}

export interface SinkCeiling {
  readonly rows: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  readonly batchRows: number;
}

const SINK_BATCH = 100_000;

/**
 * The ClickHouse sink ceiling: the dataset's events as `events` rows (eventToRow, the writer's own row
 * mapping), inserted with @clickhouse/client in batches of 100 000 rows (JSONEachRow, as the writer
 * does), one insert at a time. Only the inserts are timed (building the rows is not).
 */
export async function measureSinkCeiling(
  clickhouseUrl: string,
  database: string,
  dataset: Dataset,
  rows: number,
): Promise<SinkCeiling> {
  const client = createClickHouseClient({
    url: clickhouseUrl,
    username: 'default',
    password: '',
    database,
    requestTimeoutMs: 300_000,
    maxOpenConnections: 2,
    application: 'aiops-bench',
  } as never);
  const executor = clickhouseExecutor(client);
  try {
    await migrate(executor, { dir: join(REPO_ROOT, 'schemas', 'clickhouse', 'migrations'), database });
    const simulation = datasetSimulation(dataset.seed, dataset.startMs, dataset.events);
    let batch: Record<string, unknown>[] = [];
    let inserted = 0;
    let insertMs = 0;
    const now = Date.now();
    const insert = async () => {
      const started = performance.now();
      await client.insert({ table: `${database}.${TABLES.events}`, values: batch, format: 'JSONEachRow' });
      insertMs += performance.now() - started;
      inserted += batch.length;
      batch = [];
    };
    for (const event of simulation.events()) {
      batch.push(eventToRow(event, now));
      if (batch.length >= SINK_BATCH) await insert();
      if (inserted + batch.length >= rows) break;
    }
    if (batch.length > 0) await insert();
    say(
      `sink ceiling: ${inserted.toLocaleString('en-US')} rows in ${(insertMs / 1000).toFixed(1)} s of inserts`,
    );
    return {
      rows: inserted,
      seconds: insertMs / 1000,
      rowsPerSecond: inserted / (insertMs / 1000),
      batchRows: SINK_BATCH,
    };
  } finally {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await client.close();
  }
}
