import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import kafkajs from 'kafkajs';
import { chunkOutput, WireBytes } from './producer.js';

const { CompressionTypes } = kafkajs;

/** A consumed position committed with a transaction's records. */
export interface ConsumedOffset {
  readonly consumerGroupId: string;
  readonly topic: string;
  readonly partition: number;
  /** The next offset to consume (last consumed + 1). */
  readonly offset: string;
}

/** What one caller wants in a transaction: records and, optionally, consumed offsets to commit with them. */
export interface TransactionWork {
  readonly messages: readonly { readonly topic: string; readonly messages: readonly Message[] }[];
  readonly offsets?: readonly ConsumedOffset[];
}

export interface MergedTransaction {
  readonly topicMessages: TopicMessages[];
  readonly offsets: {
    consumerGroupId: string;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }[];
}

/**
 * Several callers' work as one transaction: records keep their order per topic (and so per partition),
 * and of the offsets given for one group and partition the last one wins (work arrives in consumption order).
 */
export function mergeTransactionWork(works: readonly TransactionWork[]): MergedTransaction {
  const byTopic = new Map<string, Message[]>();
  const offsets = new Map<string, Map<string, Map<number, string>>>();
  const entry = <K, V>(map: Map<K, V>, key: K, create: () => V): V => {
    const found = map.get(key);
    if (found !== undefined) return found;
    const created = create();
    map.set(key, created);
    return created;
  };
  for (const work of works) {
    for (const { topic, messages } of work.messages) {
      if (messages.length > 0) entry(byTopic, topic, () => []).push(...messages);
    }
    for (const consumed of work.offsets ?? []) {
      const topics = entry(offsets, consumed.consumerGroupId, () => new Map<string, Map<number, string>>());
      entry(topics, consumed.topic, () => new Map<number, string>()).set(consumed.partition, consumed.offset);
    }
  }
  return {
    topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    offsets: [...offsets].map(([consumerGroupId, topics]) => ({
      consumerGroupId,
      topics: [...topics].map(([topic, partitions]) => ({
        topic,
        partitions: [...partitions].map(([partition, offset]) => ({ partition, offset })),
      })),
    })),
  };
}

/**
 * Whether the transaction coordinator refused a request because it is still completing the previous
 * transaction (CONCURRENT_TRANSACTIONS, code 51): the broker expects the client to retry.
 */
export function isConcurrentTransactionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { type, message } = error as { type?: unknown; message?: unknown };
  return (
    type === 'CONCURRENT_TRANSACTIONS' ||
    (typeof message === 'string' && message.includes('another concurrent operation on the same transaction'))
  );
}

export interface ConcurrentRetryOptions {
  /** Give up (and throw the last refusal) once this much time was spent waiting. Default 60 s. */
  readonly maxWaitMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `attempt`, again after a short, doubling wait (10 ms to 1 s) for as long as the coordinator
 * answers CONCURRENT_TRANSACTIONS. kafkajs retries that answer for AddPartitionsToTxn but not for
 * AddOffsetsToTxn (`transaction.sendOffsets`, tulios/kafkajs#430): on a replicated cluster, whose
 * coordinator takes longer to write the previous commit's markers, the refusal reached the transaction
 * queue, failed the batch and restarted the service — a crash loop under load. Any other error, and the
 * refusal after `maxWaitMs`, is thrown as it came.
 */
export async function retryConcurrentTransaction<T>(
  attempt: () => Promise<T>,
  options: ConcurrentRetryOptions = {},
): Promise<T> {
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let waited = 0;
  let backoff = 10;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!isConcurrentTransactionError(error) || waited >= maxWaitMs) throw error;
      await sleep(backoff);
      waited += backoff;
      backoff = Math.min(1_000, backoff * 2);
    }
  }
}

export interface TransactionQueue {
  /** Resolves when the transaction holding this work committed; rejects if it (or an earlier one) failed. */
  publish(work: TransactionWork): Promise<void>;
  /** Resolves when everything published so far has committed or failed. Never rejects. */
  settled(): Promise<void>;
}

export interface TransactionQueueOptions {
  /**
   * Time between a commit's acknowledgement and the next transaction's first request. The coordinator
   * acknowledges EndTxn before it has written the commit markers; a transaction begun in that gap is refused
   * with CONCURRENT_TRANSACTIONS and retried after kafkajs' backoff (~200 ms). Waiting a few ms is cheaper.
   */
  readonly commitSettleMs?: number;
  /**
   * A transaction's records go out in produce requests of at most about this many bytes (see chunkOutput):
   * one request puts each partition's records in one batch, which the broker refuses above
   * message.max.bytes. Default 1 MiB.
   */
  readonly maxRequestBytes?: number;
}

/**
 * Group commit over one transactional producer: work published while a transaction is running waits and
 * then goes out together in the next one, so one transaction carries as much as arrived meanwhile and
 * transactions never overlap. The first failure (after the transaction was aborted) fails every later
 * publish too: work after a lost transaction must not commit offsets past it; the owner restarts from the
 * last committed state.
 */
export function createTransactionQueue(
  producer: Producer,
  options: TransactionQueueOptions = {},
): TransactionQueue {
  const commitSettleMs = options.commitSettleMs ?? 25;
  const maxRequestBytes = options.maxRequestBytes ?? 1024 * 1024;
  const wire = new WireBytes();
  let pending: { work: TransactionWork; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let running: Promise<void> | null = null;
  let failure: { error: unknown } | null = null;
  let lastCommitAt = 0;

  const runOne = async (): Promise<void> => {
    // At least one turn of the event loop, so work published in the same turn (a tick over every
    // partition) joins this transaction.
    const wait = Math.max(0, lastCommitAt + commitSettleMs - Date.now());
    await new Promise((resolve) => setTimeout(resolve, wait));
    const batch = pending;
    pending = [];
    const merged = mergeTransactionWork(batch.map((entry) => entry.work));
    if (merged.topicMessages.length === 0 && merged.offsets.length === 0) {
      // Nothing to make durable: no transaction (an empty one would only cost the coordinator a round trip).
      for (const entry of batch) entry.resolve();
      return;
    }
    try {
      const transaction = await producer.transaction();
      try {
        const topicMessages = merged.topicMessages.map(({ topic, messages }) => ({
          topic,
          messages: messages.map((message) => wire.message(message)),
        }));
        for (const chunk of chunkOutput(topicMessages, maxRequestBytes))
          await transaction.sendBatch({ topicMessages: chunk, acks: -1, compression: CompressionTypes.None });
        for (const offsets of merged.offsets)
          await retryConcurrentTransaction(() => transaction.sendOffsets(offsets));
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
      lastCommitAt = Date.now();
      for (const entry of batch) entry.resolve();
    } catch (error) {
      failure = { error };
      for (const entry of [...batch, ...pending]) entry.reject(error);
      pending = [];
    }
  };

  const drain = async (): Promise<void> => {
    while (pending.length > 0 && failure === null) await runOne();
    running = null;
  };

  return {
    publish(work) {
      if (failure !== null) return Promise.reject(failure.error);
      const done = new Promise<void>((resolve, reject) => pending.push({ work, resolve, reject }));
      if (running === null) running = drain();
      return done;
    },
    async settled() {
      while (running !== null) await running;
    },
  };
}

/**
 * Connects the producer of an exactly-once service: idempotent, one request in flight, and a transactional
 * id stable per instance (`<group>-<instance>`), so a restarted instance fences its zombie.
 */
export async function connectTransactionalProducer(kafka: Kafka, transactionalId: string): Promise<Producer> {
  const producer = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  return producer;
}
