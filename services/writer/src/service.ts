import { fileURLToPath } from 'node:url';
import {
  alertToRow,
  ClickHouseSink,
  clickhouseExecutor,
  createClickHouseClient,
  eventToRow,
  migrate,
  TABLES,
  windowAggregateToRow,
} from '@aiops/clickhouse';
import { alertCodec, eventCodec, type RecordCodec, type TelemetryEvent, windowCodec } from '@aiops/contract';
import { errorMessage } from '@aiops/core';
import {
  type BatchHandler,
  composeService,
  createKafka,
  createOutputProducer,
  createStreamRunner,
  deadLetter,
  decodeBatch,
  ensureTopics,
  type RunningService,
} from '@aiops/kafka';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import type { WriterConfig } from './config.js';
import { writeDurably } from './durable-write.js';

const SERVICE = 'writer';
const DEFAULT_MIGRATIONS_DIR = fileURLToPath(
  new URL('../../../schemas/clickhouse/migrations', import.meta.url),
);

interface Route<T> {
  readonly codec: RecordCodec<T>;
  readonly sink: ClickHouseSink<T>;
}

/** Builds and starts the warehouse writer: events, windows and alerts topics → ClickHouse tables. */
export async function startWriter(
  config: WriterConfig,
  logger: Logger,
  metrics: PipelineMetrics,
): Promise<RunningService> {
  const log = logger.child({ component: SERVICE });
  const client = createClickHouseClient(config.clickhouse);
  const executor = clickhouseExecutor(client);
  const database = config.clickhouse.database;
  if (config.migrateOnStart) {
    const result = await migrate(executor, { dir: config.migrationsDir ?? DEFAULT_MIGRATIONS_DIR, database });
    log.info({ database, migrations: result.migrations.length }, 'ClickHouse schema up to date');
  }
  const listener = {
    onInserted: (info: { table: string; rows: number; durationMs: number }) => {
      metrics.insertedRows.inc({ service: SERVICE, table: info.table }, info.rows);
      metrics.insertLatency.observe({ service: SERVICE, table: info.table }, info.durationMs / 1000);
    },
  };
  const sinkFor = <T>(table: string, toRow: (item: T) => Record<string, unknown>, settings = config.sink) =>
    new ClickHouseSink<T>({ executor, database, table, toRow, settings, listener });
  // Windows and alerts are few rows but someone waits for them (dashboards, the close → row latency):
  // they are flushed sooner than raw events, still only a handful of inserts per second.
  const smallTable = {
    ...config.sink,
    maxBatchDelayMs: Math.min(config.sink.maxBatchDelayMs, config.smallTableBatchDelayMs),
  };

  const { topics } = config;
  const routes = new Map<string, Route<unknown>>();
  if (config.tables.includes('events')) {
    routes.set(topics.events, {
      codec: eventCodec,
      sink: sinkFor(TABLES.events, (e: TelemetryEvent) => eventToRow(e, Date.now())),
    } as Route<unknown>);
  }
  if (config.tables.includes('windows')) {
    routes.set(topics.windows, {
      codec: windowCodec,
      sink: sinkFor(TABLES.windowAggregates, windowAggregateToRow, smallTable),
    } as Route<unknown>);
  }
  if (config.tables.includes('alerts')) {
    routes.set(topics.alerts, {
      codec: alertCodec,
      sink: sinkFor(TABLES.alerts, alertToRow, smallTable),
    } as Route<unknown>);
  }

  const kafka = createKafka(config.kafka, log);
  await ensureTopics(kafka, [
    ...[...routes.keys()].map((topic) => ({ topic, partitions: config.partitions })),
    { topic: topics.dlq, partitions: config.partitions },
  ]);
  const producer = createOutputProducer(kafka);
  await producer.connect();

  const handler: BatchHandler = {
    async handleBatch(batch, heartbeat) {
      const route = routes.get(batch.topic)!;
      // Backpressure: while ClickHouse lags, wait here (heartbeating) instead of buffering more rows.
      if (route.sink.isSaturated()) {
        // Fetching stops while this handler waits: say so where operators look (aiops_consumer_paused).
        metrics.paused.set({ service: SERVICE }, 1);
        while (route.sink.isSaturated()) {
          await Promise.race([route.sink.whenWritable(), new Promise((r) => setTimeout(r, 2000))]);
          await heartbeat();
        }
        metrics.paused.set({ service: SERVICE }, 0);
      }
      const { items, origins, deadLetters } = decodeBatch(
        batch,
        (bytes) => route.codec.decodeTrusted(bytes),
        {
          service: SERVICE,
          metrics,
          nowMs: Date.now(),
        },
      );
      const durable = (async () => {
        const refused = await writeDurably(route.sink, items, log, config.outageRetryDelayMs);
        for (const r of refused) {
          const message = origins[items.indexOf(r.item)]!;
          metrics.deadLettered.inc({ service: SERVICE, reason: 'clickhouse_rejected' });
          deadLetters.push(
            deadLetter(
              message,
              { topic: batch.topic, partition: batch.partition, offset: message.offset },
              { reason: 'clickhouse_rejected', message: errorMessage(r.error) },
              SERVICE,
              Date.now(),
            ),
          );
        }
        await producer.send([{ topic: topics.dlq, messages: deadLetters }]);
      })();
      return { durable };
    },
    async flush() {
      await Promise.all([...routes.values()].map((r) => r.sink.flush()));
      return undefined;
    },
  };

  const runner = createStreamRunner({
    kafka,
    service: SERVICE,
    groupId: config.groupId,
    topics: [...routes.keys()],
    handler,
    logger: log,
    metrics,
    maxInFlightBatches: 64,
  });
  await runner.start();
  log.info({ topics: [...routes.keys()], database, groupId: config.groupId }, 'writer started');
  return composeService(SERVICE, [runner], async () => {
    await Promise.all([...routes.values()].map((r) => r.sink.close()));
    await producer.disconnect();
    await client.close();
  });
}
