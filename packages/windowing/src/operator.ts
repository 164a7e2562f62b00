import type { TelemetryEvent, WindowAggregate } from '@aiops/contract';
import { ALIGN_AT_HEADER, BEHIND_MS_HEADER, SOURCE_HEADER, seriesKey, seriesOf } from '@aiops/contract';
import type { Cancellable, Processor, ProcessorContext, Snapshotable, StreamRecord } from '@aiops/core';
import { makeRecord, parseSource } from '@aiops/core';
import { checkEvent, WindowAccumulator } from './accumulator.js';
import { type TimeWindow, tumblingWindows, type WindowAssigner } from './assigner.js';
import { classify, isExpired } from './lateness.js';
import { type Checkpoint, SourceOffsets, type UnseenGiveUp } from './offsets.js';
import {
  assertSameConfig,
  restorePartition,
  snapshotPartition,
  type WindowCounters,
  type WindowOperatorSnapshot,
} from './operator-snapshot.js';
import {
  type Bucket,
  buckets,
  insertBucket,
  internSeries,
  type PartitionState,
  position as positionOf,
  type TenantWindows,
  tenantWindows,
  type WindowState,
} from './partition-state.js';
import { TenantClocks } from './tenant-clock.js';
import { EventTimeTrigger, type LateFiring } from './trigger.js';
import { UnseenGiveUpReplay } from './unseen-give-up.js';
import { NO_WATERMARK, type RecordSource, type WatermarkPosition, WatermarkTracker } from './watermark.js';

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
  /**
   * Wall time after a partition's first record that sources announced but not seen yet are waited for
   * (a raw partition that has sent nothing to this one); default idleTimeoutMs.
   */
  unseenSourcesTimeoutMs?: number;
  /** Period of the wall-clock punctuation that checks for idle partitions; default 1 000. */
  idleCheckIntervalMs?: number;
  /** How late corrections are emitted (see LateFiring); default 'coalesce'. */
  lateFiring?: LateFiring;
  /**
   * An event too late for a window still kept (past its allowed lateness) becomes a late-correction
   * aggregate of its own (`correction_event_id`), unless its window ended more than this before its
   * tenant's watermark: then it goes to the late side output. Default 7 days (the validator's maximum age).
   */
  maxCorrectionAgeMs?: number;
}

/** The name of the side output that receives events too old for any correction (maxCorrectionAgeMs). */
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
  /** Events sent to the late side output (too old even for a correction, for at least one window). */
  lateDropped: number;
  /** Late-correction aggregates forwarded: one per (event, window) past the allowed lateness. */
  lateCorrections: number;
  /** Window aggregates forwarded, every revision. */
  emitted: number;
  /** Of which corrections (revision > 0). */
  corrections: number;
  /** Windows evicted after their allowed lateness. */
  evictedWindows: number;
}

/**
 * Event-time tumbling windows per series, Flink's window operator in small: per record, assign
 * windows → classify lateness against its tenant's watermark → too late for a window already evicted:
 * a late-correction aggregate of that one event (or, past maxCorrectionAgeMs, side output 'late') →
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
  readonly unseenSourcesTimeoutMs: number;
  readonly idleCheckIntervalMs: number;
  readonly maxCorrectionAgeMs: number;
  private context: ProcessorContext<string, WindowOutput> | null = null;
  private punctuation: Cancellable | null = null;
  private readonly partitions = new Map<number, PartitionState>();
  private openWindowCount = 0;
  private counters: Required<WindowCounters> = {
    lateAccepted: 0,
    lateDropped: 0,
    lateCorrections: 0,
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
    this.unseenSourcesTimeoutMs = options.unseenSourcesTimeoutMs ?? this.idleTimeoutMs;
    this.idleCheckIntervalMs = options.idleCheckIntervalMs ?? 1_000;
    this.maxCorrectionAgeMs = options.maxCorrectionAgeMs ?? 7 * 24 * 3_600_000;
    if (!(this.maxOutOfOrdernessMs >= 0)) throw new RangeError('maxOutOfOrdernessMs must be >= 0');
    if (!(this.allowedLatenessMs >= 0)) throw new RangeError('allowedLatenessMs must be >= 0');
    if (!(this.maxCorrectionAgeMs >= 0)) throw new RangeError('maxCorrectionAgeMs must be >= 0');
    const timeouts = [
      this.idleTimeoutMs,
      this.idleCheckIntervalMs,
      this.tenantIdleTimeoutMs,
      this.unseenSourcesTimeoutMs,
    ];
    if (!timeouts.every((ms) => ms > 0)) {
      throw new RangeError(
        'idleTimeoutMs, tenantIdleTimeoutMs, unseenSourcesTimeoutMs and idleCheckIntervalMs must be > 0',
      );
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
    const beforeGiveUp = p.watermark.current();
    p.giveUp.beforeRecord(offset, context.currentProgressTimeMs());
    if (p.watermark.current() > beforeGiveUp) this.partitionAdvanced(p, beforeGiveUp, p.watermark.current());
    const tenant = event.tenant_id;
    const t = tenantWindows(p, tenant);
    const partitionBefore = p.watermark.current();
    // The tenant's clock first catches up with the partition's (an idle tenant's advance), then judges.
    const stored = p.clocks.stored(tenant);
    const watermark = p.clocks.watermark(tenant, partitionBefore);
    if (watermark > stored) this.advance(p, t, watermark);
    const key = seriesKey(event);
    const source = sourceOf(record);
    // How far behind its raw partition's newest data the record came (see Bucket.leastLagMs).
    const lag = Math.max(0, p.watermark.sourceMaxEventTimeMs(source?.id ?? '0') - event.timestamp);
    let rejected: TimeWindow[] | null = null;
    let accepted = 0;
    let position: WatermarkPosition | undefined;
    for (const window of this.assigner.assign(event.timestamp)) {
      const lateness = classify(window.end, watermark, this.allowedLatenessMs);
      if (lateness === 'too_late') {
        if (watermark - window.end <= this.maxCorrectionAgeMs) {
          this.emitCorrection(p, key, window, event, watermark);
          accepted += 1;
        } else {
          if (rejected === null) rejected = [];
          rejected.push(window);
        }
        continue;
      }
      let bucket = t.bySize.get(window.end - window.start)?.get(window.start);
      if (bucket === undefined) {
        // The clocks have not seen this record yet: the position is the one from just before it.
        position ??= positionOf(p);
        bucket = insertBucket(t, window, offset, partitionBefore, position);
        bucket.closed = window.end <= watermark;
      }
      let state = bucket.windows.get(key);
      if (state === undefined) state = this.newWindow(p, bucket, key, event);
      const late = lateness === 'late_within_lateness';
      state.accumulator.add(event, late);
      bucket.lastOffset = offset;
      if (lag < bucket.leastLagMs) bucket.leastLagMs = lag;
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
    const partitionAfter = p.giveUp.observe(offset, event.timestamp, context.currentProgressTimeMs(), source);
    const advanced = p.clocks.observe(tenant, event.timestamp, partitionAfter, source);
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
      const after = p.giveUp.onIdleCheck(p.offsets.nextOffset(), wallNowMs);
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
    const checkpoint = p.offsets.checkpoint(buckets(p), p.watermark.current(), positionOf(p));
    // A replay from before the give-up must repeat it where the original did.
    return checkpoint === null ? null : p.giveUp.annotate(checkpoint);
  }

  /**
   * Starts `partition` afresh at `watermark` (from a checkpoint), dropping any state it had. Replaying
   * from the checkpoint's offset then reproduces the same emissions and revisions.
   */
  resume(partition: number, watermark: number | WatermarkPosition, unseenGiveUp?: UnseenGiveUp): void {
    this.releasePartition(partition);
    const p = this.newPartition(partition, watermark);
    if (typeof watermark !== 'number' && watermark.tenants !== undefined) p.clocks.restore(watermark.tenants);
    p.giveUp.resume(unseenGiveUp);
    this.partitions.set(partition, p);
  }

  /** Drops all state of `partition` (revoked in a rebalance); its new owner replays it. */
  releasePartition(partition: number): void {
    const p = this.partitions.get(partition);
    if (p === undefined) return;
    for (const bucket of buckets(p)) this.openWindowCount -= bucket.windows.size;
    this.partitions.delete(partition);
  }

  /** The watermark of `partition`, or null when it has no state. */
  watermark(partition: number): number | null {
    return this.partitions.get(partition)?.watermark.current() ?? null;
  }

  /**
   * The watermark `tenant`'s next record of `partition` would be judged on (NO_WATERMARK for a tenant
   * the partition has no clock of). Reading it changes nothing: windows close when records come.
   */
  tenantWatermark(partition: number, tenant: string): number {
    const p = this.partitions.get(partition);
    return p === undefined ? NO_WATERMARK : p.clocks.peek(tenant, p.watermark.current());
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
      for (const bucket of buckets(p)) {
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
    const partitions = [...this.partitions.values()].map(snapshotPartition);
    return { version: 1, config: this.config(), partitions, counters: { ...this.counters } };
  }

  /** Replaces all state with `snapshot`, taken from an operator of the same window configuration. */
  restore(snapshot: WindowOperatorSnapshot): void {
    assertSameConfig(snapshot.config, this.config());
    this.partitions.clear();
    this.openWindowCount = 0;
    this.counters = { lateCorrections: 0, ...snapshot.counters };
    for (const ps of snapshot.partitions) {
      const p = this.newPartition(ps.partition, NO_WATERMARK);
      this.openWindowCount += restorePartition(p, ps);
      this.partitions.set(ps.partition, p);
    }
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
      {
        maxOutOfOrdernessMs: this.maxOutOfOrdernessMs,
        idleTimeoutMs: this.idleTimeoutMs,
        unseenTimeoutMs: this.unseenSourcesTimeoutMs,
      },
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
      giveUp: new UnseenGiveUpReplay(tracker),
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

  private newWindow(p: PartitionState, bucket: Bucket, key: string, event: TelemetryEvent): WindowState {
    const entry = internSeries(p, key, event);
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
    p.offsets.checkpoint(buckets(p), watermark);
  }

  private emit(p: PartitionState, bucket: Bucket, state: WindowState): void {
    const context = this.requireContext();
    const revision = state.emissions;
    state.emissions += 1;
    const aggregate = state.accumulator.toAggregate(revision, context.currentSystemTimeMs());
    this.counters.emitted += 1;
    if (revision > 0) this.counters.corrections += 1;
    // How far behind the other data its tenant's records came: a backfill is far behind, live data is not.
    // Judged per record on its own raw partition, so the same in every interleaving and replay; a bucket
    // restored from a snapshot from before that falls back to the tenant's lag now.
    const behind = Number.isFinite(bucket.leastLagMs) ? bucket.leastLagMs : p.clocks.lag(bucket.tenant);
    context.forward(
      makeRecord<string, WindowOutput>(state.key, aggregate, bucket.window.end - 1, {
        [BEHIND_MS_HEADER]: String(behind),
      }),
    );
  }

  /**
   * `event` came after its window was evicted: it is forwarded as a window of its own (revision 0,
   * `correction_event_id` = its id), which readers sum with the window's latest revision. Keyed by the
   * event, so a replay of it writes the same row again rather than a second one. No state is kept.
   */
  private emitCorrection(
    p: PartitionState,
    key: string,
    window: TimeWindow,
    event: TelemetryEvent,
    watermark: number,
  ): void {
    const context = this.requireContext();
    const accumulator = new WindowAccumulator(seriesOf(event), window);
    accumulator.add(event, true);
    const aggregate = {
      ...accumulator.toAggregate(0, context.currentSystemTimeMs()),
      correction_event_id: event.event_id,
    };
    this.counters.lateCorrections += 1;
    this.counters.emitted += 1;
    context.forward(
      makeRecord<string, WindowOutput>(key, aggregate, window.end - 1, {
        [BEHIND_MS_HEADER]: String(p.clocks.lag(event.tenant_id)),
        [ALIGN_AT_HEADER]: String(watermark + 1),
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
      [LATE_HEADERS.message]: `event time ${record.value.timestamp} is more than the maximum correction age (${this.maxCorrectionAgeMs} ms) behind its tenant's watermark ${watermark} (window ${spans})`,
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
