import { hash53 } from '@aiops/core';

/** One tenant's ids in insertion order (≈ its event-time order), with where each sits in the filter's log. */
interface TenantIds {
  readonly expiresAt: Map<number, number>;
  /** The log index of each id, in the same order; `head` is the first still held. */
  readonly indexes: number[];
  head: number;
}

/**
 * Exact duplicate suppression in front of the window operator, bounded by event time.
 *
 * Duplicates reach the aggregator when a producer retries, or when the validator replays after a
 * restart. Every copy of an event has the same series, so it lands in the same partition here. An id is
 * a duplicate while its first copy could still be counted in a window: until its *tenant's* watermark
 * passes its time + horizon. Judged on the partition's watermark instead, every copy of a tenant that is
 * behind the others by more than the horizon (a backfill, a producer's buffer) would count again. A copy
 * arriving after that is no longer recognised (it would count again, as a late correction; see
 * WindowOperator). Ids are kept as 53-bit hashes (collision odds ~1e-16 per pair), per tenant.
 *
 * Determinism. Whether a record is a duplicate depends only on the records before it and its tenant's
 * watermark just before it (checked at lookup), never on when `expire` ran, so a replay decides as the
 * original run did — provided it rebuilds the filter first: `neededFrom(offset)` is the lowest source
 * offset whose id the filter still held just before the record at `offset` (one filter serves one input
 * partition, whose records come in offset order). WindowAggregation commits that offset.
 */
export class EventIdFilter {
  private readonly tenants = new Map<string, TenantIds>();
  /** The source offset of every id held, in insertion order over all tenants; `logHead` is the oldest. */
  private offsets: number[] = [];
  /** Per log entry: freed by its tenant's expiry (tenants expire independently, so out of log order). */
  private freed: boolean[] = [];
  private logHead = 0;
  /** The log index of `offsets[0]` (entries before it were freed and dropped). */
  private logBase = 0;
  private held = 0;
  /** [offset of a record, oldest offset held just before it], each time the latter changed. */
  private fronts: Array<[number, number]> = [];

  constructor(private readonly horizonMs: number) {}

  /**
   * True when the event's first copy is still within reach at `watermarkMs` (its tenant's watermark
   * before this record); otherwise remembers it, read at source `offset`.
   */
  isDuplicate(
    tenant: string,
    eventId: string,
    eventTimeMs: number,
    offset: number,
    watermarkMs: number,
  ): boolean {
    this.noteFront(offset);
    const hash = hash53(eventId);
    const expiry = this.tenants.get(tenant)?.expiresAt.get(hash);
    if (expiry !== undefined) return expiry > watermarkMs;
    this.insert(tenant, hash, eventTimeMs, offset);
    return false;
  }

  /** Remembers an id without judging it: a record the previous run already counted (a restart's re-read). */
  remember(tenant: string, eventId: string, eventTimeMs: number, offset: number): void {
    const hash = hash53(eventId);
    if (!this.tenants.get(tenant)?.expiresAt.has(hash)) this.insert(tenant, hash, eventTimeMs, offset);
  }

  /** Frees ids no lookup can match any more, each tenant by its own watermark (which only grows). */
  expire(watermarkOf: (tenant: string) => number): void {
    for (const [tenant, ids] of this.tenants) {
      const watermark = watermarkOf(tenant);
      for (const [hash, expiry] of ids.expiresAt) {
        if (expiry > watermark) break;
        ids.expiresAt.delete(hash);
        this.freed[ids.indexes[ids.head]! - this.logBase] = true;
        ids.head += 1;
        this.held -= 1;
      }
      if (ids.expiresAt.size === 0) this.tenants.delete(tenant);
      else if (ids.head > 1024 && ids.head * 2 > ids.indexes.length) {
        ids.indexes.splice(0, ids.head);
        ids.head = 0;
      }
    }
    while (this.logHead < this.offsets.length && this.freed[this.logHead]) this.logHead += 1;
    if (this.logHead > 1024 && this.logHead * 2 > this.offsets.length) {
      this.offsets = this.offsets.slice(this.logHead);
      this.freed = this.freed.slice(this.logHead);
      this.logBase += this.logHead;
      this.logHead = 0;
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
    return this.held;
  }

  private insert(tenant: string, hash: number, eventTimeMs: number, offset: number): void {
    let ids = this.tenants.get(tenant);
    if (ids === undefined) {
      ids = { expiresAt: new Map(), indexes: [], head: 0 };
      this.tenants.set(tenant, ids);
    }
    ids.expiresAt.set(hash, eventTimeMs + this.horizonMs);
    ids.indexes.push(this.logBase + this.offsets.length);
    this.offsets.push(offset);
    this.freed.push(false);
    this.held += 1;
  }

  private noteFront(offset: number): void {
    const front = this.logHead < this.offsets.length ? this.offsets[this.logHead]! : offset;
    const previous = this.fronts.at(-1);
    if (previous === undefined || previous[1] !== front) this.fronts.push([offset, front]);
  }
}
