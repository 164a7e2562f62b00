/**
 * An in-memory, bounded buffer that sends its items in batches, on size or after a linger time, one
 * batch at a time and in order. Transport-agnostic: the client gives it a `send` that writes to Kafka.
 *
 * - push() never blocks: it returns false (and counts a drop) when `maxBuffered` items are waiting.
 * - A failed send keeps its items at the head of the buffer and is retried after an exponential backoff;
 *   the failure goes to `onError`.
 * - flush() resolves once everything pushed before the call is sent, or rejects after `timeoutMs` with
 *   the last send error (the items stay buffered).
 */
export interface BatcherOptions<T> {
  readonly send: (batch: readonly T[]) => Promise<void>;
  readonly lingerMs: number;
  readonly maxBatch: number;
  readonly maxBuffered: number;
  readonly onError?: (error: unknown) => void;
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
}

export interface BatcherStats {
  /** Items accepted by push(). */
  readonly accepted: number;
  /** Items the transport acknowledged. */
  readonly sent: number;
  /** Items refused by push() because the buffer was full, plus items abandoned by discard(). */
  readonly dropped: number;
  /** Send attempts that failed (each is retried). */
  readonly failedSends: number;
  /** Items waiting or being sent. */
  readonly buffered: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits for `promise` or `ms`, whichever comes first (never rejects). */
function within(promise: Promise<void>, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

export class Batcher<T> {
  private readonly queue: T[] = [];
  /** Number of items ever removed from the head of the queue (sent or discarded): the flush cursor. */
  private removed = 0;
  private accepted = 0;
  private sent = 0;
  private dropped = 0;
  private failedSends = 0;
  private consecutiveFailures = 0;
  private lastError: unknown = null;
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  /** Bumped by discard(), so that a send in flight across a discard does not count its items twice. */
  private generation = 0;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;

  constructor(private readonly options: BatcherOptions<T>) {
    if (!(options.maxBatch >= 1) || !(options.maxBuffered >= options.maxBatch) || !(options.lingerMs >= 0)) {
      throw new RangeError('batcher needs maxBatch >= 1, maxBuffered >= maxBatch and lingerMs >= 0');
    }
    this.retryInitialMs = options.retryInitialMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 10_000;
  }

  /** Accepts an item unless the buffer is full (then false, counted as dropped). */
  push(item: T): boolean {
    if (this.queue.length >= this.options.maxBuffered) {
      this.dropped++;
      return false;
    }
    this.queue.push(item);
    this.accepted++;
    if (this.queue.length >= this.options.maxBatch) void this.kick(false);
    else if (this.timer === null && this.draining === null) this.schedule(this.options.lingerMs);
    return true;
  }

  /** Counts an item refused before it was built (the caller checked isFull()); returns false. */
  refuse(): false {
    this.dropped++;
    return false;
  }

  /** True when push() would refuse the next item. */
  isFull(): boolean {
    return this.queue.length >= this.options.maxBuffered;
  }

  stats(): BatcherStats {
    return {
      accepted: this.accepted,
      sent: this.sent,
      dropped: this.dropped,
      failedSends: this.failedSends,
      buffered: this.queue.length,
    };
  }

  /** Sends everything pushed so far; see the class comment for failure behaviour. */
  async flush(timeoutMs: number): Promise<void> {
    const target = this.removed + this.queue.length;
    const deadline = Date.now() + timeoutMs;
    while (this.removed < target) {
      // A send stuck in the transport's own retries must not hold flush past its deadline.
      await within(this.kick(true), deadline - Date.now());
      if (this.removed >= target) return;
      const left = deadline - Date.now();
      if (left <= 0) {
        const pending = target - this.removed;
        throw new Error(
          `${pending} item(s) still unsent after ${timeoutMs} ms: ${
            this.lastError === null ? 'a send is still in flight' : errorText(this.lastError)
          }`,
          { cause: this.lastError },
        );
      }
      await sleep(Math.min(left, this.backoffMs()));
    }
  }

  /** Drops every buffered item (counted as dropped) and stops the timer; returns how many. */
  discard(): number {
    this.clearTimer();
    const n = this.queue.length;
    this.queue.length = 0;
    this.generation++;
    this.removed += n;
    this.dropped += n;
    return n;
  }

  /** Stops the linger/retry timer (items stay buffered). */
  stop(): void {
    this.clearTimer();
  }

  private backoffMs(): number {
    const exp = this.retryInitialMs * 2 ** Math.min(this.consecutiveFailures - 1, 20);
    return Math.min(this.retryMaxMs, Math.max(this.retryInitialMs, exp));
  }

  private schedule(delayMs: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.kick(true);
    }, delayMs);
    // Buffered telemetry must not keep a process alive: call flush()/close() at shutdown.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /**
   * Starts draining unless a drain is running; resolves when that drain ends (not necessarily empty).
   * A drain sends full batches; `partial` (linger expired, or flush) lets it send a partial one too.
   */
  private kick(partial: boolean): Promise<void> {
    this.clearTimer();
    if (this.draining === null) {
      this.draining = this.drain(partial).finally(() => {
        this.draining = null;
        if (this.queue.length === 0) return;
        // Failure: retry after backoff. Success with more queued meanwhile: linger for the next batch.
        this.schedule(this.consecutiveFailures > 0 ? this.backoffMs() : this.nextDelay());
      });
    }
    return this.draining;
  }

  private nextDelay(): number {
    return this.queue.length >= this.options.maxBatch ? 0 : this.options.lingerMs;
  }

  private async drain(partial: boolean): Promise<void> {
    while (this.queue.length >= (partial ? 1 : this.options.maxBatch)) {
      const batch = this.queue.slice(0, this.options.maxBatch);
      const generation = this.generation;
      try {
        await this.options.send(batch);
      } catch (error) {
        this.failedSends++;
        this.consecutiveFailures++;
        this.lastError = error;
        this.options.onError?.(error);
        return;
      }
      this.consecutiveFailures = 0;
      if (generation !== this.generation) return; // discarded meanwhile: already counted as dropped
      this.queue.splice(0, batch.length);
      this.removed += batch.length;
      this.sent += batch.length;
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
