import { MAX_COMMIT_METADATA_CHARS } from './commit-metadata.js';
import { NO_WATERMARK } from './watermark.js';

/** Upper estimates of a tenant's and a source's share of the compact committed form (commit-metadata.ts). */
const TENANT_BYTES = 40;
const SOURCE_BYTES = 20;
/** What the clocks may take of the commit metadata; the rest is the partition's own position. */
const CLOCKS_BUDGET = MAX_COMMIT_METADATA_CHARS - 500;

/**
 * One tenant's event-time clock inside a partition, as stored in a checkpoint: [tenant, highest event
 * time, watermark, its first record's source's progress then, sources announced, per upstream source
 * [id, highest event time of the tenant, the source's progress at its last record of it]]. In JSON about
 * 50 bytes plus 35 per raw partition carrying the tenant.
 */
export type TenantPosition = [string, number, number, number, number, Array<[string, number, number]>];

interface TenantSourceState {
  maxEventTime: number;
  /** The source's own highest event time (all tenants) right after its last record of this tenant. */
  frontAtLast: number;
}

/** The partition's upstream sources as its WatermarkTracker sees them: id → highest event time, all tenants. */
export interface SourceFronts {
  ids(): Iterable<string>;
  front(id: string): number;
}

interface TenantClockState {
  maxEventTime: number;
  watermark: number;
  /** Its first record's source's highest event time right after it (the base of the unseen wait). */
  frontAtFirst: number;
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
 * tenant's bound is the minimum over the upstream sources that carry it (M_t above is that minimum),
 * where a source that moved `idleTimeoutMs` past the tenant's last record there carries the tenant's
 * reach along with its own stream (the tenant is assumed to keep its lag), and a source not yet seen
 * with the tenant is waited for until its own stream moved `idleTimeoutMs` past the tenant's first record (a tenant keyed to few raw partitions
 * is never seen on the others). Both are functions of the records (event times), so a replay repeats
 * them.
 *
 * Idle tenants. A tenant that stops sending would never close its last windows; by the rule above,
 * `idleTimeoutMs` of its sources' stream time later its clock moves on with them, keeping the lag it
 * had, so they close, and its absence can be judged. This is measured in the sources' event time, not
 * wall time, so it is a function of the records: a replay repeats it exactly (a partition idle as a whole is still advanced by the wall clock,
 * as before, and carries its sources along).
 *
 * W_t is evaluated lazily (when the tenant's next record comes, or when the partition's watermark
 * crosses a window boundary). It is monotone in W_p and in each source's progress, so at a record of
 * the tenant from source r it is at most r's reach just before that record, a function of r's records
 * alone: only a record whose tenant fell behind on r by more than the grace and the bound can be late in
 * one interleaving and on time in another.
 */
export class TenantClocks {
  private readonly tenants = new Map<string, TenantClockState>();
  /** About what the clocks take in commit metadata (compact form): ids, numbers, sources. */
  private committedBytes = 0;

  constructor(
    private readonly options: TenantClockOptions,
    private readonly fronts: SourceFronts = { ids: () => [], front: () => NO_WATERMARK },
  ) {}

  get size(): number {
    return this.tenants.size;
  }

  has(tenant: string): boolean {
    return this.tenants.has(tenant);
  }

  tenantIds(): IterableIterator<string> {
    return this.tenants.keys();
  }

  /**
   * How far the tenant is behind the other data on its own upstream sources: the least, over the raw
   * partitions carrying it, of (that partition's newest event time − the tenant's newest there). A
   * backfill is hours behind on every source that carries it; a validator draining a backlog moves all
   * tenants of a raw partition together, so they are not behind. A function of the records.
   */
  lag(tenant: string): number {
    const s = this.tenants.get(tenant);
    if (s === undefined) return 0;
    let least = Number.POSITIVE_INFINITY;
    for (const [id, from] of s.sources) {
      const behind = this.fronts.front(id) - from.maxEventTime;
      if (behind < least) least = behind;
    }
    return least === Number.POSITIVE_INFINITY ? 0 : Math.max(0, least);
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
    const next = this.peek(tenant, partitionWatermark);
    const s = this.tenants.get(tenant);
    if (s !== undefined) s.watermark = next;
    return next;
  }

  /** What `watermark` would return, without storing it (NO_WATERMARK for a tenant never seen). */
  peek(tenant: string, partitionWatermark: number): number {
    const s = this.tenants.get(tenant);
    return s === undefined ? NO_WATERMARK : Math.max(s.watermark, this.evaluate(s, partitionWatermark));
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
        frontAtFirst: Math.max(eventTimeMs, this.fronts.front(source.id)),
        expectedSources: source.count,
        sources: new Map(),
      };
      this.tenants.set(tenant, s);
      this.committedBytes += TENANT_BYTES + tenant.length;
    } else if (eventTimeMs > s.maxEventTime) s.maxEventTime = eventTimeMs;
    if (source.count > s.expectedSources) s.expectedSources = source.count;
    const front = Math.max(eventTimeMs, this.fronts.front(source.id));
    const from = s.sources.get(source.id);
    if (from === undefined) {
      s.sources.set(source.id, { maxEventTime: eventTimeMs, frontAtLast: front });
      this.committedBytes += SOURCE_BYTES + source.id.length;
    } else {
      if (eventTimeMs > from.maxEventTime) from.maxEventTime = eventTimeMs;
      from.frontAtLast = front;
    }
    const next =
      partitionWatermark === NO_WATERMARK
        ? s.watermark
        : Math.max(s.watermark, this.boundedNow(s, partitionWatermark));
    s.watermark = next;
    return next;
  }

  /**
   * The lowest reach (highest event time, moved on with the source's stream since) − bound over the
   * upstream sources that carry the tenant, or 'waiting' while a source may still bring its first records.
   */
  private boundedNow(s: TenantClockState, partitionWatermark: number): number {
    const bound = this.bounded(s, partitionWatermark);
    return typeof bound === 'number' ? Math.min(partitionWatermark, bound) : s.watermark;
  }

  private bounded(s: TenantClockState, partitionWatermark: number): number | 'waiting' {
    const timeout = this.options.idleTimeoutMs;
    // A source's progress. A partition the wall clock advanced past every source (it went idle as a
    // whole) carries its sources along; one source left behind by the others' idle advance does not
    // move: the tenant keeps waiting for it, so none of its events is late.
    let highest = NO_WATERMARK;
    for (const id of this.fronts.ids()) highest = Math.max(highest, this.fronts.front(id));
    const floor = partitionWatermark + this.options.maxOutOfOrdernessMs;
    const wallIdle = floor > highest;
    const front = (id: string) => (wallIdle ? floor : this.fronts.front(id));
    if (s.sources.size < s.expectedSources) {
      for (const id of this.fronts.ids()) {
        if (s.sources.has(id)) continue;
        if (front(id) < s.frontAtFirst + timeout) return 'waiting';
      }
    }
    // Between two records of the tenant, a source's stream moves on: once it has moved `idleTimeoutMs`
    // past the tenant's last record there, the tenant is assumed to move with it, keeping its lag (less
    // that grace). So a source that carries the tenant rarely, or no longer, holds no one back. The
    // grace is what keeps a sparse tenant's next record on time: the source's front jumps with other
    // tenants' records (their gaps and disorder), and without it the tenant's next record, as far
    // behind as its last, would be late by that jitter in one interleaving and not in another. A
    // partition idle as a whole waited its (wall-clock) timeout already.
    const grace = wallIdle ? 0 : timeout;
    let lowest = Number.POSITIVE_INFINITY;
    for (const [id, from] of s.sources) {
      const reach = from.maxEventTime + Math.max(0, front(id) - from.frontAtLast - grace);
      if (reach < lowest) lowest = reach;
    }
    return lowest - this.options.maxOutOfOrdernessMs;
  }

  private evaluate(s: TenantClockState, partitionWatermark: number): number {
    if (partitionWatermark === NO_WATERMARK) return s.watermark;
    const bound = this.bounded(s, partitionWatermark);
    return bound === 'waiting' ? s.watermark : Math.min(partitionWatermark, bound);
  }

  /**
   * The clocks as a checkpoint stores them, or undefined when they would not fit in the commit metadata
   * (MAX_COMMIT_METADATA_CHARS): a window's checkpoint copies them when it opens, and with thousands of
   * tenants that copy per window per tenant would cost memory and time quadratic in the tenants for
   * nothing a commit could keep. A restart then rebuilds the clocks from the records (README).
   */
  committablePosition(): TenantPosition[] | undefined {
    return this.committedBytes <= CLOCKS_BUDGET ? this.position() : undefined;
  }

  position(): TenantPosition[] {
    const out: TenantPosition[] = [];
    for (const [id, s] of this.tenants) {
      const sources: Array<[string, number, number]> = [];
      for (const [sourceId, from] of s.sources) sources.push([sourceId, from.maxEventTime, from.frontAtLast]);
      out.push([id, s.maxEventTime, s.watermark, s.frontAtFirst, s.expectedSources, sources]);
    }
    return out;
  }

  restore(position: readonly TenantPosition[]): void {
    this.tenants.clear();
    this.committedBytes = 0;
    for (const [id, maxEventTime, watermark, first, expected, sources] of position) {
      this.committedBytes += TENANT_BYTES + id.length;
      for (const [sourceId] of sources) this.committedBytes += SOURCE_BYTES + sourceId.length;
      this.tenants.set(id, {
        maxEventTime,
        watermark,
        frontAtFirst: first,
        expectedSources: expected,
        sources: new Map(
          sources.map(([sourceId, max, at]) => [sourceId, { maxEventTime: max, frontAtLast: at }]),
        ),
      });
    }
  }
}
