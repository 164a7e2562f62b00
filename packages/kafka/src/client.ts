import { readFileSync } from 'node:fs';
import type { Logger } from '@aiops/ops';
import type {
  Kafka,
  KafkaConfig as KafkaJsConfig,
  LogEntry,
  Producer,
  ProducerConfig,
  SASLOptions,
} from 'kafkajs';
import kafkajs from 'kafkajs';
import { type KafkaConfig, resolveSaslPassword } from './config.js';
import { withReplication } from './topics.js';

const { Kafka: KafkaClient, logLevel, Partitioners } = kafkajs;

/**
 * Every producer of the project is made with these settings (the caller's win where it sets them):
 * - the partitioner named explicitly: kafkajs' default since 2.0, the Java client's murmur2 on the key's
 *   bytes, so a key lands on the partition any other Kafka client would choose;
 * - an idempotent (or transactional) producer retries a retriable send without limit, as the Java client
 *   does: giving up after N attempts would let a later batch overtake a failed one with the next sequence
 *   numbers (kafkajs warns "Limiting retries for the idempotent producer may invalidate EoS guarantees").
 *   The wait between attempts stays bounded by the client's maxRetryTime, and non-retriable errors still fail
 *   at once; a broker that stays away holds the send (and so the consumer's backpressure) until it returns.
 */
export function producerDefaults(config: ProducerConfig = {}): ProducerConfig {
  const idempotent = config.idempotent === true || config.transactionalId !== undefined;
  return {
    createPartitioner: Partitioners.DefaultPartitioner,
    ...config,
    ...(idempotent ? { retry: { ...config.retry, retries: Number.MAX_SAFE_INTEGER } } : {}),
  };
}

/**
 * kafkajs errors that it retries itself and that resolve on their own: the coordinator still writing the
 * previous commit's markers, leaders moving, a coordinator loading. If the retries run out, the caller's
 * error says so at error level; the attempts are debug.
 */
const TRANSIENT_KAFKA_ERRORS = [
  'another concurrent operation on the same transaction',
  'There is no leader for this topic-partition',
  'This server is not the leader for that topic-partition',
  'The coordinator is loading',
  'This is not the correct coordinator',
  'The coordinator is not available',
  // A broker that has not applied a just-created topic yet (KRaft clusters); retried until it has.
  'This server does not host this topic-partition',
];

/** The pino level for one kafkajs log entry (exported for its unit test). */
export function kafkaLogLevel(
  level: number,
  message: string,
  error?: unknown,
): 'error' | 'warn' | 'debug' | 'trace' {
  if (level === logLevel.ERROR || level === logLevel.WARN) {
    const text = `${message} ${typeof error === 'string' ? error : ''}`;
    if (TRANSIENT_KAFKA_ERRORS.some((fragment) => text.includes(fragment))) return 'debug';
    return level === logLevel.ERROR ? 'error' : 'warn';
  }
  return level === logLevel.INFO ? 'debug' : 'trace';
}

/** kafkajs logs through our pino logger, at levels mapped once. */
function logCreator(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      logger[kafkaLogLevel(level, message, extra.error)]({ ...extra, component: 'kafkajs' }, message);
    };
}

/** A kafkajs client whose producers get {@link producerDefaults}. */
class ProjectKafka extends KafkaClient {
  override producer(config?: ProducerConfig): Producer {
    return super.producer(producerDefaults(config));
  }
}

export function createKafka(config: KafkaConfig, logger: Logger): Kafka {
  const options: KafkaJsConfig = {
    clientId: config.clientId,
    brokers: config.brokers,
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    logLevel: logLevel.WARN,
    logCreator: logCreator(logger),
    // config.retries (15, about two minutes, by default): a broker restart or leader election is waited out.
    retry: { retries: config.retries, initialRetryTime: 200, maxRetryTime: 10_000 },
  };
  if (config.sasl) {
    const password = resolveSaslPassword(config) as string;
    options.sasl = {
      mechanism: config.sasl.mechanism,
      username: config.sasl.username,
      password,
    } as SASLOptions;
  }
  if (config.tls?.enabled) {
    options.ssl = {
      rejectUnauthorized: config.tls.rejectUnauthorized,
      ...(config.tls.caFile ? { ca: [readFileSync(config.tls.caFile, 'utf8')] } : {}),
      ...(config.tls.certFile ? { cert: readFileSync(config.tls.certFile, 'utf8') } : {}),
      ...(config.tls.keyFile ? { key: readFileSync(config.tls.keyFile, 'utf8') } : {}),
    };
  }
  return withReplication(new ProjectKafka(options), config.replication);
}

const keyPartitioner = Partitioners.DefaultPartitioner();
const partitionLists = new Map<
  number,
  { partitionId: number; leader: number; replicas: number[]; isr: number[]; partitionErrorCode: number }[]
>();

/**
 * The partition a keyed record lands on with producerDefaults()'s partitioner (murmur2 on the key's UTF-8
 * bytes, as the Java client): for code that must know where a producer put a record (the backtest
 * replays each windows partition as the detector judged it).
 */
export function partitionForKey(key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions <= 0)
    throw new RangeError(`partitions must be > 0; got ${partitions}`);
  let partitionMetadata = partitionLists.get(partitions);
  if (partitionMetadata === undefined) {
    partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    }));
    partitionLists.set(partitions, partitionMetadata);
  }
  return keyPartitioner({ topic: 'partition-for-key', partitionMetadata, message: { key, value: null } });
}
