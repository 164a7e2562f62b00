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

/** Distinct strings remembered as UTF-8 bytes; cleared when full (keys and header values repeat a lot). */
const MAX_CACHED_STRINGS = 50_000;

/**
 * String keys and header values as Buffers, each distinct string encoded once. kafkajs encodes a string
 * header value on every record (String(), byteLength, write) but copies a Buffer as is: measured on the
 * local broker, 25.6 → 18.8 µs of producer CPU per message for a 300-byte value with one header. The
 * bytes on the wire are the same (UTF-8), and so is the partition (murmur2 hashes the key's UTF-8 bytes).
 */
export class WireBytes {
  private readonly cache = new Map<string, Buffer>();

  bytes(text: string): Buffer {
    let buf = this.cache.get(text);
    if (buf === undefined) {
      if (this.cache.size >= MAX_CACHED_STRINGS) this.cache.clear();
      buf = Buffer.from(text, 'utf8');
      this.cache.set(text, buf);
    }
    return buf;
  }

  /** The same message with string key and header values as cached Buffers (a new object; `message` is not changed). */
  message(message: Message): Message {
    const { key, headers } = message;
    let wireHeaders = headers;
    if (headers !== undefined) {
      wireHeaders = {};
      for (const name in headers) {
        const value = headers[name];
        wireHeaders[name] =
          typeof value === 'string'
            ? this.bytes(value)
            : Array.isArray(value)
              ? value.map((v) => (typeof v === 'string' ? this.bytes(v) : v))
              : value;
      }
    }
    return {
      ...message,
      key: typeof key === 'string' ? this.bytes(key) : key,
      headers: wireHeaders,
    };
  }
}

/** Room for headers, key and record framing in a size estimate. */
const MESSAGE_OVERHEAD_BYTES = 512;

function approximateSize(message: Message): number {
  const { value, key } = message;
  return (
    MESSAGE_OVERHEAD_BYTES +
    (value === null || value === undefined ? 0 : value.length) +
    (key === null || key === undefined ? 0 : key.length)
  );
}

/**
 * Splits output into sends of at most about `maxBytes` each (one message may exceed it alone), keeping
 * the order. The broker refuses a record batch above message.max.bytes, and one send puts each
 * partition's messages in one batch: without this, a large batch of output would fail to produce, forever.
 */
export function chunkOutput(batches: readonly OutputMessages[], maxBytes: number): OutputMessages[][] {
  const sends: OutputMessages[][] = [];
  let current: OutputMessages[] = [];
  let currentBytes = 0;
  for (const batch of batches) {
    let run: Message[] = [];
    for (const message of batch.messages) {
      const size = approximateSize(message);
      if (currentBytes + size > maxBytes && currentBytes > 0) {
        if (run.length > 0) current.push({ topic: batch.topic, messages: run });
        sends.push(current);
        current = [];
        currentBytes = 0;
        run = [];
      }
      run.push(message);
      currentBytes += size;
    }
    if (run.length > 0) current.push({ topic: batch.topic, messages: run });
  }
  if (current.length > 0) sends.push(current);
  return sends;
}

/**
 * An idempotent producer (no duplicates from its own retries) with acks from all in-sync replicas.
 * `send` cuts its output into requests of at most `maxRequestBytes` and sends them one after the other,
 * each call's after the previous call's, so output keeps the input's order per partition.
 */
export function createOutputProducer(
  kafka: Kafka,
  options: { compression?: Compression; transactionalId?: string; maxRequestBytes?: number } = {},
): OutputProducer {
  const maxRequestBytes = options.maxRequestBytes ?? 1024 * 1024;
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    ...(options.transactionalId ? { transactionalId: options.transactionalId } : {}),
  });
  const compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  const wire = new WireBytes();
  let sending: Promise<void> = Promise.resolve();
  const sendNow = async (topicMessages: OutputMessages[]): Promise<void> => {
    for (const chunk of chunkOutput(topicMessages, maxRequestBytes)) {
      await producer.sendBatch({ topicMessages: chunk, acks: -1, compression });
    }
  };
  return {
    raw: producer,
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    async send(batches) {
      const topicMessages: OutputMessages[] = [];
      for (const batch of batches) {
        if (batch.messages.length === 0) continue;
        const messages = new Array<Message>(batch.messages.length);
        for (let i = 0; i < messages.length; i++) messages[i] = wire.message(batch.messages[i]!);
        topicMessages.push({ topic: batch.topic, messages });
      }
      if (topicMessages.length === 0) return;
      const next = sending.then(() => sendNow(topicMessages));
      sending = next.catch(() => undefined);
      await next;
    },
  };
}
