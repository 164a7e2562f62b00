import { hash53 } from '@aiops/core';

/**
 * Exact duplicate suppression in front of the window operator, bounded by event time.
 *
 * Duplicates reach the aggregator when a producer retries, or when the validator replays after a
 * restart. Every copy of an event has the same series, so it lands in the same partition here. An id is
 * a duplicate while its first copy could still be counted in a window: until the watermark passes its
 * time + horizon. A copy arriving after that is no longer recognised (it would count again, as a late
 * correction; see WindowOperator). Ids are kept as 53-bit hashes (collision odds ~1e-16 per pair).
 *
 * Determinism. Whether a record is a duplicate depends only on the records before it and the
 * watermark just before it (checked at lookup), never on when `expire` ran, so a replay decides as
 * the original run did — provided it rebuilds the filter first: `neededFrom(offset)` is the lowest
 * source offset whose id the filter still held just before the record at `offset` (one filter serves
 * one input partition, whose records come in offset order). WindowAggregation commits that offset.
 */
export class EventIdFilter {
  /** Expiry per id hash; insertion order ≈ event-time order, so `expire` walks from the front. */
  private readonly expiresAt = new Map<number, number>();
  /** The source offset of each id, in the same (insertion) order; `head` is the oldest still held. */
  private offsets: number[] = [];
  private head = 0;
  /** [offset of a record, oldest offset held just before it], each time the latter changed. */
  private fronts: Array<[number, number]> = [];

  constructor(private readonly horizonMs: number) {}

  /**
   * True when the event's first copy is still within reach at `watermarkMs` (the partition's watermark
   * before this record); otherwise remembers it, read at source `offset`.
   */
  isDuplicate(eventId: string, eventTimeMs: number, offset: number, watermarkMs: number): boolean {
    this.noteFront(offset);
    const hash = hash53(eventId);
    const expiry = this.expiresAt.get(hash);
    if (expiry !== undefined) return expiry > watermarkMs;
    this.insert(hash, eventTimeMs, offset);
    return false;
  }

  /** Remembers an id without judging it: a record the previous run already counted (a restart's re-read). */
  remember(eventId: string, eventTimeMs: number, offset: number): void {
    const hash = hash53(eventId);
    if (!this.expiresAt.has(hash)) this.insert(hash, eventTimeMs, offset);
  }

  /** Frees ids no lookup can match any more (the watermark only grows). */
  expire(watermarkMs: number): void {
    for (const [hash, expiry] of this.expiresAt) {
      if (expiry > watermarkMs) break;
      this.expiresAt.delete(hash);
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.offsets.length) {
      this.offsets = this.offsets.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * The lowest source offset whose id was held just before the record at `offset` (`offset` itself when
   * none was): a restart that resumes the windows at `offset` re-reads from there to rebuild the filter.
   * Forgets what only earlier offsets needed: call it with non-decreasing offsets.
   */
  neededFrom(offset: number): number {
    let last = -1;
    while (last + 1 < this.fronts.length && this.fronts[last + 1]![0] <= offset) last += 1;
    if (last > 0) this.fronts.splice(0, last);
    const front = last < 0 ? undefined : this.fronts[0]![1];
    return front === undefined || front < 0 || front > offset ? offset : front;
  }

  get size(): number {
    return this.expiresAt.size;
  }

  private insert(hash: number, eventTimeMs: number, offset: number): void {
    this.expiresAt.set(hash, eventTimeMs + this.horizonMs);
    this.offsets.push(offset);
  }

  private noteFront(offset: number): void {
    const front = this.head < this.offsets.length ? this.offsets[this.head]! : offset;
    const previous = this.fronts.at(-1);
    if (previous === undefined || previous[1] !== front) this.fronts.push([offset, front]);
  }
}
