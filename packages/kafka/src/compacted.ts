import type { Kafka } from 'kafkajs';

/**
 * Reads a (compacted) state topic from its start to the end it had when called, handing every record to
 * `onRecord` in partition order (a later record of a key replaces an earlier one; a null value is a
 * tombstone). kafkajs has no manual assignment, so a throw-away consumer group reads it; only committed
 * transactions are visible (read_committed), which keeps state written with offsets in step with them.
 */
export async function readCompactedTopic(
  kafka: Kafka,
  topic: string,
  onRecord: (key: string, value: Buffer | null) => void,
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

  const consumer = kafka.consumer({
    groupId: `aiops-state-reader-${process.pid}-${Date.now()}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading ${topic} took longer than ${timeoutMs} ms`)),
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
            for (const message of batch.messages) {
              const key = message.key?.toString('utf8');
              if (key !== undefined) onRecord(key, message.value);
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}
