/**
 * Two clocks, kept apart on purpose. Stream time only advances when records arrive; wall-clock time
 * advances regardless, which is what absence detection and idle-partition handling need.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock a test (or a replay) moves by hand. */
export class ManualClock implements Clock {
  constructor(private current = 0) {}
  now(): number {
    return this.current;
  }
  set(ms: number): void {
    if (ms < this.current) throw new RangeError(`manual clock cannot go back from ${this.current} to ${ms}`);
    this.current = ms;
  }
  advance(ms: number): void {
    this.set(this.current + ms);
  }
}

/**
 * Wall-clock time that stands still while a consumer makes no progress: it runs while fetches complete
 * (`progressed()`, on every fetch, empty or not) and stops `stallAfterMs` after the last one, until the
 * next. Idle decisions (a quiet partition's watermark advance, a silent source no longer holding others
 * back) run on it, so a consumer that cannot fetch — the broker unreachable, a rebalance, its own
 * backpressure — does not take its own stall for quiet input, and an outage closes no window early.
 * Time never goes back: the stall is subtracted only from then on.
 */
export class ProgressClock implements Clock {
  private lastProgressMs: number;
  private stalledMs = 0;

  constructor(
    private readonly stallAfterMs: number,
    private readonly base: Clock = systemClock,
  ) {
    if (!(stallAfterMs > 0)) throw new RangeError(`stallAfterMs must be > 0; got ${stallAfterMs}`);
    this.lastProgressMs = base.now();
  }

  /** A fetch completed: time runs again, and a stall that just ended is left out of it for good. */
  progressed(): void {
    const now = this.base.now();
    const gap = now - this.lastProgressMs;
    if (gap > this.stallAfterMs) this.stalledMs += gap - this.stallAfterMs;
    if (now > this.lastProgressMs) this.lastProgressMs = now;
  }

  now(): number {
    const now = Math.min(this.base.now(), this.lastProgressMs + this.stallAfterMs);
    return now - this.stalledMs;
  }

  /** Wall time left out so far (stalls), for a gauge or a log line. */
  stalledTotalMs(): number {
    const ongoing = this.base.now() - this.lastProgressMs - this.stallAfterMs;
    return this.stalledMs + Math.max(0, ongoing);
  }
}
