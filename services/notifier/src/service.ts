import { fileURLToPath } from 'node:url';
import {
  auditEntryToRow,
  ClickHouseSink,
  clickhouseExecutor,
  createClickHouseClient,
  DELIVERY_TABLES,
  incidentToRow,
  migrate,
  notificationToRow,
} from '@aiops/clickhouse';
import type { Incident } from '@aiops/incidents';
import {
  composeService,
  createKafka,
  createStreamRunner,
  createTransactionQueue,
  ensureTopics,
  type PipelineTopics,
  type RunningService,
  type TopicSpec,
} from '@aiops/kafka';
import {
  buildReceivers,
  createNotifierCore,
  loadState,
  notifierMetrics,
  realDeliveryEnvironment,
} from '@aiops/notify';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import type { NotifierConfig } from './config.js';

const SERVICE = 'notifier';

/** The topics of alert delivery (also created by the CLI's silence and incidents commands). */
export function notifierTopicSpecs(topics: PipelineTopics, partitions: number): TopicSpec[] {
  return [
    { topic: topics.silences, partitions: 1, config: { 'cleanup.policy': 'compact' } },
    { topic: topics.incidentActions, partitions },
    { topic: topics.deliveryDlq, partitions },
    { topic: topics.notifierState, partitions: 1, config: { 'cleanup.policy': 'compact' } },
    { topic: topics.audit, partitions: 1 },
  ];
}
const MIGRATIONS_DIR = fileURLToPath(new URL('../../../schemas/clickhouse/migrations', import.meta.url));

/**
 * Builds and starts the notifier: alerts, silences and people's actions → the incident engine
 * (`createNotifierCore` in @aiops/notify holds the logic) → receivers.
 *
 * One engine sees every alert partition (an incident groups series across them), so the notifier runs
 * as a single instance: its transactional id is the group id, and a second instance fences the first.
 */
export async function startNotifier(
  config: NotifierConfig,
  logger: Logger,
  metrics: PipelineMetrics,
): Promise<RunningService> {
  const log = logger.child({ component: SERVICE });
  const { topics, groupId, routing } = config;
  const kafka = createKafka(config.kafka, log);
  const eventTopics = routing.receivers.flatMap((r) => (r.type === 'cloudevents' ? [r.topic] : []));
  await ensureTopics(kafka, [
    ...notifierTopicSpecs(topics, config.partitions),
    { topic: topics.alerts, partitions: config.partitions },
    { topic: topics.dlq, partitions: config.partitions },
    ...eventTopics.map((topic) => ({ topic, partitions: config.partitions })),
  ]);
  const client = createClickHouseClient(config.clickhouse);
  const executor = clickhouseExecutor(client);
  const database = config.clickhouse.database;
  await migrate(executor, {
    dir: MIGRATIONS_DIR,
    database,
    ...(config.clickhouse.cluster === undefined ? {} : { cluster: config.clickhouse.cluster }),
  });
  const sink = <T>(table: string, toRow: (item: T) => Record<string, unknown>) =>
    new ClickHouseSink<T>({ executor, database, table, toRow, settings: { maxBatchDelayMs: 200 } });
  const incidentRows = sink(DELIVERY_TABLES.incidents, (i: Incident) => incidentToRow(i, Date.now()));
  const notificationRows = sink(DELIVERY_TABLES.notifications, notificationToRow);
  const auditRows = sink(DELIVERY_TABLES.auditLog, auditEntryToRow);

  const producer = kafka.producer({
    transactionalId: groupId,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  const eventsProducer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await Promise.all([producer.connect(), eventsProducer.connect()]);

  const transactions = createTransactionQueue(producer);
  const core = createNotifierCore({
    service: SERVICE,
    groupId,
    topics,
    clock: config.clock,
    transactions,
    restore: () => loadState(kafka, topics.notifierState, groupId, routing),
    receivers: buildReceivers(routing.receivers, { producer: eventsProducer }),
    deliveryEnvironment: realDeliveryEnvironment,
    incidentRows,
    notificationRows,
    auditRows,
    logger: log,
    metrics,
    notifierMetrics: notifierMetrics(metrics.registry),
  });
  const runner = createStreamRunner({
    kafka,
    service: SERVICE,
    groupId,
    topics: [topics.alerts, topics.silences, topics.incidentActions, topics.audit],
    handler: core.handler,
    logger: log,
    metrics,
    tickIntervalMs: config.tickIntervalMs,
    fromBeginning: true,
  });
  await runner.start();
  log.info({ routing: config.routingSource, receivers: core.receiverNames(), groupId }, 'notifier started');
  return composeService(SERVICE, [runner], async () => {
    await transactions.settled();
    await Promise.allSettled([incidentRows.close(), notificationRows.close(), auditRows.close()]);
    await Promise.allSettled([producer.disconnect(), eventsProducer.disconnect(), client.close()]);
  });
}
