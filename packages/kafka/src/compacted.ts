import { gunzipSync, gzipSync } from 'node:zlib';
import type { Kafka, KafkaMessage, Message } from 'kafkajs';

/**
 * Reads `topic` from its start to the end it had when called, handing every record below that end to
 * `onMessage` in partition order. kafkajs has no manual assignment, so a throw-away consumer group reads
 * it; only committed transactions are visible (read_committed), as every downstream reader sees them.
 */
export async function readTopicToEnd(
  kafka: Kafka,
  topic: string,
  onMessage: (message: KafkaMessage, partition: number) => void,
  timeoutMs = 60_000,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map<number, number>();
  for (const end of ends)
    if (Number(end.high) > Number(end.low)) remaining.set(end.partition, Number(end.high));
  if (remaining.size === 0) return;
  const limits = new Map(remaining);
  /** Per partition, the offset after the last record handed over. */
  const delivered = new Map<number, number>();
  let read = 0;

  const consumer = kafka.consumer({
    groupId: `aiops-topic-reader-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading ${topic} took longer than ${timeoutMs} ms (${read} records read)`)),
        timeoutMs,
      );
      // END_BATCH_PROCESS fires for every fetched batch, also those holding only transaction markers,
      // so it is where "this partition is read to its end" can be seen.
      consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
        const high = remaining.get(event.payload.partition);
        if (high !== undefined && Number(event.payload.lastOffset) >= high - 1)
          remaining.delete(event.payload.partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const high = limits.get(batch.partition) ?? 0;
            for (const message of batch.messages) {
              const offset = Number(message.offset);
              // A rebalance of the reader's own group (a coordinator moving, a session timing out under
              // load) restarts the partition from the beginning, as nothing is committed: each record is
              // handed over once, by offset, whatever is fetched twice.
              if (offset >= high || offset < (delivered.get(batch.partition) ?? 0)) continue;
              delivered.set(batch.partition, offset + 1);
              read++;
              onMessage(message, batch.partition);
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Records a read_committed reader gets from a topic read to its end. On a topic written in transactions,
 * offsets overcount: each commit marker, and each record of an aborted transaction, takes one.
 */
export async function countTopicRecords(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<number> {
  let records = 0;
  await readTopicToEnd(kafka, topic, () => records++, timeoutMs);
  return records;
}

/**
 * Reads a (compacted) state topic to its current end, handing every keyed record to `onRecord` in
 * partition order (a later record of a key replaces an earlier one; a null value is a tombstone).
 */
export async function readCompactedTopic(
  kafka: Kafka,
  topic: string,
  onRecord: (key: string, value: Buffer | null) => void,
  timeoutMs = 60_000,
): Promise<void> {
  await readTopicToEnd(
    kafka,
    topic,
    (message) => {
      const key = message.key?.toString('utf8');
      if (key !== undefined) onRecord(key, message.value);
    },
    timeoutMs,
  );
}

/** One key of a processor's changelog (its state store): the latest value, null when the key is gone. */
export interface KeyedChangelogEntry<V> {
  readonly key: string;
  readonly value: V | null;
}

/**
 * A processor's changelog record on a compacted topic (the agent and prompt monitors): key
 * `<groupId>/<state key>`, value gzipped JSON, null for a key that is gone.
 */
export function changelogMessage<V>(groupId: string, entry: KeyedChangelogEntry<V>): Message {
  return {
    key: `${groupId}/${entry.key}`,
    value: entry.value === null ? null : gzipSync(JSON.stringify(entry.value)),
  };
}

/** Reads a group's changelog to its end: the latest value of every key that is still there. */
export async function loadChangelog<V>(
  kafka: Kafka,
  topic: string,
  groupId: string,
): Promise<{ key: string; value: V }[]> {
  const prefix = `${groupId}/`;
  const latest = new Map<string, Buffer | null>();
  await readCompactedTopic(kafka, topic, (key, value) => {
    if (key.startsWith(prefix)) latest.set(key.slice(prefix.length), value);
  });
  const entries: { key: string; value: V }[] = [];
  for (const [key, value] of latest) {
    if (value !== null) entries.push({ key, value: JSON.parse(gunzipSync(value).toString('utf8')) as V });
  }
  return entries;
}
