import { fileURLToPath } from 'node:url';
import { decodeTraceSummary, traceSummaryToRow } from '@aiops/agents';
import {
  alertToRow,
  ClickHouseSink,
  clickhouseExecutor,
  createClickHouseClient,
  eventToRow,
  migrate,
  REVIEW_TABLE,
  reviewItemToRow,
  type SinkListener,
  TABLES,
  windowAggregateToRow,
  windowTableOf,
} from '@aiops/clickhouse';
import {
  alertCodec,
  eventCodec,
  type RecordCodec,
  type TelemetryEvent,
  type WindowAggregate,
  windowCodec,
} from '@aiops/contract';
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
import { decodePromptVersionAggregate, promptVersionAggregateToRow } from '@aiops/prompts';
import { reviewItemCodec } from '@aiops/review';
import type { WriterConfig } from './config.js';
import { writeDurably } from './durable-write.js';

const SERVICE = 'writer';
const DEFAULT_MIGRATIONS_DIR = fileURLToPath(
  new URL('../../../schemas/clickhouse/migrations', import.meta.url),
);

interface Route<T> {
  readonly codec: Pick<RecordCodec<T>, 'decodeTrusted'>;
  readonly sink: ClickHouseSink<T>;
  /** When a topic feeds two tables: the sink of each item (default `sink`; windows and late corrections). */
  readonly sinkOf?: (item: T) => ClickHouseSink<T>;
  readonly otherSinks?: readonly ClickHouseSink<T>[];
  /** Topic config when the writer creates the topic (e.g. compaction). */
  readonly topicConfig?: Record<string, string>;
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
    const result = await migrate(executor, {
      dir: config.migrationsDir ?? DEFAULT_MIGRATIONS_DIR,
      database,
      ...(config.clickhouse.cluster === undefined ? {} : { cluster: config.clickhouse.cluster }),
    });
    log.info({ database, migrations: result.migrations.length }, 'ClickHouse schema up to date');
  }
  // Tables whose sink holds its rows because of an operator error, by reason: one error line per cause
  // (the first table it stops), not one per table or per retry.
  const blocked = new Map<string, string>();
  const listener: SinkListener = {
    onInserted: (info) => {
      metrics.insertedRows.inc({ service: SERVICE, table: info.table }, info.rows);
      metrics.insertLatency.observe({ service: SERVICE, table: info.table }, info.durationMs / 1000);
    },
    onBlocked: (info) => {
      const previous = blocked.get(info.table);
      if (previous !== undefined)
        metrics.sinkBlocked.set({ service: SERVICE, table: info.table, reason: previous }, 0);
      const known = [...blocked.values()].includes(info.reason);
      blocked.set(info.table, info.reason);
      metrics.sinkBlocked.set({ service: SERVICE, table: info.table, reason: info.reason }, 1);
      const fields = {
        table: info.table,
        reason: info.reason,
        code: info.code,
        retryEveryMs: info.retryDelayMs,
      };
      const message =
        'ClickHouse refuses every write until an operator fixes the cause; consumption paused, ' +
        'nothing dead-lettered or committed, retrying';
      if (known) log.warn(fields, message);
      else log.error({ ...fields, err: errorMessage(info.error).trim() }, message);
    },
    onResumed: (info) => {
      blocked.delete(info.table);
      metrics.sinkBlocked.set({ service: SERVICE, table: info.table, reason: info.reason }, 0);
      log.info(
        { table: info.table, reason: info.reason, blockedMs: info.blockedMs },
        'ClickHouse takes writes again; resumed',
      );
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
    const byTable = new Map(
      [TABLES.windowAggregates, TABLES.windowLateCorrections].map((table) => [
        table as string,
        sinkFor(table, windowAggregateToRow, smallTable),
      ]),
    );
    const [windows, corrections] = [...byTable.values()];
    routes.set(topics.windows, {
      codec: windowCodec,
      sink: windows,
      sinkOf: (w: WindowAggregate) => byTable.get(windowTableOf(w))!,
      otherSinks: [corrections],
    } as Route<unknown>);
  }
  if (config.tables.includes('traces')) {
    routes.set(topics.traces, {
      codec: { decodeTrusted: decodeTraceSummary },
      sink: sinkFor('traces', traceSummaryToRow, smallTable),
    } as Route<unknown>);
  }
  if (config.tables.includes('prompts')) {
    routes.set(topics.promptAggregates, {
      codec: { decodeTrusted: decodePromptVersionAggregate },
      sink: sinkFor('prompt_version_aggregates', promptVersionAggregateToRow, smallTable),
    } as Route<unknown>);
  }
  if (config.tables.includes('alerts')) {
    routes.set(topics.alerts, {
      codec: alertCodec,
      sink: sinkFor(TABLES.alerts, alertToRow, smallTable),
    } as Route<unknown>);
  }

  if (config.tables.includes('review')) {
    // Items (open) and resolutions (reviewed) land in one table; the latest state of an item wins.
    const review = {
      codec: { decodeTrusted: reviewItemCodec.decode },
      sink: sinkFor(REVIEW_TABLE, reviewItemToRow, smallTable),
    };
    routes.set(topics.review, review as Route<unknown>);
    routes.set(topics.reviewResolutions, {
      ...review,
      topicConfig: { 'cleanup.policy': 'compact' },
    } as Route<unknown>);
  }

  /** Each sink once (the review item and resolution topics share one). */
  const sinksOf = (route: Route<unknown>) => [route.sink, ...(route.otherSinks ?? [])];
  const sinks = [...new Set([...routes.values()].flatMap(sinksOf))];

  const kafka = createKafka(config.kafka, log);
  await ensureTopics(kafka, [
    ...[...routes].map(([topic, route]) => ({
      topic,
      partitions: config.partitions,
      ...(route.topicConfig ? { config: route.topicConfig } : {}),
    })),
    { topic: topics.dlq, partitions: config.partitions },
  ]);
  const producer = createOutputProducer(kafka);
  await producer.connect();

  let stopping = false;
  const writeOptions = {
    logger: log,
    outageRetryDelayMs: config.outageRetryDelayMs,
    stopping: () => stopping,
  };
  const handler: BatchHandler = {
    async handleBatch(batch, heartbeat) {
      const route = routes.get(batch.topic)!;
      // Backpressure: while ClickHouse lags, wait here (heartbeating) instead of buffering more rows.
      const saturated = () => sinksOf(route).find((sink) => sink.isSaturated());
      if (saturated()) {
        // Fetching stops while this handler waits: say so where operators look (aiops_consumer_paused).
        metrics.paused.set({ service: SERVICE }, 1);
        for (let sink = saturated(); sink !== undefined && !stopping; sink = saturated()) {
          await Promise.race([sink.whenWritable(), new Promise((r) => setTimeout(r, 2000))]);
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
        const bySink = new Map<ClickHouseSink<unknown>, unknown[]>();
        for (const item of items) {
          const sink = route.sinkOf?.(item) ?? route.sink;
          const list = bySink.get(sink);
          if (list === undefined) bySink.set(sink, [item]);
          else list.push(item);
        }
        const refused = (
          await Promise.all([...bySink].map(([sink, part]) => writeDurably(sink, part, writeOptions)))
        ).flat();
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
      await Promise.all(sinks.map((sink) => sink.flush()));
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
  const service = composeService(SERVICE, [runner], async () => {
    await Promise.all(sinks.map((sink) => sink.close()));
    await producer.disconnect();
    await client.close();
  });
  return {
    ...service,
    // Not ready while a table's rows wait for an operator: /readyz says so next to the log and metric.
    isReady: () => service.isReady() && blocked.size === 0,
    stop(deadlineMs) {
      // A blocked write gives up instead of holding the shutdown: its offsets stay uncommitted.
      stopping = true;
      for (const sink of sinks) sink.stopRetrying();
      return service.stop(deadlineMs);
    },
  };
}
