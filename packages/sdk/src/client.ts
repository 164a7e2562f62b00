import {
  type ContractLimits,
  canonicalizeEvent,
  DEFAULT_LIMITS,
  DEFAULT_TOPICS,
  encodeEventAvroSingleObject,
  encodeEventJson,
  seriesKey,
  type TelemetryEventInput,
} from '@aiops/contract';
import kafkajs, { type KafkaConfig, type Message, type Producer, type RetryOptions } from 'kafkajs';
import { Batcher, type BatcherStats } from './batcher.js';

const { Kafka, CompressionTypes, logLevel: LogLevel, Partitioners } = kafkajs;

export type TelemetryFormat = 'avro' | 'json';

export interface TelemetryClientOptions {
  /** Bootstrap brokers, e.g. ['127.0.0.1:19092']. Ignored when `kafka` is given. */
  readonly brokers?: readonly string[];
  /** Default: aiops.telemetry.raw.v1 */
  readonly topic?: string;
  /** Default: 'aiops-sdk' */
  readonly clientId?: string;
  /** Wire format of each message. Default 'avro' (single-object encoding, v1 schema). */
  readonly format?: TelemetryFormat;
  readonly ssl?: KafkaConfig['ssl'];
  readonly sasl?: KafkaConfig['sasl'];
  /** How long a partial batch waits for more events before it is sent. Default 50 ms. */
  readonly lingerMs?: number;
  /** Events per produce request. Default 500. */
  readonly maxBatch?: number;
  /** Events held in memory (waiting or in flight); beyond it record() returns false. Default 10 000. */
  readonly maxBuffered?: number;
  /** How long flush() and close() keep retrying a failing broker. Default 30 s. */
  readonly flushTimeoutMs?: number;
  /** An existing kafkajs client to create the producer from (its own config then applies). */
  readonly kafka?: InstanceType<typeof Kafka>;
  /** kafkajs retry policy of one produce request. Default: 8 retries from 300 ms (about 30 s in all). */
  readonly retry?: RetryOptions;
  /** Contract limits (must match the validator's). Default: DEFAULT_LIMITS. */
  readonly limits?: ContractLimits;
  /** Wall clock for the event-time range check. Default Date.now. */
  readonly now?: () => number;
  /** Called with every failed produce request (the batch is kept and retried). */
  readonly onError?: (error: unknown) => void;
  /** kafkajs log level. Default: nothing (failures reach onError instead). */
  readonly logLevel?: number;
}

export interface TelemetryClientStats extends BatcherStats {
  /** Events refused by record() because the client was closed. */
  readonly droppedAfterClose: number;
}

export interface TelemetryClient {
  /**
   * Validates one event synchronously and buffers it. Throws a ContractError naming the field and the
   * rule when the event breaks the contract. Returns false (and counts a drop) when the buffer is full
   * or the client is closed: telemetry never blocks or crashes the caller.
   */
  record(event: TelemetryEventInput): boolean;
  /** Sends everything recorded so far; rejects after flushTimeoutMs if the broker keeps failing. */
  flush(): Promise<void>;
  /**
   * Flushes, then disconnects. Safe to call more than once (same promise) and from a shutdown hook.
   * Events still unsent after flushTimeoutMs are dropped and close() rejects saying how many.
   */
  close(): Promise<void>;
  stats(): TelemetryClientStats;
}

const DEFAULT_RETRY: RetryOptions = { retries: 8, initialRetryTime: 300, maxRetryTime: 5_000 };

/**
 * The producer SDK: one kafkajs producer (idempotent, GZIP, acks from all in-sync replicas) fed by an
 * in-memory batcher. Messages are keyed by the event's series key, so that one series always lands on
 * one partition (ordering per series, which the aggregator relies on).
 */
export function createTelemetryClient(options: TelemetryClientOptions): TelemetryClient {
  const topic = options.topic ?? DEFAULT_TOPICS.raw;
  const format = options.format ?? 'avro';
  const limits = options.limits ?? DEFAULT_LIMITS;
  const now = options.now ?? Date.now;
  const flushTimeoutMs = options.flushTimeoutMs ?? 30_000;
  const encode = format === 'avro' ? encodeEventAvroSingleObject : encodeEventJson;

  let kafka = options.kafka;
  if (kafka === undefined) {
    if (options.brokers === undefined || options.brokers.length === 0) {
      throw new TypeError('createTelemetryClient needs brokers (or a kafka client)');
    }
    kafka = new Kafka({
      brokers: [...options.brokers],
      clientId: options.clientId ?? 'aiops-sdk',
      ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
      ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
      logLevel: options.logLevel ?? LogLevel.NOTHING,
    });
  }
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: options.retry ?? DEFAULT_RETRY,
  });

  let connecting: Promise<void> | null = null;
  const connect = (): Promise<void> => {
    if (connecting === null) {
      connecting = producer.connect().catch((error: unknown) => {
        connecting = null; // the next send tries again
        throw error;
      });
    }
    return connecting;
  };

  const batcher = new Batcher<Message>({
    lingerMs: options.lingerMs ?? 50,
    maxBatch: options.maxBatch ?? 500,
    maxBuffered: options.maxBuffered ?? 10_000,
    ...(options.onError === undefined ? {} : { onError: options.onError }),
    send: async (messages) => {
      await connect();
      await producer.send({ topic, compression: CompressionTypes.GZIP, messages: messages as Message[] });
    },
  });

  let closed = false;
  let droppedAfterClose = 0;
  let closing: Promise<void> | null = null;

  return {
    record(input) {
      if (closed) {
        droppedAfterClose++;
        return false;
      }
      const event = canonicalizeEvent(input, { nowMs: now(), limits });
      if (batcher.isFull()) return batcher.refuse(); // before encoding: a full buffer costs nothing more
      return batcher.push({
        key: seriesKey(event),
        value: encode(event),
        timestamp: String(event.timestamp),
      });
    },
    flush: () => batcher.flush(flushTimeoutMs),
    close() {
      if (closing === null) {
        closed = true;
        closing = (async () => {
          let failure: unknown = null;
          try {
            await batcher.flush(flushTimeoutMs);
          } catch (error) {
            failure = error;
          }
          batcher.stop();
          const abandoned = batcher.discard();
          if (connecting !== null) await producer.disconnect().catch(() => undefined);
          if (failure !== null) {
            throw new Error(`telemetry client closed with ${abandoned} event(s) unsent`, { cause: failure });
          }
        })();
      }
      return closing;
    },
    stats: () => ({ ...batcher.stats(), droppedAfterClose }),
  };
}
