import { fileURLToPath } from 'node:url';
import {
  ClickHouseSink,
  clickhouseExecutor,
  createClickHouseClient,
  DELIVERY_TABLES,
  incidentToRow,
  migrate,
  notificationToRow,
} from '@aiops/clickhouse';
import { alertCodec } from '@aiops/contract';
import { errorMessage } from '@aiops/core';
import {
  type Incident,
  type IncidentEngine,
  incidentActionSchema,
  type Notification,
  silenceSchema,
} from '@aiops/incidents';
import {
  type BatchHandler,
  type BatchOutcome,
  composeService,
  createKafka,
  createStreamRunner,
  createTransactionQueue,
  deadLetter,
  decodeBatch,
  ensureTopics,
  type InputBatch,
  type PipelineTopics,
  type RunningService,
  type TopicSpec,
} from '@aiops/kafka';
import {
  buildReceivers,
  type DeliveryOutcome,
  Dispatcher,
  deadLetterReason,
  deliveryDeadLetter,
  deliveryRecord,
  realDeliveryEnvironment,
} from '@aiops/notify';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import type { KafkaMessage, Message } from 'kafkajs';
import type { z } from 'zod';
import type { NotifierConfig } from './config.js';
import { notifierMetrics } from './metrics.js';
import { deliveryMessage, engineChangeMessage, loadState } from './state-store.js';

const SERVICE = 'notifier';

/** The topics of alert delivery (also created by the CLI's silence and incidents commands). */
export function notifierTopicSpecs(topics: PipelineTopics, partitions: number): TopicSpec[] {
  return [
    { topic: topics.silences, partitions: 1, config: { 'cleanup.policy': 'compact' } },
    { topic: topics.incidentActions, partitions },
    { topic: topics.deliveryDlq, partitions },
    { topic: topics.notifierState, partitions: 1, config: { 'cleanup.policy': 'compact' } },
  ];
}
const MIGRATIONS_DIR = fileURLToPath(new URL('../../../schemas/clickhouse/migrations', import.meta.url));

/** A silence or action record: JSON of its schema; anything else is dead-lettered with the reason. */
function parseJson<S extends z.ZodType>(schema: S, message: KafkaMessage): z.output<S> {
  const parsed = schema.safeParse(JSON.parse(message.value?.toString('utf8') ?? 'null'));
  if (!parsed.success)
    throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

/**
 * Builds and starts the notifier: alerts, silences and people's actions → the incident engine → receivers.
 *
 * One Kafka transaction per step holds the engine's changelog, the notifications the step made (the outbox)
 * and the consumed offsets; delivery starts once that is durable, and each notification's end (delivered,
 * or dead-lettered with the reason) is another transaction that removes it from the outbox. A restart
 * restores the engine and re-delivers only what was still in the outbox, so no notification is lost, and
 * none is repeated unless the process died between a receiver's 2xx and that transaction (receivers get
 * a stable dedup key for that case: the notification id, and PagerDuty's dedup_key = incident id).
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
  await migrate(executor, { dir: MIGRATIONS_DIR, database });
  const sink = <T>(table: string, toRow: (item: T) => Record<string, unknown>) =>
    new ClickHouseSink<T>({ executor, database, table, toRow, settings: { maxBatchDelayMs: 200 } });
  const incidentRows = sink(DELIVERY_TABLES.incidents, (i: Incident) => incidentToRow(i, Date.now()));
  const notificationRows = sink(DELIVERY_TABLES.notifications, notificationToRow);

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

  const m = notifierMetrics(metrics.registry);
  const receivers = buildReceivers(routing.receivers, { producer: eventsProducer });
  for (const r of receivers) m.pending.set({ receiver: r.name }, 0);
  let engine: IncidentEngine | null = null;
  /** For `clock: event`: the engine clock after the last batch, and when (wall) that batch came. */
  let lastBatch = { clock: 0, wallMs: 0 };
  const transactions = createTransactionQueue(producer);

  /** Rows to ClickHouse are a record, not the delivery: a failed write is logged, never blocks a notification. */
  const record = (write: Promise<void>) =>
    write.catch((error) =>
      log.error({ err: errorMessage(error) }, 'could not write notifier rows to ClickHouse'),
    );

  interface Step {
    /** Outbox records (delivery/<id>): a notification handed to delivery, or its tombstone when finished. */
    readonly outbox?: readonly Message[];
    readonly deliveryDeadLetters?: readonly Message[];
    readonly inputDeadLetters?: readonly Message[];
    readonly offsets?: ReadonlyArray<{ topic: string; partition: number; offset: string }>;
  }

  /** Queues one transaction; the engine's changelog is taken now, in step with the offsets. */
  const commit = (step: Step): Promise<void> => {
    const state = [
      ...(engine?.takeChanges() ?? []).map((c) => engineChangeMessage(groupId, c)),
      ...(step.outbox ?? []),
    ];
    const changed = engine?.takeChangedIncidents() ?? [];
    if (changed.length > 0) record(incidentRows.write(changed));
    if (engine !== null) m.incidentsOpen.set(engine.incidents().filter((i) => i.status === 'firing').length);
    return transactions.publish({
      messages: [
        { topic: topics.notifierState, messages: state },
        { topic: topics.deliveryDlq, messages: step.deliveryDeadLetters ?? [] },
        { topic: topics.dlq, messages: step.inputDeadLetters ?? [] },
      ],
      offsets: (step.offsets ?? []).map((o) => ({ consumerGroupId: groupId, ...o })),
    });
  };

  const onOutcome = (outcome: DeliveryOutcome) => {
    const { notification: n, receiver } = outcome;
    m.pending.dec({ receiver });
    record(notificationRows.write([deliveryRecord(outcome)]));
    const context = {
      receiver,
      incident_id: n.incident.incident_id,
      kind: n.kind,
      attempts: outcome.attempts,
    };
    if (outcome.status === 'delivered') {
      m.sent.inc({ receiver });
      log.info(context, 'notification delivered');
    } else {
      const reason = deadLetterReason(outcome);
      m.failed.inc({ receiver, reason });
      metrics.deadLettered.inc({ service: SERVICE, reason });
      log.warn({ ...context, reason: outcome.reason }, 'notification dead-lettered');
    }
    const deliveryDeadLetters = outcome.status === 'delivered' ? [] : [deliveryDeadLetter(outcome, SERVICE)];
    commit({ outbox: [deliveryMessage(groupId, n, true)], deliveryDeadLetters }).catch((error) =>
      log.error({ err: errorMessage(error) }, 'could not record a delivery outcome'),
    );
  };

  const dispatcher = new Dispatcher(receivers, realDeliveryEnvironment, {
    onRetry: ({ receiver, attempt, delayMs, reason }) => {
      m.retried.inc({ receiver });
      log.info({ receiver, attempt, delay_ms: delayMs, reason }, 'delivery will be retried');
    },
    onOutcome,
  });
  const deliver = (notifications: readonly Notification[]) => {
    for (const n of notifications) {
      m.pending.inc({ receiver: n.receiver });
      void dispatcher.dispatch(n);
    }
  };

  /** Hands the step's notifications to delivery once they, the engine state and the offsets are durable. */
  const step = (notifications: Notification[], parts: Step): BatchOutcome => {
    const durable = commit({
      ...parts,
      outbox: notifications.map((n) => deliveryMessage(groupId, n, false)),
    });
    durable.then(
      () => deliver(notifications),
      () => undefined,
    );
    return { durable, commits: [] };
  };

  const consume = (batch: InputBatch, e: IncidentEngine, now: number): Message[] => {
    if (batch.topic === topics.alerts) {
      const decoded = decodeBatch(batch, (bytes) => alertCodec.decode(bytes), {
        service: SERVICE,
        metrics,
        nowMs: now,
      });
      for (const alert of decoded.items) e.observeAlert(alert);
      return decoded.deadLetters;
    }
    const deadLetters: Message[] = [];
    for (const message of batch.messages) {
      if (message.value === null) continue;
      try {
        if (batch.topic === topics.silences) e.putSilence(parseJson(silenceSchema, message));
        else {
          const result = e.applyAction(parseJson(incidentActionSchema, message));
          if ('error' in result)
            log.warn({ offset: message.offset, reason: result.error }, 'incident action not applied');
        }
      } catch (error) {
        const reason = batch.topic === topics.silences ? 'invalid_silence' : 'invalid_incident_action';
        log.warn(
          { topic: batch.topic, offset: message.offset, reason: errorMessage(error) },
          'malformed record dead-lettered',
        );
        metrics.deadLettered.inc({ service: SERVICE, reason });
        const source = { topic: batch.topic, partition: batch.partition, offset: message.offset };
        deadLetters.push(deadLetter(message, source, { reason, message: errorMessage(error) }, SERVICE, now));
      }
    }
    return deadLetters;
  };

  const handler: BatchHandler = {
    async onAssigned() {
      await transactions.settled();
      if (engine !== null) return; // same process: the in-memory engine is what the last transaction holds
      const restored = await loadState(kafka, topics.notifierState, groupId, routing);
      engine = restored.engine;
      lastBatch = { clock: engine.now(), wallMs: Date.now() };
      log.info(
        {
          records: restored.records,
          incidents: engine.incidents().length,
          redelivering: restored.pending.length,
        },
        'notifier state restored',
      );
      deliver(restored.pending);
    },
    async handleBatch(batch) {
      const e = engine;
      if (e === null) throw new Error('batch before assignment');
      const deadLetters = consume(batch, e, Date.now());
      // Event time only: a replay of the same records after a restart makes the same notifications.
      const notifications = e.advance(e.now());
      lastBatch = { clock: e.now(), wallMs: Date.now() };
      const next = String(Number(batch.messages[batch.messages.length - 1]!.offset) + 1);
      return step(notifications, {
        inputDeadLetters: deadLetters,
        offsets: [{ topic: batch.topic, partition: batch.partition, offset: next }],
      });
    },
    async onTick(wallNowMs) {
      if (engine === null) return undefined;
      // The wall clock moves group_wait / group_interval / repeat along when no alert arrives.
      const now = config.clock === 'wall' ? wallNowMs : lastBatch.clock + (wallNowMs - lastBatch.wallMs);
      const notifications = engine.advance(now);
      // A flush may change incidents without notifying (all muted): their state is committed all the same.
      return step(notifications, {});
    },
  };

  const runner = createStreamRunner({
    kafka,
    service: SERVICE,
    groupId,
    topics: [topics.alerts, topics.silences, topics.incidentActions],
    handler,
    logger: log,
    metrics,
    tickIntervalMs: config.tickIntervalMs,
    fromBeginning: true,
  });
  await runner.start();
  log.info(
    { routing: config.routingSource, receivers: dispatcher.receiverNames(), groupId },
    'notifier started',
  );
  return composeService(SERVICE, [runner], async () => {
    await transactions.settled();
    await Promise.allSettled([incidentRows.close(), notificationRows.close()]);
    await Promise.allSettled([producer.disconnect(), eventsProducer.disconnect(), client.close()]);
  });
}
