import type { NotificationRecord } from '@aiops/clickhouse';
import { DLQ_HEADERS } from '@aiops/kafka';
import type { Message } from 'kafkajs';
import type { DeliveryOutcome } from './delivery.js';

const MAX_REASON_CHARS = 1000;

/** The dead-letter reason of a notification: `delivery_refused` (4xx) or `delivery_timeout`. */
export function deadLetterReason(outcome: DeliveryOutcome): 'delivery_refused' | 'delivery_timeout' {
  return outcome.failure === 'refused' ? 'delivery_refused' : 'delivery_timeout';
}

/** The `notifications` row of a finished delivery. */
export function deliveryRecord(outcome: DeliveryOutcome): NotificationRecord {
  const n = outcome.notification;
  return {
    notification_id: n.notification_id,
    incident_id: n.incident.incident_id,
    receiver: outcome.receiver,
    kind: n.kind,
    status: n.status,
    outcome: outcome.status,
    attempts: outcome.attempts,
    error: outcome.reason,
    notified_at: n.at,
    sent_at: outcome.finishedAt,
  };
}

/**
 * The delivery dead letter: the notification as JSON, keyed by incident id, with the pipeline's DLQ
 * headers (reason, message, service, failed_at) plus the receiver and the number of attempts.
 */
export function deliveryDeadLetter(outcome: DeliveryOutcome, service: string): Message {
  const n = outcome.notification;
  return {
    key: n.incident.incident_id,
    value: JSON.stringify(n),
    headers: {
      [DLQ_HEADERS.reason]: deadLetterReason(outcome),
      [DLQ_HEADERS.message]: (outcome.reason ?? '').slice(0, MAX_REASON_CHARS),
      [DLQ_HEADERS.service]: service,
      [DLQ_HEADERS.failedAt]: String(outcome.finishedAt),
      'aiops.dlq.receiver': outcome.receiver,
      'aiops.dlq.attempts': String(outcome.attempts),
    },
  };
}
