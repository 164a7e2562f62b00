import type { Series, TelemetryEvent, WindowAggregate } from '@aiops/contract';
import { BEHIND_MS_HEADER, SOURCE_HEADER, seriesKey, seriesOf } from '@aiops/contract';
import type { Cancellable, Processor, ProcessorContext, Snapshotable, StreamRecord } from '@aiops/core';
import { makeRecord, parseSource } from '@aiops/core';
import { type AccumulatorSnapshot, checkEvent, WindowAccumulator } from './accumulator.js';
import { type TimeWindow, tumblingWindows, type WindowAssigner } from './assigner.js';
import { classify, isExpired } from './lateness.js';
import {
  type Checkpoint,
  type OffsetSpan,
  SourceOffsets,
  type SourceOffsetsSnapshot,
  type UnseenGiveUp,
} from './offsets.js';
import { TenantClocks, type TenantPosition } from './tenant-clock.js';
import { EventTimeTrigger, type LateFiring } from './trigger.js';
import {
  NO_WATERMARK,
  type RecordSource,
  type WatermarkPosition,
  type WatermarkSnapshot,
  WatermarkTracker,
} from './watermark.js';

export interface WindowOperatorOptions {
  /** Tumbling window sizes; default [60 000] (1 minute). */
  windowSizesMs?: readonly number[];
  /** Bounded out-of-orderness of the watermark; default 5 000. */
  maxOutOfOrdernessMs?: number;
  /** How long after its end a window still takes late events (re-emitted with revision + 1); default 60 000. */
  allowedLatenessMs?: number;
  /** Wall time without records after which a partition's watermark advances by itself; default 30 000. */
  idleTimeoutMs?: number;
  /**
   * Partition stream time without a record of a tenant after which its clock moves with the
   * partition's (see TenantClocks); default idleTimeoutMs.
   */
  tenantIdleTimeoutMs?: number;
  /** Period of the wall-clock punctuation that checks for idle partitions; default 1 000. */
  idleCheckIntervalMs?: number;
  /** How late corrections are emitted (see LateFiring); default 'coalesce'. */
  lateFiring?: LateFiring;
}

/** The name of the side output that receives events too late for a window. */
export const LATE_OUTPUT = 'late';

/** What the operator forwards: aggregates on the default output, too-late events on LATE_OUTPUT. */
export type WindowOutput = WindowAggregate | TelemetryEvent;

/** Headers on a record sent to LATE_OUTPUT (added to the record's own). */
export const LATE_HEADERS = {
  reason: 'reason',
  message: 'message',
  /** Windows the event was too late for, as `start/end` epoch ms, comma-separated. */
  window: 'window',
  watermark: 'watermark',
  /** Windows (of other sizes) the event was still counted in: "0" when it was counted nowhere. */
  acceptedWindows: 'accepted_windows',
} as const;

export const LATE_REASON = 'late_event';

/**
 * The upstream source of a record (SOURCE_HEADER, `id/count`: the validator writes the raw partition and
 * the raw topic's partition count). Watermarks are kept per source; see WatermarkTracker.
 */
function sourceOf(record: StreamRecord<string, TelemetryEvent>): RecordSource | undefined {
  const header = record.headers[SOURCE_HEADER];
  return header === undefined ? undefined : parseSource(header);
}

export interface WindowOperatorStats {
  partitions: number;
  /** Tenants with a clock, all partitions. */
  tenants: number;
  /** Windows in state (open or closed but within allowed lateness), all series and sizes. */
  openWindows: number;
  /** Series with at least one window in state. */
  activeSeries: number;
  /** Windows holding late events not yet re-emitted (coalesce mode). */
  pendingLateWindows: number;
  /** Bytes held by the windows' sketch arrays. */
  sketchBytes: number;
  /** (event, window) additions that arrived after the window closed, within allowed lateness. */
  lateAccepted: number;
  /** Events sent to the late side output (too late for at least one window). */
  lateDropped: number;
  /** Window aggregates forwarded, every revision. */
  emitted: number;
  /** Of which corrections (revision > 0). */
  corrections: number;
  /** Windows evicted after their allowed lateness. */
  evictedWindows: number;
}

export interface WindowOperatorSnapshot {
  version: 1;
  config: { windowSizesMs: number[]; maxOutOfOrdernessMs: number; allowedLatenessMs: number };
  partitions: PartitionSnapshot[];
  counters: Counters;
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
  windows: Array<{ series: Series; emissions: number; pending: boolean; accumulator: AccumulatorSnapshot }>;
}

interface Counters {
  lateAccepted: number;
  lateDropped: number;
  emitted: number;
  corrections: number;
  evictedWindows: number;
}

interface WindowState {
  readonly key: string;
  readonly accumulator: WindowAccumulator;
  /** Emissions so far: the next emission's revision. */
  emissions: number;
  /** Took late elements since its last emission (coalesce mode). */
  pending: boolean;
}

/** The windows of every series of one tenant for one window (size, start) in one partition. */
interface Bucket extends OffsetSpan {
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
}

interface SeriesEntry {
  readonly key: string;
  readonly series: Series;
  windows: number;
}

/** The windows of one tenant in one partition, closed by the tenant's own clock. */
interface TenantWindows {
  readonly tenant: string;
  /** size → start → bucket */
  readonly bySize: Map<number, Map<number, Bucket>>;
  /** Every bucket, sorted by (end, size). */
  readonly ordered: Bucket[];
  readonly pending: Array<{ bucket: Bucket; state: WindowState }>;
}

interface PartitionState {
  readonly partition: number;
  /** The partition's watermark: the minimum over upstream sources. Caps every tenant's clock. */
  readonly watermark: WatermarkTracker;
  readonly clocks: TenantClocks;
  readonly tenants: Map<string, TenantWindows>;
  readonly offsets: SourceOffsets;
  readonly series: Map<string, SeriesEntry>;
  /** Where this run stopped waiting for unseen sources (null: not yet, or before it was resumed). */
  unseenGivenUpAt: UnseenGiveUp | null;
  /** Resumed from a checkpoint taken before that point: where to repeat it. */
  replayUnseenGiveUp: UnseenGiveUp | null;
}

/**
 * Event-time tumbling windows per series, Flink's window operator in small: per record, assign
 * windows → classify lateness against the partition's watermark → too late: side output 'late' →
 * else add to the window's accumulator → let the trigger decide emissions → advance the watermark →
 * fire closed windows → evict windows past their allowed lateness.
 *
 * Partitions. Each source partition (`recordMetadata().partition`, default 0) has its own watermark
 * and its own windows, like a Kafka Streams task: the input must be keyed by series so that a series
 * lives in one partition. An idle partition neither holds back nor is held back by the others.
 *
 * Event time is the event's own `timestamp`. Aggregates are forwarded with key = series key, value =
 * WindowAggregate and record timestamp = window end − 1 (the last instant in the window).
 *
 * Determinism. Apart from wall-clock idle advances, outputs (everything but `emitted_at`) are a
 * function of the starting watermark and the records in order; `checkpoint()`/`resume()` rely on it.
 */
export class WindowOperator
  implements Processor<string, TelemetryEvent, string, WindowOutput>, Snapshotable<WindowOperatorSnapshot>
{
  readonly assigner: WindowAssigner;
  readonly trigger: EventTimeTrigger;
  readonly maxOutOfOrdernessMs: number;
  readonly allowedLatenessMs: number;
  readonly idleTimeoutMs: number;
  readonly tenantIdleTimeoutMs: number;
  readonly idleCheckIntervalMs: number;
  private context: ProcessorContext<string, WindowOutput> | null = null;
  private punctuation: Cancellable | null = null;
  private readonly partitions = new Map<number, PartitionState>();
  private openWindowCount = 0;
  private counters: Counters = {
    lateAccepted: 0,
    lateDropped: 0,
    emitted: 0,
    corrections: 0,
    evictedWindows: 0,
  };

  constructor(options: WindowOperatorOptions = {}) {
    this.assigner = tumblingWindows(options.windowSizesMs ?? [60_000]);
    this.trigger = new EventTimeTrigger(options.lateFiring ?? 'coalesce');
    this.maxOutOfOrdernessMs = options.maxOutOfOrdernessMs ?? 5_000;
    this.allowedLatenessMs = options.allowedLatenessMs ?? 60_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.tenantIdleTimeoutMs = options.tenantIdleTimeoutMs ?? this.idleTimeoutMs;
    this.idleCheckIntervalMs = options.idleCheckIntervalMs ?? 1_000;
    if (!(this.maxOutOfOrdernessMs >= 0)) throw new RangeError('maxOutOfOrdernessMs must be >= 0');
    if (!(this.allowedLatenessMs >= 0)) throw new RangeError('allowedLatenessMs must be >= 0');
    if (!(this.idleTimeoutMs > 0) || !(this.idleCheckIntervalMs > 0) || !(this.tenantIdleTimeoutMs > 0)) {
      throw new RangeError('idleTimeoutMs, tenantIdleTimeoutMs and idleCheckIntervalMs must be > 0');
    }
  }

  init(context: ProcessorContext<string, WindowOutput>): void {
    this.context = context;
    this.punctuation = context.schedule(this.idleCheckIntervalMs, 'wall-clock-time', (now) =>
      this.onIdleCheck(now),
    );
  }

  close(): void {
    this.punctuation?.cancel();
    this.punctuation = null;
  }

  process(record: StreamRecord<string, TelemetryEvent>): void {
    const context = this.requireContext();
    const event = record.value;
    checkEvent(event);
    const metadata = context.recordMetadata();
    const p = this.partitionState(metadata?.partition ?? 0);
    const offset = metadata?.offset ?? p.offsets.nextOffset();
    // A replay repeats, at the same record, the original run's wall-clock decision to stop waiting.
    const replay = p.replayUnseenGiveUp;
    let giveUpWhileObserving = false;
    if (replay !== null && offset >= replay.offset) {
      p.replayUnseenGiveUp = null;
      p.unseenGivenUpAt = replay;
      if (replay.beforeRecord) {
        const before = p.watermark.current();
        const after = p.watermark.giveUpOnUnseen(context.currentSystemTimeMs());
        if (after > before) this.partitionAdvanced(p, before, after);
      } else giveUpWhileObserving = true;
    }
    const tenant = event.tenant_id;
    const t = this.tenantWindows(p, tenant);
    const partitionBefore = p.watermark.current();
    // The tenant's clock first catches up with the partition's (an idle tenant's advance), then judges.
    const stored = p.clocks.stored(tenant);
    const watermark = p.clocks.watermark(tenant, partitionBefore);
    if (watermark > stored) this.advance(p, t, watermark);
    const key = seriesKey(event);
    let rejected: TimeWindow[] | null = null;
    let accepted = 0;
    let position: WatermarkPosition | undefined;
    for (const window of this.assigner.assign(event.timestamp)) {
      const lateness = classify(window.end, watermark, this.allowedLatenessMs);
      if (lateness === 'too_late') {
        if (rejected === null) rejected = [];
        rejected.push(window);
        continue;
      }
      let bucket = t.bySize.get(window.end - window.start)?.get(window.start);
      if (bucket === undefined) {
        // The clocks have not seen this record yet: the position is the one from just before it.
        position ??= this.position(p);
        bucket = this.insertBucket(t, window, offset, partitionBefore, position);
        bucket.closed = window.end <= watermark;
      }
      let state = bucket.windows.get(key);
      if (state === undefined) state = this.newWindow(p, bucket, key, event);
      const late = lateness === 'late_within_lateness';
      state.accumulator.add(event, late);
      bucket.lastOffset = offset;
      accepted += 1;
      if (late) {
        this.counters.lateAccepted += 1;
        const decision = this.trigger.onElement(window.end, watermark);
        if (decision === 'fire') this.emit(p, bucket, state);
        else if (decision === 'fire_at_next_watermark' && !state.pending) {
          state.pending = true;
          t.pending.push({ bucket, state });
        }
      }
    }
    if (rejected !== null) this.forwardLate(record, rejected, watermark, accepted);
    p.offsets.processed(offset);
    const waiting = !p.watermark.gaveUpOnUnseen();
    if (giveUpWhileObserving) p.watermark.giveUpOnUnseen(context.currentSystemTimeMs());
    const partitionAfter = p.watermark.observe(
      event.timestamp,
      context.currentSystemTimeMs(),
      sourceOf(record),
    );
    if (waiting && p.watermark.gaveUpOnUnseen()) p.unseenGivenUpAt ??= { offset, beforeRecord: false };
    const advanced = p.clocks.observe(tenant, event.timestamp, partitionAfter, sourceOf(record));
    if (advanced > watermark) this.advance(p, t, advanced);
    if (partitionAfter > partitionBefore) this.partitionAdvanced(p, partitionBefore, partitionAfter);
  }

  /**
   * For a record the shell chose not to process (a duplicate by event id): counts its source offset
   * as processed and ties it to the windows in state it would have joined, without adding it or
   * moving the watermark. A checkpoint then never falls between a window's records and a duplicate
   * dropped in its place — otherwise a replay, whose duplicate filter starts empty, would let the
   * duplicate rebuild that window from the middle.
   */
  skip(event: TelemetryEvent, source: { partition: number; offset: number }): void {
    const p = this.partitionState(source.partition);
    const t = p.tenants.get(event.tenant_id);
    const key = seriesKey(event);
    if (t !== undefined) {
      for (const window of this.assigner.assign(event.timestamp)) {
        const bucket = t.bySize.get(window.end - window.start)?.get(window.start);
        if (bucket?.windows.has(key)) bucket.lastOffset = source.offset;
      }
    }
    p.offsets.processed(source.offset);
  }

  /**
   * Wall-clock punctuation (scheduled by `init`; also callable by a shell that drives time itself):
   * advances the watermark of idle partitions and fires/evicts what that closes.
   */
  onIdleCheck(wallNowMs: number): void {
    for (const p of this.partitions.values()) {
      const before = p.watermark.current();
      const waiting = !p.watermark.gaveUpOnUnseen();
      const after = p.watermark.onIdleCheck(wallNowMs);
      if (waiting && p.watermark.gaveUpOnUnseen())
        p.unseenGivenUpAt ??= { offset: p.offsets.nextOffset(), beforeRecord: true };
      if (after > before) this.partitionAdvanced(p, before, after);
    }
  }

  /**
   * Where a restart must resume `partition`, and with which watermark (see offsets.ts); null when
   * nothing was processed on it since it was (re)started. Store it with the committed offset.
   */
  checkpoint(partition: number): Checkpoint | null {
    const p = this.partitions.get(partition);
    if (p === undefined) return null;
    const checkpoint = p.offsets.checkpoint(this.buckets(p), p.watermark.current(), this.position(p));
    if (checkpoint === null) return null;
    // A replay from before the give-up must repeat it where the original did.
    const giveUp = p.unseenGivenUpAt ?? p.replayUnseenGiveUp;
    return giveUp !== null && checkpoint.offset <= giveUp.offset
      ? { ...checkpoint, unseenGiveUp: giveUp }
      : checkpoint;
  }

  /**
   * Starts `partition` afresh at `watermark` (from a checkpoint), dropping any state it had. Replaying
   * from the checkpoint's offset then reproduces the same emissions and revisions.
   */
  resume(partition: number, watermark: number | WatermarkPosition, unseenGiveUp?: UnseenGiveUp): void {
    this.releasePartition(partition);
    const p = this.newPartition(partition, watermark);
    if (typeof watermark !== 'number' && watermark.tenants !== undefined) p.clocks.restore(watermark.tenants);
    if (unseenGiveUp !== undefined && !p.watermark.gaveUpOnUnseen()) p.replayUnseenGiveUp = unseenGiveUp;
    this.partitions.set(partition, p);
  }

  /** Drops all state of `partition` (revoked in a rebalance); its new owner replays it. */
  releasePartition(partition: number): void {
    const p = this.partitions.get(partition);
    if (p === undefined) return;
    for (const bucket of this.buckets(p)) this.openWindowCount -= bucket.windows.size;
    this.partitions.delete(partition);
  }

  /** The watermark of `partition`, or null when it has no state. */
  watermark(partition: number): number | null {
    return this.partitions.get(partition)?.watermark.current() ?? null;
  }

  /**
   * The tenants of `partition` whose clock is behind the partition's watermark, with their watermark
   * (every window of theirs ending at or before it was emitted). Tenants not listed are at the
   * partition's watermark.
   */
  laggingTenants(partition: number): Array<[string, number]> {
    const p = this.partitions.get(partition);
    if (p === undefined) return [];
    const partitionWatermark = p.watermark.current();
    const out: Array<[string, number]> = [];
    for (const tenant of p.clocks.tenantIds()) {
      const watermark = p.clocks.stored(tenant);
      if (watermark < partitionWatermark) out.push([tenant, watermark]);
    }
    return out;
  }

  stats(): WindowOperatorStats {
    let activeSeries = 0;
    let pendingLateWindows = 0;
    let sketchBytes = 0;
    let tenants = 0;
    for (const p of this.partitions.values()) {
      activeSeries += p.series.size;
      tenants += p.clocks.size;
      for (const t of p.tenants.values()) pendingLateWindows += t.pending.length;
      for (const bucket of this.buckets(p)) {
        for (const state of bucket.windows.values()) sketchBytes += state.accumulator.sketchBytes;
      }
    }
    return {
      partitions: this.partitions.size,
      tenants,
      openWindows: this.openWindowCount,
      activeSeries,
      pendingLateWindows,
      sketchBytes,
      ...this.counters,
    };
  }

  snapshot(): WindowOperatorSnapshot {
    const partitions: PartitionSnapshot[] = [];
    for (const p of this.partitions.values()) {
      const pending: PartitionSnapshot['pending'] = [];
      for (const t of p.tenants.values())
        for (const { bucket, state } of t.pending)
          pending.push([bucket.size, bucket.window.start, state.key, t.tenant]);
      partitions.push({
        partition: p.partition,
        watermark: p.watermark.snapshot(),
        offsets: p.offsets.snapshot(),
        buckets: [...this.buckets(p)].map((bucket) => ({
          tenant: bucket.tenant,
          size: bucket.size,
          start: bucket.window.start,
          closed: bucket.closed,
          firstOffset: bucket.firstOffset,
          firstWatermark: bucket.firstWatermark,
          ...(bucket.firstPosition === undefined ? {} : { firstPosition: bucket.firstPosition }),
          lastOffset: bucket.lastOffset,
          windows: [...bucket.windows.values()].map((state) => ({
            series: state.accumulator.series,
            emissions: state.emissions,
            pending: state.pending,
            accumulator: state.accumulator.snapshot(),
          })),
        })),
        pending,
        tenants: p.clocks.position(),
        unseenGivenUpAt: p.unseenGivenUpAt,
        replayUnseenGiveUp: p.replayUnseenGiveUp,
      });
    }
    return { version: 1, config: this.config(), partitions, counters: { ...this.counters } };
  }

  /** Replaces all state with `snapshot`, taken from an operator of the same window configuration. */
  restore(snapshot: WindowOperatorSnapshot): void {
    const config = this.config();
    if (JSON.stringify(snapshot.config) !== JSON.stringify(config)) {
      throw new RangeError(
        `snapshot of ${JSON.stringify(snapshot.config)} cannot restore an operator of ${JSON.stringify(config)}`,
      );
    }
    this.partitions.clear();
    this.openWindowCount = 0;
    this.counters = { ...snapshot.counters };
    for (const ps of snapshot.partitions) {
      const p = this.newPartition(ps.partition, NO_WATERMARK);
      p.watermark.restore(ps.watermark);
      p.clocks.restore(ps.tenants ?? []);
      p.offsets.restore(ps.offsets);
      p.unseenGivenUpAt = ps.unseenGivenUpAt ?? null;
      p.replayUnseenGiveUp = ps.replayUnseenGiveUp ?? null;
      for (const bs of ps.buckets) {
        const tenant = bs.tenant ?? bs.windows[0]?.series.tenant_id ?? '';
        const bucket = this.insertBucket(
          this.tenantWindows(p, tenant),
          { start: bs.start, end: bs.start + bs.size },
          bs.firstOffset,
          bs.firstWatermark,
          bs.firstPosition,
        );
        bucket.closed = bs.closed;
        bucket.lastOffset = bs.lastOffset;
        for (const ws of bs.windows) {
          const entry = this.internSeries(p, seriesKey(ws.series), ws.series);
          bucket.windows.set(entry.key, {
            key: entry.key,
            accumulator: WindowAccumulator.restore(entry.series, bucket.window, ws.accumulator),
            emissions: ws.emissions,
            pending: ws.pending,
          });
          this.openWindowCount += 1;
        }
      }
      for (const [size, start, key, tenantId] of ps.pending) {
        const t = tenantId === undefined ? this.tenantOfKey(p, key) : p.tenants.get(tenantId);
        const bucket = t?.bySize.get(size)?.get(start);
        const state = bucket?.windows.get(key);
        if (t === undefined || bucket === undefined || state === undefined)
          throw new RangeError(`snapshot pending window ${key} is missing`);
        t.pending.push({ bucket, state });
      }
      this.partitions.set(ps.partition, p);
    }
  }

  private tenantOfKey(p: PartitionState, key: string): TenantWindows | undefined {
    const series = p.series.get(key)?.series;
    return series === undefined ? undefined : p.tenants.get(series.tenant_id);
  }

  private config(): WindowOperatorSnapshot['config'] {
    return {
      windowSizesMs: [...this.assigner.sizesMs],
      maxOutOfOrdernessMs: this.maxOutOfOrdernessMs,
      allowedLatenessMs: this.allowedLatenessMs,
    };
  }

  private requireContext(): ProcessorContext<string, WindowOutput> {
    if (this.context === null)
      throw new Error('WindowOperator.init(context) must be called before process()');
    return this.context;
  }

  private newPartition(partition: number, watermark: number | WatermarkPosition): PartitionState {
    const tracker = new WatermarkTracker(
      { maxOutOfOrdernessMs: this.maxOutOfOrdernessMs, idleTimeoutMs: this.idleTimeoutMs },
      watermark,
    );
    return {
      partition,
      watermark: tracker,
      clocks: new TenantClocks(
        { maxOutOfOrdernessMs: this.maxOutOfOrdernessMs, idleTimeoutMs: this.tenantIdleTimeoutMs },
        { ids: () => tracker.sourceIds(), front: (id) => tracker.sourceMaxEventTimeMs(id) },
      ),
      tenants: new Map(),
      offsets: new SourceOffsets(),
      series: new Map(),
      unseenGivenUpAt: null,
      replayUnseenGiveUp: null,
    };
  }

  private partitionState(partition: number): PartitionState {
    let p = this.partitions.get(partition);
    if (p === undefined) {
      p = this.newPartition(partition, NO_WATERMARK);
      this.partitions.set(partition, p);
    }
    return p;
  }

  private tenantWindows(p: PartitionState, tenant: string): TenantWindows {
    let t = p.tenants.get(tenant);
    if (t === undefined) {
      t = { tenant, bySize: new Map(), ordered: [], pending: [] };
      p.tenants.set(tenant, t);
    }
    return t;
  }

  /** Every bucket of the partition, all tenants. */
  private *buckets(p: PartitionState): Iterable<Bucket> {
    for (const t of p.tenants.values()) yield* t.ordered;
  }

  /** The event-time state of the partition and its tenants: what a replay from here starts with. */
  private position(p: PartitionState): WatermarkPosition {
    return { ...p.watermark.position(), tenants: p.clocks.position() };
  }

  private insertBucket(
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

  private newWindow(p: PartitionState, bucket: Bucket, key: string, event: TelemetryEvent): WindowState {
    const entry = this.internSeries(p, key, event);
    const state: WindowState = {
      key: entry.key,
      accumulator: new WindowAccumulator(entry.series, bucket.window),
      emissions: 0,
      pending: false,
    };
    bucket.windows.set(key, state);
    this.openWindowCount += 1;
    return state;
  }

  /** One key string and frozen Series per series and partition, shared by its windows; counts them. */
  private internSeries(p: PartitionState, key: string, source: Series): SeriesEntry {
    let entry = p.series.get(key);
    if (entry === undefined) {
      entry = { key, series: Object.freeze(seriesOf(source)), windows: 0 };
      p.series.set(key, entry);
    }
    entry.windows += 1;
    return entry;
  }

  /**
   * The partition's watermark moved from `before` to `after`. Tenant clocks follow it lazily (see
   * TenantClocks): every tenant is brought up to date when it first starts, and whenever it crosses a
   * boundary of the smallest window — a function of the records, so a replay sweeps at the same points.
   */
  private partitionAdvanced(p: PartitionState, before: number, after: number): void {
    const step = this.assigner.sizesMs[0]!;
    if (before !== NO_WATERMARK && Math.floor(after / step) === Math.floor(before / step)) return;
    for (const t of p.tenants.values()) {
      const stored = p.clocks.stored(t.tenant);
      const watermark = p.clocks.watermark(t.tenant, after);
      if (watermark > stored) this.advance(p, t, watermark);
    }
  }

  /** Tenant `t`'s clock moved to `watermark`: late corrections, then closed windows, then eviction. */
  private advance(p: PartitionState, t: TenantWindows, watermark: number): void {
    for (const { bucket, state } of t.pending) {
      state.pending = false;
      if (this.trigger.onWatermark(bucket.window.end, watermark, state.emissions > 0, true) === 'fire') {
        this.emit(p, bucket, state);
      }
    }
    t.pending.length = 0;
    for (const bucket of t.ordered) {
      if (bucket.window.end > watermark) break;
      if (bucket.closed) continue;
      bucket.closed = true;
      for (const state of bucket.windows.values()) {
        if (this.trigger.onWatermark(bucket.window.end, watermark, state.emissions > 0, false) === 'fire') {
          this.emit(p, bucket, state);
        }
      }
    }
    let expired = 0;
    while (
      expired < t.ordered.length &&
      isExpired(t.ordered[expired]!.window.end, watermark, this.allowedLatenessMs)
    ) {
      expired += 1;
    }
    if (expired === 0) return;
    for (const bucket of t.ordered.splice(0, expired)) {
      t.bySize.get(bucket.size)!.delete(bucket.window.start);
      for (const key of bucket.windows.keys()) {
        const entry = p.series.get(key)!;
        entry.windows -= 1;
        if (entry.windows === 0) p.series.delete(key);
      }
      this.openWindowCount -= bucket.windows.size;
      this.counters.evictedWindows += bucket.windows.size;
      p.offsets.evict(bucket);
    }
    // Drop the evicted spans no restart can need any more (keeps that state bounded).
    p.offsets.checkpoint(this.buckets(p), watermark);
  }

  private emit(p: PartitionState, bucket: Bucket, state: WindowState): void {
    const context = this.requireContext();
    const revision = state.emissions;
    state.emissions += 1;
    const aggregate = state.accumulator.toAggregate(revision, context.currentSystemTimeMs());
    this.counters.emitted += 1;
    if (revision > 0) this.counters.corrections += 1;
    // How far its tenant is behind the other data of its sources: a backfill is far behind, live data is not.
    const behind = p.clocks.lag(bucket.tenant);
    context.forward(
      makeRecord<string, WindowOutput>(state.key, aggregate, bucket.window.end - 1, {
        [BEHIND_MS_HEADER]: String(behind),
      }),
    );
  }

  private forwardLate(
    record: StreamRecord<string, TelemetryEvent>,
    windows: readonly TimeWindow[],
    watermark: number,
    accepted: number,
  ): void {
    this.counters.lateDropped += 1;
    const spans = windows.map((w) => `${w.start}/${w.end}`).join(',');
    const headers = {
      ...record.headers,
      [LATE_HEADERS.reason]: LATE_REASON,
      [LATE_HEADERS.message]: `event time ${record.value.timestamp} is past the allowed lateness (${this.allowedLatenessMs} ms) of window ${spans} at watermark ${watermark}`,
      [LATE_HEADERS.window]: spans,
      [LATE_HEADERS.watermark]: String(watermark),
      [LATE_HEADERS.acceptedWindows]: String(accepted),
    };
    this.requireContext().forward(
      makeRecord<string, WindowOutput>(record.key, record.value, record.timestamp, headers),
      LATE_OUTPUT,
    );
  }
}

/** Bucket order: by window end, then size. */
function precedes(a: Bucket, b: Bucket): boolean {
  return a.window.end < b.window.end || (a.window.end === b.window.end && a.size < b.size);
}
