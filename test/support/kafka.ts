import { waitFor } from '@aiops/harness';
import { createKafka, kafkaConfigSchema } from '@aiops/kafka';
import { createLogger } from '@aiops/ops';
import type { KafkaMessage, Message } from 'kafkajs';
import kafkajs from 'kafkajs';
import { kafkaBrokers, uniqueName } from '../setup/endpoints.js';

const logger = createLogger({ service: 'it-kafka', level: 'warn' });

export function testKafka() {
  return createKafka(
    kafkaConfigSchema.parse({
      brokers: kafkaBrokers(),
      clientId: uniqueName('it'),
      connectionTimeoutMs: 5000,
      requestTimeoutMs: 30000,
    }),
    logger,
  );
}

/** Sends messages to explicit partitions (or by key), waiting for acks from the broker. */
export async function produce(topic: string, messages: Message[]): Promise<void> {
  const producer = testKafka().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 2000) {
      await producer.send({
        topic,
        messages: messages.slice(i, i + 2000),
        acks: -1,
        compression: kafkajs.CompressionTypes.None,
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Waits until consumer group `groupId` has committed the end of every partition of `topic`. */
export async function waitCaughtUp(groupId: string, topic: string, timeoutMs = 60_000): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await waitFor(
      async () => {
        const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
        const ends = await admin.fetchTopicOffsets(topic);
        const committed = offsets[0]!.partitions;
        return ends.every(
          (e) => e.high === '0' || committed.find((c) => c.partition === e.partition)?.offset === e.high,
        );
      },
      timeoutMs,
      `${groupId} caught up with ${topic}`,
    );
  } finally {
    await admin.disconnect();
  }
}

/** Reads a topic from the beginning until `done(messages)` holds (committed records only). */
export async function consumeUntil(
  topic: string,
  done: (messages: KafkaMessage[]) => boolean,
  timeoutMs = 60_000,
): Promise<KafkaMessage[]> {
  const consumer = testKafka().consumer({ groupId: uniqueName('it-reader'), maxWaitTimeInMs: 100 });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out reading ${topic}: ${messages.length} messages so far`)),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ message }) => {
            messages.push(message);
            if (done(messages)) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

export function header(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
