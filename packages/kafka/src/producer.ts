import type { Kafka, Message, Producer } from 'kafkajs';
import kafkajs from 'kafkajs';

const { CompressionTypes } = kafkajs;

export type Compression = 'none' | 'gzip';

export interface OutputMessages {
  topic: string;
  messages: Message[];
}

export interface OutputProducer {
  connect(): Promise<void>;
  /** Resolves when every message is acknowledged by all in-sync replicas. */
  send(batches: readonly OutputMessages[]): Promise<void>;
  disconnect(): Promise<void>;
  readonly raw: Producer;
}

/** An idempotent producer (no duplicates from its own retries) with acks from all in-sync replicas. */
export function createOutputProducer(
  kafka: Kafka,
  options: { compression?: Compression; transactionalId?: string } = {},
): OutputProducer {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    ...(options.transactionalId ? { transactionalId: options.transactionalId } : {}),
  });
  const compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  return {
    raw: producer,
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    async send(batches) {
      const topicMessages = batches.filter((b) => b.messages.length > 0);
      if (topicMessages.length === 0) return;
      await producer.sendBatch({ topicMessages, acks: -1, compression });
    },
  };
}
