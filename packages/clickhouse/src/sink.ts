import { errorMessage, RetryableError, UnrecoverableError } from '@aiops/core';
import { parseConfig } from '@aiops/ops';
import { z } from 'zod';
import type { SqlExecutor } from './client.js';
import { qualifiedTable } from './identifiers.js';
import { backoffDelayMs, type ClickHouseFailure, describeClickHouseError } from './retry.js';

/** Batching and retry settings of one sink. Defaults follow ClickHouse's guidance: few, large inserts. */
export const sinkSettingsSchema = z
  .object({
    /** A batch is sent as soon as it holds this many rows... */
    maxBatchRows: z.number().int().positive().default(5000),
    /** ...or this long after its first row arrived, whichever comes first. */
    maxBatchDelayMs: z.number().int().nonnegative().default(1000),
    /** Attempts per batch (first try included) before a retryable failure is given up. */
    maxAttempts: z.number().int().positive().default(10),
    baseRetryDelayMs: z.number().int().positive().default(200),
    maxRetryDelayMs: z.number().int().positive().default(10_000),
    /** Rows accepted but not yet acknowledged above which `isSaturated()` turns true. */
    maxPendingRows: z.number().int().positive().default(50_000),
    /**
     * While ClickHouse refuses every request for a reason only an operator can fix (password, grant,
     * missing table), the sink holds its rows and tries again this often, until it works.
     */
    blockedRetryDelayMs: z.number().int().positive().default(10_000),
  })
  .strict();

export type SinkSettingsInput = z.input<typeof sinkSettingsSchema>;
export type SinkSettings = z.output<typeof sinkSettingsSchema>;

/** Observability hooks; all optional, called synchronously, must not throw. */
export interface SinkListener {
  onInserted?(info: { table: string; rows: number; attempts: number; durationMs: number }): void;
  onRetry?(info: { table: string; rows: number; attempt: number; delayMs: number; error: unknown }): void;
  onFailed?(info: {
    table: string;
    rows: number;
    attempts: number;
    kind: 'retryable' | 'data';
    error: unknown;
  }): void;
  /** ClickHouse refuses every write for a reason an operator must fix; called once per block (and reason). */
  onBlocked?(info: SinkBlock & { table: string; retryDelayMs: number }): void;
  /** A write succeeded again after a block. */
  onResumed?(info: { table: string; reason: string; blockedMs: number }): void;
}

/** Why a sink holds its rows: the operator error ClickHouse answers with, since when. */
export interface SinkBlock {
  /** The error code's name, e.g. AUTHENTICATION_FAILED, UNKNOWN_TABLE. */
  readonly reason: string;
  readonly code: number | undefined;
  readonly error: unknown;
  readonly sinceMs: number;
}

export interface ClickHouseSinkOptions<T> {
  /** Anything that can insert rows: `clickhouseExecutor(createClickHouseClient(config))`. */
  readonly executor: Pick<SqlExecutor, 'insertRows'>;
  readonly database: string;
  readonly table: string;
  /** Item → row object keyed by column name (see rows.ts for the pipeline's three tables). */
  readonly toRow: (item: T) => Record<string, unknown>;
  readonly settings?: SinkSettingsInput;
  readonly listener?: SinkListener;
  /** Overrides for tests: the classifier, the jitter source and the sleep between attempts. */
  readonly classify?: (error: unknown) => ClickHouseFailure;
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface SinkStats {
  readonly pendingRows: number;
  readonly queuedBatches: number;
  readonly insertedRows: number;
  readonly insertedBatches: number;
  readonly retries: number;
  readonly failedBatches: number;
}

interface Batch {
  readonly rows: Record<string, unknown>[];
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Marked handled: a caller that does not await still gets the rejection if it later does.
  done.catch(() => undefined);
  return { rows: [], done, resolve, reject };
}

/** Resolves after `ms`, or at once when `signal` aborts (the timer is cleared: nothing keeps the process up). */
const realSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * A generic batching writer for one table. `write(items)` resolves when every row of `items` has been
 * acknowledged by ClickHouse (so the caller may then commit its Kafka offsets), and rejects with
 * - UnrecoverableError (reason 'clickhouse_rejected') when the server refused the batch's data for good
 *   (never retried; `insertNow` and isolateRejected find the rows at fault), or
 * - RetryableError when a transient failure outlasted `maxAttempts`.
 * A batch holds rows of several writes; when it fails, every write with rows in it fails.
 *
 * An operator error (wrong password, revoked grant, missing table or database, read-only user: see
 * retry.ts) neither rejects nor drops anything: the sink is blocked, says so once (`onBlocked`), holds
 * the batch and tries it again every `blockedRetryDelayMs` until the operator fixes it (`onResumed`).
 * `stopRetrying()` (at shutdown) makes a blocked write reject with a RetryableError instead.
 *
 * Batches are inserted one at a time, in the order they were filled, so acknowledgements arrive in write
 * order. A retry sends the very rows of the first attempt (mapped once, same order), so the request is
 * byte-identical: on a cluster (Replicated*MergeTree under a Distributed table, insert_distributed_sync)
 * the replicated block deduplication drops it if the first attempt succeeded but its answer was lost.
 * On a single node such a duplicate may land, and the pipeline's ReplacingMergeTrees collapse it.
 *
 * Backpressure: `isSaturated()` is true while more than `maxPendingRows` rows wait, or while an insert is
 * being retried with more batches queued behind it, or while blocked; `whenWritable()` resolves when
 * that ends.
 */
export class ClickHouseSink<T> {
  readonly table: string;
  private readonly settings: SinkSettings;
  private readonly executor: Pick<SqlExecutor, 'insertRows'>;
  private readonly toRow: (item: T) => Record<string, unknown>;
  private readonly listener: SinkListener;
  private readonly classify: (error: unknown) => ClickHouseFailure;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  private current: Batch | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly queue: Batch[] = [];
  private draining: Promise<void> | null = null;
  private retrying = false;
  private closed = false;
  private block: SinkBlock | null = null;
  private retryingStopped = false;
  private readonly stopSleeping = new AbortController();
  private writableWaiters: Array<() => void> = [];
  private counters = { pendingRows: 0, insertedRows: 0, insertedBatches: 0, retries: 0, failedBatches: 0 };

  constructor(options: ClickHouseSinkOptions<T>) {
    this.table = qualifiedTable(options.database, options.table);
    this.settings = parseConfig(
      sinkSettingsSchema,
      options.settings ?? {},
      `sink settings for ${this.table}`,
    );
    this.executor = options.executor;
    this.toRow = options.toRow;
    this.listener = options.listener ?? {};
    this.classify = options.classify ?? describeClickHouseError;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? realSleep;
  }

  /** Rows accepted by `write` and not yet acknowledged (or failed). */
  get pendingRows(): number {
    return this.counters.pendingRows;
  }

  stats(): SinkStats {
    return { ...this.counters, queuedBatches: this.queue.length + (this.current === null ? 0 : 1) };
  }

  isSaturated(): boolean {
    return (
      this.block !== null ||
      this.counters.pendingRows >= this.settings.maxPendingRows ||
      (this.retrying && this.queue.length > 0)
    );
  }

  /** Why the sink holds its rows, or null when ClickHouse takes them. */
  blocked(): SinkBlock | null {
    return this.block;
  }

  /** From now on a blocked write rejects (RetryableError) instead of waiting for the operator. */
  stopRetrying(): void {
    this.retryingStopped = true;
    this.stopSleeping.abort();
  }

  /**
   * Inserts exactly `items` as one request, now, with the same retry and block policy as batches but
   * outside the batching queue: the unit that isolateRejected bisects.
   */
  async insertNow(items: readonly T[]): Promise<void> {
    if (items.length === 0) return;
    await this.insertWithRetry(this.mapRows(items));
  }

  /** Resolves at once when not saturated, else when the sink has caught up. */
  whenWritable(): Promise<void> {
    if (!this.isSaturated()) return Promise.resolve();
    return new Promise((resolve) => this.writableWaiters.push(resolve));
  }

  /**
   * Queues rows for insertion; resolves when all of them are acknowledged. A `toRow` that throws rejects
   * the whole call with an UnrecoverableError before any row is queued.
   */
  write(items: readonly T[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`sink for ${this.table} is closed`));
    if (items.length === 0) return Promise.resolve();
    let rows: Record<string, unknown>[];
    try {
      rows = this.mapRows(items);
    } catch (error) {
      return Promise.reject(error);
    }
    const waits: Promise<void>[] = [];
    let offset = 0;
    while (offset < rows.length) {
      const batch = this.openBatch();
      const take = Math.min(this.settings.maxBatchRows - batch.rows.length, rows.length - offset);
      for (let i = 0; i < take; i += 1) batch.rows.push(rows[offset + i]!);
      offset += take;
      if (waits[waits.length - 1] !== batch.done) waits.push(batch.done);
      if (batch.rows.length >= this.settings.maxBatchRows) this.seal();
    }
    this.counters.pendingRows += rows.length;
    return waits.length === 1 ? waits[0]! : Promise.all(waits).then(() => undefined);
  }

  /** Sends the partly filled batch now; resolves when everything accepted so far is settled. */
  async flush(): Promise<void> {
    this.seal();
    while (this.draining !== null) await this.draining;
  }

  /** Flushes, then refuses further writes. A blocked write gives up (see stopRetrying) instead of hanging. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopRetrying();
    await this.flush();
  }

  private mapRows(items: readonly T[]): Record<string, unknown>[] {
    try {
      return items.map(this.toRow);
    } catch (error) {
      throw new UnrecoverableError(
        'row_mapping_failed',
        `cannot map an item to a ${this.table} row: ${errorMessage(error)}`,
        { cause: error },
      );
    }
  }

  private openBatch(): Batch {
    if (this.current === null) {
      this.current = newBatch();
      this.timer = setTimeout(() => this.seal(), this.settings.maxBatchDelayMs);
    }
    return this.current;
  }

  private seal(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.current;
    if (batch === null) return;
    this.current = null;
    this.queue.push(batch);
    if (this.draining === null) this.draining = this.drain();
  }

  /**
   * Inserts queued batches one after another. `draining` is cleared inside the loop's own `finally`, in
   * the same synchronous step as the last empty-queue check, so a batch sealed at any moment either is
   * picked up by this loop or starts a new one.
   */
  private async drain(): Promise<void> {
    try {
      for (let batch = this.queue.shift(); batch !== undefined; batch = this.queue.shift()) {
        try {
          await this.insertWithRetry(batch.rows);
          batch.resolve();
        } catch (error) {
          this.counters.failedBatches += 1;
          batch.reject(error);
        } finally {
          this.counters.pendingRows -= batch.rows.length;
          this.notifyWritable();
        }
      }
    } finally {
      this.draining = null;
    }
  }

  private async insertWithRetry(rows: Record<string, unknown>[]): Promise<void> {
    const started = Date.now();
    let failures = 0;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.executor.insertRows(this.table, rows);
        this.retrying = false;
        this.counters.insertedRows += rows.length;
        this.counters.insertedBatches += 1;
        this.listener.onInserted?.({
          table: this.table,
          rows: rows.length,
          attempts: attempt,
          durationMs: Date.now() - started,
        });
        this.resume();
        return;
      } catch (error) {
        const failure = this.classify(error);
        if (failure.kind === 'operator') {
          // Nothing is wrong with the rows: hold them until the operator fixes the cause.
          this.enterBlock(failure, error);
          if (this.retryingStopped) {
            throw new RetryableError(
              `stopped while ClickHouse refused writes to ${this.table} (${failure.name}); ${rows.length} rows not written: ${errorMessage(error).trim()}`,
              { cause: error },
            );
          }
          await this.interruptibleSleep(this.settings.blockedRetryDelayMs);
          continue;
        }
        failures += 1;
        if (failure.kind === 'data' || failures >= this.settings.maxAttempts) {
          this.retrying = false;
          this.listener.onFailed?.({
            table: this.table,
            rows: rows.length,
            attempts: attempt,
            kind: failure.kind,
            error,
          });
          if (failure.kind === 'data') {
            throw new UnrecoverableError(
              'clickhouse_rejected',
              `ClickHouse refused a batch of ${rows.length} rows for ${this.table}: ${errorMessage(error).trim()}`,
              { cause: error },
            );
          }
          throw new RetryableError(
            `inserting ${rows.length} rows into ${this.table} failed ${failures} times; last error: ${errorMessage(error).trim()}`,
            { cause: error },
          );
        }
        this.retrying = true;
        this.counters.retries += 1;
        const delayMs = backoffDelayMs(
          failures,
          { baseDelayMs: this.settings.baseRetryDelayMs, maxDelayMs: this.settings.maxRetryDelayMs },
          this.random,
        );
        this.listener.onRetry?.({ table: this.table, rows: rows.length, attempt: failures, delayMs, error });
        await this.interruptibleSleep(delayMs);
      }
    }
  }

  /** Records the block; tells the listener when it starts or its reason changes. */
  private enterBlock(failure: ClickHouseFailure, error: unknown): void {
    const previous = this.block;
    if (previous !== null && previous.reason === failure.name) return;
    this.block = {
      reason: failure.name,
      code: failure.code,
      error,
      sinceMs: previous?.sinceMs ?? Date.now(),
    };
    this.listener.onBlocked?.({
      ...this.block,
      table: this.table,
      retryDelayMs: this.settings.blockedRetryDelayMs,
    });
  }

  private resume(): void {
    const block = this.block;
    if (block === null) return;
    this.block = null;
    this.listener.onResumed?.({
      table: this.table,
      reason: block.reason,
      blockedMs: Date.now() - block.sinceMs,
    });
    this.notifyWritable();
  }

  private interruptibleSleep(ms: number): Promise<void> {
    if (this.retryingStopped) return Promise.resolve();
    return this.sleep(ms, this.stopSleeping.signal);
  }

  private notifyWritable(): void {
    if (this.writableWaiters.length === 0 || this.isSaturated()) return;
    const waiters = this.writableWaiters;
    this.writableWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
