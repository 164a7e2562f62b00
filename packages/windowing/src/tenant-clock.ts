import { NO_WATERMARK } from './watermark.js';

/**
 * One tenant's event-time clock inside a partition, as stored in a checkpoint: [tenant, highest event
 * time, watermark, partition watermark at its last record, its watermark then, partition watermark at
 * its first record, sources announced, per upstream source [id, highest event time, partition watermark
 * at its last record]]. About 60 bytes plus 40 per upstream source that carries the tenant.
 */
export type TenantPosition = [
  string,
  number,
  number,
  number,
  number,
  number,
  number,
  Array<[string, number, number]>,
];

interface TenantSourceState {
  maxEventTime: number;
  partitionAtLast: number;
}

interface TenantClockState {
  maxEventTime: number;
  watermark: number;
  /** The partition's watermark right after this tenant's last record. */
  partitionAtLast: number;
  /** This tenant's watermark right after its last record. */
  watermarkAtLast: number;
  /** The partition's watermark when the tenant was first seen with one (the base of the unseen wait). */
  partitionAtFirst: number;
  expectedSources: number;
  readonly sources: Map<string, TenantSourceState>;
}

export interface TenantClockOptions {
  maxOutOfOrdernessMs: number;
  /** Partition stream time (not wall time) without a record of the tenant after which it counts as idle. */
  idleTimeoutMs: number;
}

/**
 * Per-tenant watermarks inside one partition. A partition carries many tenants, and one of them may be
 * hours behind the others (a backfill, a producer that buffered through a partition, an exporter that
 * flushes in large batches). Judged on the partition's clock, all of its events would be late; judged on
 * its own, none is. So each tenant has its own watermark:
 *
 *   W_t = max(W_t, min(W_p, M_t − maxOutOfOrderness), idle advance)
 *
 * where W_p is the partition's watermark (the minimum over upstream sources, see WatermarkTracker) and
 * M_t the tenant's highest event time. Capped by W_p, a tenant keeps the partition's protection against
 * upstream backlogs; driven by M_t, a tenant behind the others closes its windows when its own time
 * passes them, and holds back nobody.
 *
 * Upstream sources. An events partition is fed by every raw partition, and a validator draining a
 * backlog (a backfill is one) sends them chunk by chunk, so one tenant's event times from different raw
 * partitions interleave far beyond any out-of-orderness bound. As the partition's tracker does, the
 * tenant's bound is the minimum over the upstream sources that carry it (M_t above is that minimum):
 * a source counts until the partition's watermark moved `idleTimeoutMs` past its last record of the
 * tenant, and sources announced but not yet seen with the tenant are waited for until the partition's
 * watermark moved `idleTimeoutMs` past the tenant's first record (a tenant keyed to few raw partitions
 * is never seen on the others). Both in partition stream time, so a replay repeats them.
 *
 * Idle tenants. A tenant that stops sending would never close its last windows. It counts as idle once
 * the partition's watermark moved `idleTimeoutMs` past where it stood at the tenant's last record; from
 * then on its clock moves with the partition's, keeping the lag it had (W_t at last record + W_p moved
 * since). This is measured in partition stream time, not wall time, so it is a function of the records:
 * a replay repeats it exactly (a wall-clock idle partition still moves W_p by the wall clock, as before).
 *
 * W_t is a monotone function of W_p for a given state, so evaluating it lazily (when the tenant's next
 * record comes, or when the partition's watermark crosses a window boundary) gives the same value as
 * evaluating it at every step.
 */
export class TenantClocks {
  private readonly tenants = new Map<string, TenantClockState>();

  constructor(private readonly options: TenantClockOptions) {}

  get size(): number {
    return this.tenants.size;
  }

  has(tenant: string): boolean {
    return this.tenants.has(tenant);
  }

  tenantIds(): IterableIterator<string> {
    return this.tenants.keys();
  }

  /** The tenant's watermark as last evaluated (NO_WATERMARK for a tenant never seen). */
  stored(tenant: string): number {
    return this.tenants.get(tenant)?.watermark ?? NO_WATERMARK;
  }

  /**
   * The tenant's watermark given the partition's watermark `partitionWatermark` (NO_WATERMARK for a
   * tenant never seen); the result is stored, so it never goes back.
   */
  watermark(tenant: string, partitionWatermark: number): number {
    const s = this.tenants.get(tenant);
    if (s === undefined) return NO_WATERMARK;
    const next = this.evaluate(s, partitionWatermark);
    if (next > s.watermark) s.watermark = next;
    return s.watermark;
  }

  /** A record of `tenant` with `eventTimeMs` was processed; the partition's watermark is now `partitionWatermark`. */
  observe(
    tenant: string,
    eventTimeMs: number,
    partitionWatermark: number,
    source: { id: string; count: number } = { id: '0', count: 1 },
  ): number {
    let s = this.tenants.get(tenant);
    if (s === undefined) {
      s = {
        maxEventTime: eventTimeMs,
        watermark: NO_WATERMARK,
        partitionAtLast: NO_WATERMARK,
        watermarkAtLast: NO_WATERMARK,
        partitionAtFirst: partitionWatermark,
        expectedSources: source.count,
        sources: new Map(),
      };
      this.tenants.set(tenant, s);
    } else if (eventTimeMs > s.maxEventTime) s.maxEventTime = eventTimeMs;
    if (source.count > s.expectedSources) s.expectedSources = source.count;
    if (s.partitionAtFirst === NO_WATERMARK) s.partitionAtFirst = partitionWatermark;
    const from = s.sources.get(source.id);
    if (from === undefined)
      s.sources.set(source.id, { maxEventTime: eventTimeMs, partitionAtLast: partitionWatermark });
    else {
      if (eventTimeMs > from.maxEventTime) from.maxEventTime = eventTimeMs;
      from.partitionAtLast = partitionWatermark;
    }
    // The idle advance up to this record was taken by watermark() before it; the tenant is active now.
    const next =
      partitionWatermark === NO_WATERMARK
        ? s.watermark
        : Math.max(s.watermark, Math.min(partitionWatermark, this.bounded(s, partitionWatermark)));
    s.watermark = next;
    s.partitionAtLast = partitionWatermark;
    s.watermarkAtLast = next;
    return next;
  }

  /**
   * The partition's watermark left NO_WATERMARK: tenants whose records all came before that count their
   * idle time from here (otherwise a tenant that never sends again would never close its windows).
   */
  partitionStarted(partitionWatermark: number): void {
    for (const s of this.tenants.values()) {
      if (s.partitionAtLast === NO_WATERMARK) {
        s.partitionAtLast = partitionWatermark;
        const own = s.maxEventTime - this.options.maxOutOfOrdernessMs;
        s.watermarkAtLast = Math.max(s.watermark, Math.min(partitionWatermark, own));
      }
      if (s.partitionAtFirst === NO_WATERMARK) s.partitionAtFirst = partitionWatermark;
      for (const from of s.sources.values())
        if (from.partitionAtLast === NO_WATERMARK) from.partitionAtLast = partitionWatermark;
    }
  }

  /**
   * The lowest (highest event time − bound) over the sources that carry the tenant, or NO_WATERMARK
   * while announced sources are still awaited or every source went quiet (then the idle rule applies).
   */
  private bounded(s: TenantClockState, partitionWatermark: number): number {
    const timeout = this.options.idleTimeoutMs;
    const waiting =
      s.sources.size < s.expectedSources &&
      (s.partitionAtFirst === NO_WATERMARK || partitionWatermark - s.partitionAtFirst < timeout);
    if (waiting) return NO_WATERMARK;
    let lowest = Number.POSITIVE_INFINITY;
    for (const from of s.sources.values()) {
      const quiet =
        from.partitionAtLast !== NO_WATERMARK && partitionWatermark - from.partitionAtLast >= timeout;
      if (!quiet && from.maxEventTime < lowest) lowest = from.maxEventTime;
    }
    if (lowest === Number.POSITIVE_INFINITY) return NO_WATERMARK;
    return lowest - this.options.maxOutOfOrdernessMs;
  }

  private evaluate(s: TenantClockState, partitionWatermark: number): number {
    if (partitionWatermark === NO_WATERMARK) return s.watermark;
    let next = Math.min(partitionWatermark, this.bounded(s, partitionWatermark));
    if (s.partitionAtLast !== NO_WATERMARK) {
      const quiet = partitionWatermark - s.partitionAtLast;
      if (quiet >= this.options.idleTimeoutMs)
        next = Math.max(next, Math.min(partitionWatermark, s.watermarkAtLast + quiet));
    }
    return next;
  }

  position(): TenantPosition[] {
    const out: TenantPosition[] = [];
    for (const [id, s] of this.tenants) {
      const sources: Array<[string, number, number]> = [];
      for (const [sourceId, from] of s.sources)
        sources.push([sourceId, from.maxEventTime, from.partitionAtLast]);
      out.push([
        id,
        s.maxEventTime,
        s.watermark,
        s.partitionAtLast,
        s.watermarkAtLast,
        s.partitionAtFirst,
        s.expectedSources,
        sources,
      ]);
    }
    return out;
  }

  restore(position: readonly TenantPosition[]): void {
    this.tenants.clear();
    for (const [
      id,
      maxEventTime,
      watermark,
      partitionAtLast,
      watermarkAtLast,
      first,
      expected,
      sources,
    ] of position) {
      this.tenants.set(id, {
        maxEventTime,
        watermark,
        partitionAtLast,
        watermarkAtLast,
        partitionAtFirst: first,
        expectedSources: expected,
        sources: new Map(
          sources.map(([sourceId, max, at]) => [sourceId, { maxEventTime: max, partitionAtLast: at }]),
        ),
      });
    }
  }
}
