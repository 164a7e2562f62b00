import type { AuditEntry, NotificationRecord } from '@aiops/clickhouse';
import { alertCodec, auditRecordSchema } from '@aiops/contract';
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
  deadLetter,
  decodeBatch,
  type InputBatch,
  type PipelineTopics,
  type TransactionQueue,
} from '@aiops/kafka';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import type { KafkaMessage, Message } from 'kafkajs';
import type { z } from 'zod';
import { type DeliveryEnvironment, type DeliveryOutcome, Dispatcher } from './delivery.js';
import type { NotifierMetrics } from './metrics.js';
import { deadLetterReason, deliveryDeadLetter, deliveryRecord } from './outcome.js';
import type { Receiver } from './receiver.js';
import { deliveryMessage, engineChangeMessage, type RestoredState } from './state-store.js';

export type NotifierTopics = Pick<
  PipelineTopics,
  'alerts' | 'silences' | 'incidentActions' | 'audit' | 'notifierState' | 'deliveryDlq' | 'dlq'
>;

/** Where the notifier's rows go; a ClickHouseSink fits. */
export interface RowWriter<T> {
  write(items: T[]): Promise<void>;
}

export interface NotifierCoreOptions {
  readonly service: string;
  /** The consumer group, the transactional id and the prefix of the state records. */
  readonly groupId: string;
  readonly topics: NotifierTopics;
  /** What a tick moves the engine clock to: the wall clock, or the event clock carried on by wall time. */
  readonly clock: 'wall' | 'event';
  readonly transactions: TransactionQueue;
  /** Reads the engine and the outbox back from the state topic (after a restart). */
  readonly restore: () => Promise<RestoredState>;
  readonly receivers: readonly Receiver[];
  readonly deliveryEnvironment: DeliveryEnvironment;
  readonly incidentRows: RowWriter<Incident>;
  readonly notificationRows: RowWriter<NotificationRecord>;
  /** audit_log: records from the audit topic are written before their offsets are committed. */
  readonly auditRows: RowWriter<AuditEntry>;
  readonly logger: Logger;
  readonly metrics: PipelineMetrics;
  readonly notifierMetrics: NotifierMetrics;
  /** The wall clock (ms); injectable for tests. */
  readonly wallClock?: () => number;
}

export interface NotifierCore {
  /** The stream runner's handler over the alerts, silences, incident-actions and audit topics. */
  readonly handler: BatchHandler;
  receiverNames(): string[];
}

/** A silence or action record: JSON of its schema; anything else throws the reason. */
function parseJson<S extends z.ZodType>(schema: S, message: KafkaMessage): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(message.value?.toString('utf8') ?? 'null');
  } catch (error) {
    throw new Error(`not JSON: ${errorMessage(error)}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

interface Step {
  /** Outbox records (delivery/<id>): a notification handed to delivery, or its tombstone when finished. */
  readonly outbox?: readonly Message[];
  readonly deliveryDeadLetters?: readonly Message[];
  readonly inputDeadLetters?: readonly Message[];
  readonly offsets?: ReadonlyArray<{ topic: string; partition: number; offset: string }>;
}

/**
 * The notifier's logic between its topics and its receivers: alerts, silences and people's actions → the
 * incident engine → delivery.
 *
 * One Kafka transaction per step holds the engine's changelog, the notifications the step made (the outbox)
 * and the consumed offsets; delivery starts once that is durable, and each notification's end (delivered,
 * or dead-lettered with the reason) is another transaction that removes it from the outbox. A restart
 * restores the engine and re-delivers only what was still in the outbox, so no notification is lost, and
 * none is repeated unless the process died between a receiver's 2xx and that transaction (receivers get
 * a stable dedup key for that case: the notification id, and PagerDuty's dedup_key = incident id).
 * A step with nothing to make durable publishes no transaction (the queue skips empty work).
 */
export function createNotifierCore(options: NotifierCoreOptions): NotifierCore {
  const { service, groupId, topics, transactions, metrics } = options;
  const log = options.logger;
  const m = options.notifierMetrics;
  const wallClock = options.wallClock ?? Date.now;
  for (const r of options.receivers) m.pending.set({ receiver: r.name }, 0);
  let engine: IncidentEngine | null = null;
  /** For `clock: event`: the engine clock after the last batch, and when (wall) that batch came. */
  let lastBatch = { clock: 0, wallMs: 0 };

  /** Rows to ClickHouse are a record, not the delivery: a failed write is logged, never blocks a notification. */
  const record = (write: Promise<void>) =>
    write.catch((error) =>
      log.error({ err: errorMessage(error) }, 'could not write notifier rows to ClickHouse'),
    );

  /** Queues one transaction; the engine's changelog is taken now, in step with the offsets. */
  const commit = (step: Step): Promise<void> => {
    const state = [
      ...(engine?.takeChanges() ?? []).map((c) => engineChangeMessage(groupId, c)),
      ...(step.outbox ?? []),
    ];
    const changed = engine?.takeChangedIncidents() ?? [];
    if (changed.length > 0) record(options.incidentRows.write(changed));
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
    record(options.notificationRows.write([deliveryRecord(outcome)]));
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
      metrics.deadLettered.inc({ service, reason });
      log.warn({ ...context, reason: outcome.reason }, 'notification dead-lettered');
    }
    const deliveryDeadLetters = outcome.status === 'delivered' ? [] : [deliveryDeadLetter(outcome, service)];
    commit({ outbox: [deliveryMessage(groupId, n, true)], deliveryDeadLetters }).catch((error) =>
      log.error({ err: errorMessage(error) }, 'could not record a delivery outcome'),
    );
  };

  const dispatcher = new Dispatcher(options.receivers, options.deliveryEnvironment, {
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

  /** Records that are not the engine's input: audit records of other services, for audit_log. */
  const INVALID: Record<string, string> = {
    [topics.silences]: 'invalid_silence',
    [topics.incidentActions]: 'invalid_incident_action',
    [topics.audit]: 'invalid_audit_record',
  };

  /**
   * Feeds a batch to the engine (or collects its audit records); returns the dead letters of the records
   * it could not read.
   */
  const consume = (batch: InputBatch, e: IncidentEngine, audit: AuditEntry[], now: number): Message[] => {
    if (batch.topic === topics.alerts) {
      const decoded = decodeBatch(batch, (bytes) => alertCodec.decode(bytes), {
        service,
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
        else if (batch.topic === topics.audit) audit.push(parseJson(auditRecordSchema, message));
        else {
          const result = e.applyAction(parseJson(incidentActionSchema, message));
          if ('error' in result)
            log.warn({ offset: message.offset, reason: result.error }, 'incident action not applied');
        }
      } catch (error) {
        const reason = INVALID[batch.topic] ?? 'invalid_record';
        log.warn(
          { topic: batch.topic, offset: message.offset, reason: errorMessage(error) },
          'malformed record dead-lettered',
        );
        metrics.deadLettered.inc({ service, reason });
        const source = { topic: batch.topic, partition: batch.partition, offset: message.offset };
        deadLetters.push(deadLetter(message, source, { reason, message: errorMessage(error) }, service, now));
      }
    }
    return deadLetters;
  };

  const handler: BatchHandler = {
    async onAssigned() {
      await transactions.settled();
      if (engine !== null) return; // same process: the in-memory engine is what the last transaction holds
      const restored = await options.restore();
      engine = restored.engine;
      lastBatch = { clock: engine.now(), wallMs: wallClock() };
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
      const audit: AuditEntry[] = [];
      const deadLetters = consume(batch, e, audit, wallClock());
      // The trail is not a best-effort record: stored before the offset moves past it (at least once).
      if (audit.length > 0) await options.auditRows.write(audit);
      // Event time only: a replay of the same records after a restart makes the same notifications.
      const notifications = e.advance(e.now());
      lastBatch = { clock: e.now(), wallMs: wallClock() };
      const next = batch.nextOffset;
      return step(notifications, {
        inputDeadLetters: deadLetters,
        offsets: [{ topic: batch.topic, partition: batch.partition, offset: next }],
      });
    },
    async onTick(wallNowMs) {
      if (engine === null) return undefined;
      // The wall clock moves group_wait / group_interval / repeat along when no alert arrives.
      const now = options.clock === 'wall' ? wallNowMs : lastBatch.clock + (wallNowMs - lastBatch.wallMs);
      const notifications = engine.advance(now);
      // A flush may change incidents without notifying (all muted, a silent resolve, retention drops):
      // its changelog and incident rows are committed all the same; nothing changed, no transaction.
      return step(notifications, {});
    },
  };

  return { handler, receiverNames: () => dispatcher.receiverNames() };
}
