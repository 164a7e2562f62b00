import { errorMessage, ProgressClock } from '@aiops/core';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';

/** One fetch's worth of messages from one partition. */
export interface InputBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly KafkaMessage[];
  readonly highWatermark: string;
  /**
   * The offset to resume after this batch: past its last message and past the transaction markers and
   * aborted records that came with it (a reader of a transactional topic never sees those, but its
   * committed offset must pass them, or its lag never reaches 0).
   */
  readonly nextOffset: string;
}

export interface CommitRequest {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read after a restart. */
  readonly offset: string;
  /** Stored with the offset by the group coordinator; the aggregator keeps its watermark here. */
  readonly metadata?: string;
}

/**
 * What a handler did with a batch. The runner commits `commits` only after `durable` resolved, and in
 * order per partition, so an offset is never committed ahead of the output it stands for.
 */
export interface BatchOutcome {
  readonly durable?: Promise<unknown>;
  /** Omitted: commit the batch's last offset + 1. Empty array: commit nothing now. */
  readonly commits?: readonly CommitRequest[];
}

export interface AssignedPartition {
  readonly topic: string;
  readonly partition: number;
  /** null when the group has no committed offset for it yet. */
  readonly committedOffset: string | null;
  readonly metadata: string | null;
}

export interface BatchHandler {
  /**
   * Called after every (re)balance with the whole new assignment, before any batch of the new
   * generation is handled. Kafka resumes each partition at its committed offset, so any state kept
   * for a partition beyond that offset must be dropped here.
   */
  onAssigned?(assignment: readonly AssignedPartition[]): Promise<void> | void;
  handleBatch(batch: InputBatch, heartbeat: () => Promise<void>): Promise<BatchOutcome>;
  /**
   * A fetch of only transaction markers or aborted records (the end of a transactional topic): nothing to
   * handle, but the offset may move to `nextOffset`. Omitted: the runner commits it (after every earlier
   * batch of the partition is durable). A handler whose commits carry state (the aggregator's metadata)
   * or go into its own transactions says what to do, or returns undefined to commit nothing.
   */
  onSkippedRecords?(position: {
    topic: string;
    partition: number;
    nextOffset: string;
  }): BatchOutcome | undefined;
  /** Wall-clock punctuation: runs every `tickIntervalMs` even when no message arrives. */
  onTick?(wallNowMs: number): Promise<BatchOutcome | undefined>;
  /** At shutdown, after fetching stopped: push out what is buffered. */
  flush?(): Promise<BatchOutcome | undefined>;
}

export interface StreamRunnerOptions {
  kafka: Kafka;
  service: string;
  groupId: string;
  topics: readonly string[];
  handler: BatchHandler;
  logger: Logger;
  metrics: PipelineMetrics;
  fromBeginning?: boolean;
  /** Batches whose output is not yet durable before the runner stops fetching (backpressure). */
  maxInFlightBatches?: number;
  tickIntervalMs?: number;
  sessionTimeoutMs?: number;
  maxBytesPerPartition?: number;
  /** Instance id for logs and for static membership-like naming. */
  instanceId?: string;
  /**
   * Told of every completed fetch, so it runs only while this consumer makes progress: the clock the
   * handler's idle decisions use (see ProgressClock). Its stalls are counted, every `tickIntervalMs`, in
   * aiops_consumer_stalled_seconds_total.
   */
  progress?: ProgressClock;
}

export interface StreamRunner {
  start(): Promise<void>;
  /** Stop fetching, flush, commit what is durable, disconnect; gives up waiting after `deadlineMs`. */
  stop(deadlineMs?: number): Promise<void>;
  isReady(): boolean;
  /** Resolves when the consumer crashed for good (kafkajs gave up retrying). */
  readonly crashed: Promise<Error>;
}

/** Max wait of an empty fetch; a healthy consumer completes a fetch at least this often. */
const FETCH_MAX_WAIT_MS = 200;

/**
 * The clock a consumer's idle decisions run on: it stops 5 s (25 empty fetches) after the last completed
 * fetch. Pass it to createStreamRunner as `progress`.
 */
export function fetchProgressClock(): ProgressClock {
  return new ProgressClock(25 * FETCH_MAX_WAIT_MS);
}

/**
 * Returns a function that adds to `counter` the stall time `progress` left out since its last call, so
 * that after each call the counter reads the clock's stalledTotalMs, in seconds.
 */
export function stallReporter(
  progress: ProgressClock,
  counter: PipelineMetrics['consumerStalled'],
  service: string,
): () => void {
  let reportedMs = 0;
  return () => {
    const totalMs = progress.stalledTotalMs();
    // A counter only goes up: a system clock that steps back must not take anything off.
    if (totalMs <= reportedMs) return;
    counter.inc({ service }, (totalMs - reportedMs) / 1000);
    reportedMs = totalMs;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Awaits `work` but keeps the group membership alive while it takes long (ClickHouse down, etc.). */
async function awaitWithHeartbeat(work: Promise<unknown>, heartbeat: () => Promise<void>): Promise<void> {
  let settled = false;
  const done = work.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  while (!settled) {
    await Promise.race([done, sleep(2000)]);
    if (!settled) await heartbeat().catch(() => undefined);
  }
  await work;
}

/**
 * Drives a BatchHandler from a consumer group. kafkajs' eachBatch with manual offset resolution and no
 * auto-commit: offsets are committed only when the handler says its output is durable.
 */
export function createStreamRunner(options: StreamRunnerOptions): StreamRunner {
  const { kafka, service, groupId, topics, handler, logger, metrics } = options;
  const maxInFlight = options.maxInFlightBatches ?? 8;
  const consumer: Consumer = kafka.consumer({
    groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: 3_000,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
    maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
    retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
  });
  const admin = kafka.admin();

  let ready = false;
  let stopping = false;
  let failure: Error | undefined;
  let assignmentReady: Promise<void> = Promise.resolve();
  let ticker: NodeJS.Timeout | undefined;
  let tickRunning: Promise<void> | undefined;
  let batchInProgress: Promise<void> | undefined;
  /** Per partition: the chain of pending (durable → commit) steps, so commits stay in order. */
  const chains = new Map<string, Promise<void>>();
  const inFlight: Promise<void>[] = [];
  let resolveCrashed: (error: Error) => void = () => undefined;
  const crashed = new Promise<Error>((resolve) => {
    resolveCrashed = resolve;
  });

  const commitNow = async (requests: readonly CommitRequest[]): Promise<void> => {
    if (requests.length === 0) return;
    try {
      await consumer.commitOffsets(
        requests.map((r) => ({
          topic: r.topic,
          partition: r.partition,
          offset: r.offset,
          metadata: r.metadata ?? null,
        })),
      );
    } catch (error) {
      // After a rebalance the partition may belong to another member: its commit is refused, and the
      // new owner replays from the last good offset, which downstream deduplication absorbs.
      logger.warn({ err: errorMessage(error), commits: requests.length }, 'offset commit refused');
    }
  };

  /**
   * Queues `outcome` behind earlier work of the same partitions (those it commits, and the partition of the
   * batch it stands for, whose later commits must wait for it even when it commits nothing itself); returns
   * the queued step.
   */
  const schedule = (
    outcome: BatchOutcome,
    defaults: readonly CommitRequest[],
    source?: { topic: string; partition: number },
  ): Promise<void> => {
    const commits = outcome.commits ?? defaults;
    const keys = new Set(commits.map((c) => `${c.topic}:${c.partition}`));
    if (source !== undefined) keys.add(`${source.topic}:${source.partition}`);
    const previous = Promise.all([...keys].map((k) => chains.get(k) ?? Promise.resolve()));
    const step = previous
      .then(() => outcome.durable)
      .then(() => {
        // Once an output failed, committing any later offset would skip the failed batch: stop here
        // and let a restart replay from the last good commit.
        if (failure) throw failure;
        return commitNow(commits);
      })
      .catch((error: unknown) => {
        if (!failure) {
          failure = error instanceof Error ? error : new Error(String(error));
          logger.error(
            { err: errorMessage(error) },
            'batch output failed; no further offsets will be committed',
          );
          ready = false;
          resolveCrashed(failure);
        }
        throw error;
      });
    const settled = step.catch(() => undefined);
    for (const key of keys) chains.set(key, settled);
    return step;
  };

  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    const assignment = event.payload.memberAssignment as Record<string, number[]>;
    assignmentReady = (async () => {
      const list: AssignedPartition[] = [];
      for (const [topic, partitions] of Object.entries(assignment)) {
        const committed = await admin.fetchOffsets({ groupId, topics: [topic] }).catch(() => []);
        const byPartition = new Map<number, { offset: string; metadata: string | null }>();
        for (const entry of committed) {
          for (const p of entry.partitions) {
            byPartition.set(p.partition, { offset: p.offset, metadata: p.metadata ?? null });
          }
        }
        for (const partition of partitions) {
          const c = byPartition.get(partition);
          const offset = c && c.offset !== '-1' ? c.offset : null;
          list.push({
            topic,
            partition,
            committedOffset: offset,
            metadata: offset === null ? null : c!.metadata,
          });
        }
      }
      logger.info(
        { assignment: list.map((a) => `${a.topic}:${a.partition}@${a.committedOffset ?? 'start'}`) },
        'partitions assigned',
      );
      await handler.onAssigned?.(list);
      ready = true;
    })();
  });
  const { progress } = options;
  if (progress !== undefined) consumer.on(consumer.events.FETCH, () => progress.progressed());
  // kafkajs does not call eachBatch for a fetch that held only markers or aborted records; it says so here.
  consumer.on(consumer.events.START_BATCH_PROCESS, (event) => {
    const { topic, partition, batchSize, firstOffset, lastOffset } = event.payload;
    // firstOffset is null when the fetch held nothing at or past the fetched offset: nothing to pass then.
    if (batchSize > 0 || firstOffset === null || stopping) return;
    const position = { topic, partition, nextOffset: String(Number(lastOffset) + 1) };
    const outcome = handler.onSkippedRecords
      ? handler.onSkippedRecords(position)
      : { commits: [{ topic, partition, offset: position.nextOffset }] };
    if (outcome) inFlight.push(schedule(outcome, [], { topic, partition }));
  });
  const reportStalls = progress && stallReporter(progress, metrics.consumerStalled, service);
  consumer.on(consumer.events.CRASH, (event) => {
    const error = event.payload.error;
    logger.error({ err: errorMessage(error), restart: event.payload.restart }, 'consumer crashed');
    if (!event.payload.restart) {
      ready = false;
      resolveCrashed(error instanceof Error ? error : new Error(String(error)));
    }
  });

  const runTick = async (): Promise<void> => {
    if (!handler.onTick || stopping) return;
    await assignmentReady;
    const outcome = await handler.onTick(Date.now());
    if (outcome) inFlight.push(schedule(outcome, []));
  };

  const handle = async ({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> => {
    await assignmentReady;
    if (stopping || !isRunning() || isStale() || batch.messages.length === 0) return;
    // lastOffset() counts the markers and aborted records fetched with the batch, past its last message.
    const nextOffset = String(Number(batch.lastOffset()) + 1);
    metrics.consumed.inc({ service, topic: batch.topic }, batch.messages.length);
    metrics.batchSize.observe({ service, stage: 'consume' }, batch.messages.length);
    metrics.consumerLag.set(
      { service, topic: batch.topic, partition: String(batch.partition) },
      Math.max(0, Number(batch.highWatermark) - Number(nextOffset)),
    );
    const outcome = await handler.handleBatch(
      {
        topic: batch.topic,
        partition: batch.partition,
        messages: batch.messages,
        highWatermark: batch.highWatermark,
        nextOffset,
      },
      heartbeat,
    );
    const defaults = [{ topic: batch.topic, partition: batch.partition, offset: nextOffset }];
    const step = schedule(outcome, defaults, batch);
    inFlight.push(step);
    // Past the markers too, so the next fetch does not start with them.
    resolveOffset(String(Number(nextOffset) - 1));
    // Backpressure: while too much output is still in flight, stop fetching (but keep heartbeating).
    while (inFlight.length > maxInFlight) {
      metrics.paused.set({ service }, 1);
      await awaitWithHeartbeat(inFlight.shift()!, heartbeat);
    }
    metrics.paused.set({ service }, 0);
    while (inFlight.length > 0 && (await isSettled(inFlight[0]!))) inFlight.shift();
    await heartbeat();
  };

  return {
    crashed,
    isReady: () => ready && !stopping,
    async start() {
      await admin.connect();
      await consumer.connect();
      for (const topic of topics)
        await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: async (payload) => {
          // stop() waits for the batch in hand before it commits and leaves the group.
          const current = handle(payload);
          batchInProgress = current.catch(() => undefined);
          return current;
        },
      });
      if (handler.onTick || reportStalls) {
        const interval = options.tickIntervalMs ?? 1000;
        ticker = setInterval(() => {
          // On the timer, not on FETCH: no fetch completes during a stall, and the counter should climb
          // while it lasts.
          reportStalls?.();
          if (tickRunning) return;
          tickRunning = runTick()
            .catch((error: unknown) => logger.error({ err: errorMessage(error) }, 'tick failed'))
            .finally(() => {
              tickRunning = undefined;
            });
        }, interval);
      }
    },
    async stop(deadlineMs = 30_000) {
      if (stopping) return;
      stopping = true;
      if (ticker) clearInterval(ticker);
      // Commits need a running consumer (kafkajs drops them once stopped): pause fetching, finish the
      // batch in hand, flush, wait for every commit, and only then leave the group.
      try {
        consumer.pause(topics.map((topic) => ({ topic })));
      } catch {
        // Not running (never started, or crashed for good): nothing is fetched anyway.
      }
      const work = (async () => {
        await batchInProgress;
        await tickRunning;
        const outcome = await handler.flush?.();
        if (outcome) inFlight.push(schedule(outcome, []));
        await Promise.allSettled(inFlight);
        await Promise.allSettled([...chains.values()]);
      })();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), deadlineMs);
      });
      const timedOut = await Promise.race([work.then(() => false), deadline]);
      clearTimeout(timer);
      if (timedOut)
        logger.warn({ deadlineMs }, 'shutdown deadline passed; uncommitted work will be replayed');
      await consumer.stop().catch(() => undefined);
      await consumer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      ready = false;
    },
  };
}

async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const result = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    Promise.resolve(marker),
  ]);
  return result !== marker;
}
