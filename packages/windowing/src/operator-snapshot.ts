import type { Series } from '@aiops/contract';
import { seriesKey } from '@aiops/contract';
import { type AccumulatorSnapshot, WindowAccumulator } from './accumulator.js';
import type { SourceOffsetsSnapshot, UnseenGiveUp } from './offsets.js';
import {
  buckets,
  insertBucket,
  internSeries,
  type PartitionState,
  type TenantWindows,
  tenantWindows,
} from './partition-state.js';
import type { TenantPosition } from './tenant-clock.js';
import type { WatermarkPosition, WatermarkSnapshot } from './watermark.js';

/** The window operator's state as plain data (JSON-safe), and its way back. */

export interface WindowOperatorSnapshot {
  version: 1;
  config: WindowConfig;
  partitions: PartitionSnapshot[];
  counters: WindowCounters;
}

export interface WindowConfig {
  windowSizesMs: number[];
  maxOutOfOrdernessMs: number;
  allowedLatenessMs: number;
}

export interface WindowCounters {
  lateAccepted: number;
  lateDropped: number;
  /** Absent in snapshots taken before late corrections existed. */
  lateCorrections?: number;
  emitted: number;
  corrections: number;
  evictedWindows: number;
}

export interface PartitionSnapshot {
  partition: number;
  watermark: WatermarkSnapshot;
  offsets: SourceOffsetsSnapshot;
  buckets: BucketSnapshot[];
  /** Windows awaiting their coalesced late emission, in order: [size, start, series key, tenant]. */
  pending: Array<[number, number, string, string?]>;
  /** The tenants' clocks (see TenantClocks). */
  tenants?: TenantPosition[];
  unseenGivenUpAt?: UnseenGiveUp | null;
  replayUnseenGiveUp?: UnseenGiveUp | null;
}

export interface BucketSnapshot {
  tenant?: string;
  size: number;
  start: number;
  closed: boolean;
  firstOffset: number;
  firstWatermark: number;
  firstPosition?: WatermarkPosition;
  lastOffset: number;
  /** Absent when the bucket has had no record yet, and in snapshots from before it. */
  leastLagMs?: number;
  windows: Array<{ series: Series; emissions: number; pending: boolean; accumulator: AccumulatorSnapshot }>;
}

/** A snapshot restores only an operator of the same window configuration. */
export function assertSameConfig(snapshot: WindowConfig, config: WindowConfig): void {
  if (JSON.stringify(snapshot) !== JSON.stringify(config)) {
    throw new RangeError(
      `snapshot of ${JSON.stringify(snapshot)} cannot restore an operator of ${JSON.stringify(config)}`,
    );
  }
}

export function snapshotPartition(p: PartitionState): PartitionSnapshot {
  const pending: PartitionSnapshot['pending'] = [];
  for (const t of p.tenants.values())
    for (const { bucket, state } of t.pending)
      pending.push([bucket.size, bucket.window.start, state.key, t.tenant]);
  return {
    partition: p.partition,
    watermark: p.watermark.snapshot(),
    offsets: p.offsets.snapshot(),
    buckets: [...buckets(p)].map((bucket) => ({
      tenant: bucket.tenant,
      size: bucket.size,
      start: bucket.window.start,
      closed: bucket.closed,
      firstOffset: bucket.firstOffset,
      firstWatermark: bucket.firstWatermark,
      ...(bucket.firstPosition === undefined ? {} : { firstPosition: bucket.firstPosition }),
      lastOffset: bucket.lastOffset,
      ...(Number.isFinite(bucket.leastLagMs) ? { leastLagMs: bucket.leastLagMs } : {}),
      windows: [...bucket.windows.values()].map((state) => ({
        series: state.accumulator.series,
        emissions: state.emissions,
        pending: state.pending,
        accumulator: state.accumulator.snapshot(),
      })),
    })),
    pending,
    tenants: p.clocks.position(),
    unseenGivenUpAt: p.giveUp.givenUpAt,
    replayUnseenGiveUp: p.giveUp.replay,
  };
}

/** Fills the fresh partition `p` from `ps`; returns how many windows it restored. */
export function restorePartition(p: PartitionState, ps: PartitionSnapshot): number {
  let windows = 0;
  p.watermark.restore(ps.watermark);
  p.clocks.restore(ps.tenants ?? []);
  p.offsets.restore(ps.offsets);
  p.giveUp.givenUpAt = ps.unseenGivenUpAt ?? null;
  p.giveUp.replay = ps.replayUnseenGiveUp ?? null;
  for (const bs of ps.buckets) {
    const tenant = bs.tenant ?? bs.windows[0]?.series.tenant_id ?? '';
    const bucket = insertBucket(
      tenantWindows(p, tenant),
      { start: bs.start, end: bs.start + bs.size },
      bs.firstOffset,
      bs.firstWatermark,
      bs.firstPosition,
    );
    bucket.closed = bs.closed;
    bucket.lastOffset = bs.lastOffset;
    bucket.leastLagMs = bs.leastLagMs ?? Number.POSITIVE_INFINITY;
    for (const ws of bs.windows) {
      const entry = internSeries(p, seriesKey(ws.series), ws.series);
      bucket.windows.set(entry.key, {
        key: entry.key,
        accumulator: WindowAccumulator.restore(entry.series, bucket.window, ws.accumulator),
        emissions: ws.emissions,
        pending: ws.pending,
      });
      windows += 1;
    }
  }
  for (const [size, start, key, tenantId] of ps.pending) {
    const t = tenantId === undefined ? tenantOfKey(p, key) : p.tenants.get(tenantId);
    const bucket = t?.bySize.get(size)?.get(start);
    const state = bucket?.windows.get(key);
    if (t === undefined || bucket === undefined || state === undefined)
      throw new RangeError(`snapshot pending window ${key} is missing`);
    t.pending.push({ bucket, state });
  }
  return windows;
}

/** Snapshots from before tenants named the tenant of a pending window only through its series. */
function tenantOfKey(p: PartitionState, key: string): TenantWindows | undefined {
  const series = p.series.get(key)?.series;
  return series === undefined ? undefined : p.tenants.get(series.tenant_id);
}
