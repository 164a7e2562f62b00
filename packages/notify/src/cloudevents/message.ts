import type { Notification } from '@aiops/incidents';
import { isoTime } from '../receiver.js';

export interface CloudEventsTarget {
  readonly source: string;
  readonly type_prefix: string;
}

/** A Kafka record: key, value and string headers (kafkajs' Message accepts this shape). */
export interface CloudEventRecord {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * Binary content mode (CloudEvents Kafka protocol binding §3.2): the data is the record value as is, its
 * media type is the `content-type` header, every other attribute is a `ce_` header. The key is the
 * incident id (the binding's `partitionkey`), so one incident's events stay in order on one partition.
 */
export function cloudEventRecord(notification: Notification, target: CloudEventsTarget): CloudEventRecord {
  const { incident } = notification;
  return {
    key: incident.incident_id,
    value: JSON.stringify({
      notification_id: notification.notification_id,
      receiver: notification.receiver,
      kind: notification.kind,
      status: notification.status,
      group_key: notification.group_key,
      incident,
      alerts: notification.alerts,
    }),
    headers: {
      ce_specversion: '1.0',
      ce_id: notification.notification_id,
      ce_source: target.source,
      ce_type: `${target.type_prefix}.${notification.kind}`,
      ce_time: isoTime(notification.at),
      ce_subject: incident.incident_id,
      'content-type': 'application/json',
    },
  };
}
