import {
  type IncidentChange,
  IncidentEngine,
  type IncidentsConfig,
  type Notification,
  notificationSchema,
} from '@aiops/incidents';
import { readCompactedTopic } from '@aiops/kafka';
import type { Kafka, Message } from 'kafkajs';

/**
 * The notifier's state on its compacted topic, one record per key (a changelog, not one snapshot):
 * - `<group>/engine/<engine key>`: the incident engine's changelog entries (groups, resolved incidents,
 *   silences, clock); a tombstone when the engine dropped the key;
 * - `<group>/delivery/<notification id>`: a notification handed to delivery and not finished yet (the
 *   outbox); a tombstone once it was delivered or dead-lettered.
 * Every record goes out in the same Kafka transaction as the offsets it stands for.
 */
const ENGINE = 'engine';
const DELIVERY = 'delivery';

export function engineChangeMessage(groupId: string, change: IncidentChange): Message {
  return {
    key: `${groupId}/${ENGINE}/${change.key}`,
    value: change.value === null ? null : JSON.stringify(change),
  };
}

export function deliveryMessage(groupId: string, notification: Notification, finished: boolean): Message {
  return {
    key: `${groupId}/${DELIVERY}/${notification.notification_id}`,
    value: finished ? null : JSON.stringify(notification),
  };
}

export interface RestoredState {
  readonly engine: IncidentEngine;
  /** Notifications that were being delivered when the previous instance stopped, in the order written. */
  readonly pending: Notification[];
  readonly records: number;
}

export async function loadState(
  kafka: Kafka,
  topic: string,
  groupId: string,
  config: IncidentsConfig,
): Promise<RestoredState> {
  const engineChanges = new Map<string, IncidentChange>();
  const pending = new Map<string, Notification>();
  const enginePrefix = `${groupId}/${ENGINE}/`;
  const deliveryPrefix = `${groupId}/${DELIVERY}/`;
  let records = 0;
  await readCompactedTopic(kafka, topic, (key, value) => {
    records += 1;
    if (key.startsWith(enginePrefix)) {
      if (value === null) engineChanges.delete(key);
      else engineChanges.set(key, JSON.parse(value.toString('utf8')) as IncidentChange);
    } else if (key.startsWith(deliveryPrefix)) {
      const id = key.slice(deliveryPrefix.length);
      // A re-sent notification keeps its first place: delivery order follows the order they were made.
      if (value === null) pending.delete(id);
      else if (!pending.has(id))
        pending.set(id, notificationSchema.parse(JSON.parse(value.toString('utf8'))));
    }
  });
  return {
    engine: IncidentEngine.fromChanges(config, engineChanges.values()),
    pending: [...pending.values()],
    records,
  };
}
