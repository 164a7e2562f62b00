import { hash53 } from '@aiops/core';

/**
 * Exact duplicate suppression in front of the window operator, bounded by event time.
 *
 * Duplicates reach the aggregator when a producer retries, or when the validator replays after a
 * restart. Every copy of an event has the same series, so it lands in the same partition here. An id is
 * remembered as long as its event could still be counted in a window (until the watermark passes its
 * time + horizon), then forgotten: a copy arriving after that would be too late for its windows anyway.
 * Ids are kept as 53-bit hashes (collision odds ~1e-16 per pair) to keep the set small.
 */
export class EventIdFilter {
  /** Insertion order ≈ event-time order, so expiry walks from the front. */
  private readonly expiresAt = new Map<number, number>();

  constructor(private readonly horizonMs: number) {}

  /** True when the event was already counted; otherwise remembers it. */
  isDuplicate(eventId: string, eventTimeMs: number): boolean {
    const hash = hash53(eventId);
    if (this.expiresAt.has(hash)) return true;
    this.expiresAt.set(hash, eventTimeMs + this.horizonMs);
    return false;
  }

  /** Forgets ids whose events are now beyond any window's reach. */
  expire(watermarkMs: number): void {
    for (const [hash, expiry] of this.expiresAt) {
      if (expiry > watermarkMs) break;
      this.expiresAt.delete(hash);
    }
  }

  get size(): number {
    return this.expiresAt.size;
  }
}
