import type { Series } from '@aiops/contract';
import { seriesOf } from '@aiops/contract';
import type { WindowAccumulator } from './accumulator.js';
import type { TimeWindow } from './assigner.js';
import type { OffsetSpan, SourceOffsets } from './offsets.js';
import type { TenantClocks } from './tenant-clock.js';
import type { UnseenGiveUpReplay } from './unseen-give-up.js';
import type { WatermarkPosition, WatermarkTracker } from './watermark.js';

/** The window operator's state of one source partition, and the helpers that build it (no I/O). */

export interface WindowState {
  readonly key: string;
  readonly accumulator: WindowAccumulator;
  /** Emissions so far: the next emission's revision. */
  emissions: number;
  /** Took late elements since its last emission (coalesce mode). */
  pending: boolean;
}

/** The windows of every series of one tenant for one window (size, start) in one partition. */
export interface Bucket extends OffsetSpan {
  readonly tenant: string;
  readonly window: TimeWindow;
  readonly size: number;
  /** The watermark passed the window end (revision 0 is due or out). */
  closed: boolean;
  readonly windows: Map<string, WindowState>;
  firstOffset: number;
  firstWatermark: number;
  firstPosition?: WatermarkPosition;
  lastOffset: number;
  /**
   * The least lag of the tenant's records in the window: each record's distance behind its raw
   * partition's newest event time when it came (a function of that raw partition's records alone, so
   * not of how the raw partitions interleaved). What the window's `aiops.behind-ms` says; Infinity
   * before its first record and in snapshots from before it.
   */
  leastLagMs: number;
}

export interface SeriesEntry {
  readonly key: string;
  readonly series: Series;
  windows: number;
}

/** The windows of one tenant in one partition, closed by the tenant's own clock. */
export interface TenantWindows {
  readonly tenant: string;
  /** size → start → bucket */
  readonly bySize: Map<number, Map<number, Bucket>>;
  /** Every bucket, sorted by (end, size). */
  readonly ordered: Bucket[];
  readonly pending: Array<{ bucket: Bucket; state: WindowState }>;
}

export interface PartitionState {
  readonly partition: number;
  /** The partition's watermark: the minimum over upstream sources. Caps every tenant's clock. */
  readonly watermark: WatermarkTracker;
  readonly clocks: TenantClocks;
  readonly tenants: Map<string, TenantWindows>;
  readonly offsets: SourceOffsets;
  readonly series: Map<string, SeriesEntry>;
  /** Where the tracker stopped waiting for unseen sources, and its repetition in a replay. */
  readonly giveUp: UnseenGiveUpReplay;
}

export function tenantWindows(p: PartitionState, tenant: string): TenantWindows {
  let t = p.tenants.get(tenant);
  if (t === undefined) {
    t = { tenant, bySize: new Map(), ordered: [], pending: [] };
    p.tenants.set(tenant, t);
  }
  return t;
}

/** Every bucket of the partition, all tenants. */
export function* buckets(p: PartitionState): Iterable<Bucket> {
  for (const t of p.tenants.values()) yield* t.ordered;
}

/** The event-time state of the partition and its tenants: what a replay from here starts with. */
export function position(p: PartitionState): WatermarkPosition {
  const tenants = p.clocks.committablePosition();
  return tenants === undefined ? p.watermark.position() : { ...p.watermark.position(), tenants };
}

export function insertBucket(
  t: TenantWindows,
  window: TimeWindow,
  firstOffset: number,
  firstWatermark: number,
  firstPosition: WatermarkPosition | undefined,
): Bucket {
  const size = window.end - window.start;
  const bucket: Bucket = {
    tenant: t.tenant,
    window,
    size,
    closed: false,
    windows: new Map(),
    firstOffset,
    firstWatermark,
    ...(firstPosition === undefined ? {} : { firstPosition }),
    lastOffset: firstOffset,
    leastLagMs: Number.POSITIVE_INFINITY,
  };
  let byStart = t.bySize.get(size);
  if (byStart === undefined) {
    byStart = new Map();
    t.bySize.set(size, byStart);
  }
  byStart.set(window.start, bucket);
  // Usually the newest bucket ends last: search from the back.
  let i = t.ordered.length;
  while (i > 0 && precedes(bucket, t.ordered[i - 1]!)) i -= 1;
  t.ordered.splice(i, 0, bucket);
  return bucket;
}

/** One key string and frozen Series per series and partition, shared by its windows; counts them. */
export function internSeries(p: PartitionState, key: string, source: Series): SeriesEntry {
  let entry = p.series.get(key);
  if (entry === undefined) {
    entry = { key, series: Object.freeze(seriesOf(source)), windows: 0 };
    p.series.set(key, entry);
  }
  entry.windows += 1;
  return entry;
}

/** Bucket order: by window end, then size. */
function precedes(a: Bucket, b: Bucket): boolean {
  return a.window.end < b.window.end || (a.window.end === b.window.end && a.size < b.size);
}
