import { readTopicToEnd } from '@aiops/kafka';
import type { Admin, Kafka, KafkaMessage, Message } from 'kafkajs';
import kafkajs from 'kafkajs';

/** Plain kafkajs clients for the harness: producing the stream, reading outputs, measuring lag. */

const { Kafka: KafkaClient, logLevel, CompressionTypes } = kafkajs;

export function harnessKafka(brokers: string, clientId: string): Kafka {
  return new KafkaClient({
    clientId,
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    requestTimeout: 30_000,
    // The harness outlives a broker outage by retrying for about a minute.
    retry: { retries: 12, initialRetryTime: 300, maxRetryTime: 8000 },
  });
}

/**
 * Creates a topic and waits until every partition has a leader. kafkajs' own `waitForLeaders` gives up
 * when the broker answers UNKNOWN_TOPIC_OR_PARTITION for a topic the controller just created (KRaft
 * applies it to the broker's metadata a moment later), so the wait is done here, with retries.
 */
export async function createTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: false, topics: [{ topic, numPartitions: partitions }] });
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
        const found = metadata.topics[0]?.partitions ?? [];
        if (found.length === partitions && found.every((p) => p.leader >= 0)) return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline) throw new Error(`topic ${topic} has no leaders after 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await admin.disconnect();
  }
}

/** Sends in order, in batches, every batch acknowledged by the broker before the next (idempotent producer). */
export async function produceAll(kafka: Kafka, topic: string, messages: readonly Message[]): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 2000) {
      await producer.send({
        topic,
        messages: messages.slice(i, i + 2000) as Message[],
        acks: -1,
        compression: CompressionTypes.None,
      });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface GroupPosition {
  /** Sum over partitions of the committed offsets (a partition without one counts its low offset). */
  readonly committed: number;
  /** Sum of the high watermarks. */
  readonly high: number;
  readonly lag: number;
}

/** Where a consumer group stands on a topic, summed over partitions. */
export async function groupPosition(admin: Admin, groupId: string, topic: string): Promise<GroupPosition> {
  const [offsets, ends] = await Promise.all([
    admin.fetchOffsets({ groupId, topics: [topic] }),
    admin.fetchTopicOffsets(topic),
  ]);
  const committedByPartition = new Map<number, number>();
  for (const entry of offsets) {
    for (const p of entry.partitions) committedByPartition.set(p.partition, Number(p.offset));
  }
  let committed = 0;
  let high = 0;
  for (const end of ends) {
    const c = committedByPartition.get(end.partition) ?? -1;
    committed += c < 0 ? Number(end.low) : c;
    high += Number(end.high);
  }
  return { committed, high, lag: high - committed };
}

/** High watermarks summed over partitions (how many offsets a topic holds, control records included). */
export async function topicEnd(admin: Admin, topic: string): Promise<number> {
  const ends = await admin.fetchTopicOffsets(topic);
  return ends.reduce((sum, end) => sum + Number(end.high), 0);
}

/** Every record of a topic up to its current end (committed transactions only), in partition order. */
export async function readTopic(kafka: Kafka, topic: string, timeoutMs = 120_000): Promise<KafkaMessage[]> {
  const messages: KafkaMessage[] = [];
  await readTopicToEnd(kafka, topic, (message) => messages.push(message), timeoutMs);
  return messages;
}
