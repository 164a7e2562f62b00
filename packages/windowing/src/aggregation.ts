import type { TelemetryEvent, WindowAggregate } from '@aiops/contract';
import { ALIGN_AT_HEADER, BEHIND_MS_HEADER, SOURCE_HEADER } from '@aiops/contract';
import type { RecordMetadata, StreamRecord } from '@aiops/core';
import { formatCommitMetadata, parseCommitMetadata } from './commit-metadata.js';
import { EventIdFilter } from './dedup.js';
import { LATE_OUTPUT, WindowOperator, type WindowOperatorOptions, type WindowOutput } from './operator.js';
import { NO_WATERMARK } from './watermark.js';

/** What drives the operator as a processor (the Kafka shell's ProcessorDriver): records in, outputs out. */
export interface OperatorDriver {
  process(
    key: string,
    value: TelemetryEvent,
    timestamp: number,
    metadata: RecordMetadata | null,
    headers?: Record<string, string>,
  ): void;
  drain(): Map<string, StreamRecord<string, WindowOutput>[]>;
  tick(): void;
  close(): void;
}

export interface AggregationOptions
  extends Required<
      Pick<WindowOperatorOptions, 'windowSizesMs' | 'maxOutOfOrdernessMs' | 'allowedLatenessMs'>
    >,
    Pick<
      WindowOperatorOptions,
      'idleTimeoutMs' | 'tenantIdleTimeoutMs' | 'unseenSourcesTimeoutMs' | 'maxCorrectionAgeMs'
    > {
  /** Wall time between watermark markers of a partition whose watermark crossed no window boundary. */
  watermarkHeartbeatMs: number;
}

/**
 * A window aggregate to send, with its series key, how far its tenant was behind (BEHIND_MS_HEADER) and,
 * for a late correction, where it goes in event-time order (ALIGN_AT_HEADER).
 */
export interface EmittedWindow {
  aggregate: WindowAggregate;
  seriesKey: string;
  behindMs: string;
  alignAt?: string;
}

/** A watermark to announce downstream for one input partition: its own, and its lagging tenants'. */
export interface MarkerDue {
  partition: number;
  watermarkMs: number;
  tenants: Array<[string, number]>;
}

/**
 * The aggregator without Kafka: per input partition a duplicate filter in front of the window
 * operator, the checkpoints to commit (as commit metadata) and to resume from, and when to announce a
 * watermark downstream. Deterministic given the records and the wall times it is handed.
 */
export class WindowAggregation {
  readonly operator: WindowOperator;
  readonly driver: OperatorDriver;
  private readonly dedupHorizonMs: number;
  private readonly filters = new Map<number, EventIdFilter>();
  /**
   * Per input partition resumed from a commit behind its windows' checkpoint: the offset from which
   * records go to the windows again. Records before it only rebuild the duplicate filter.
   */
  private readonly windowsFrom = new Map<number, number>();
  /** Per input partition: the watermarks last announced downstream (its own, its lagging tenants'), and when. */
  private readonly announced = new Map<
    number,
    { watermarkMs: number; tenants: Map<string, number>; wallMs: number }
  >();

  constructor(
    private readonly options: AggregationOptions,
    drive: (operator: WindowOperator) => OperatorDriver,
  ) {
    this.operator = new WindowOperator({
      windowSizesMs: options.windowSizesMs,
      maxOutOfOrdernessMs: options.maxOutOfOrdernessMs,
      allowedLatenessMs: options.allowedLatenessMs,
      ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
      ...(options.tenantIdleTimeoutMs === undefined
        ? {}
        : { tenantIdleTimeoutMs: options.tenantIdleTimeoutMs }),
      ...(options.unseenSourcesTimeoutMs === undefined
        ? {}
        : { unseenSourcesTimeoutMs: options.unseenSourcesTimeoutMs }),
      ...(options.maxCorrectionAgeMs === undefined ? {} : { maxCorrectionAgeMs: options.maxCorrectionAgeMs }),
    });
    this.driver = drive(this.operator);
    // An id is needed as long as its event could still be counted in some window. A copy that comes
    // later still (a producer retrying minutes after a success) would be counted again, as a late
    // correction: the raw `events` table deduplicates it, the windows do not (README, "Late events").
    this.dedupHorizonMs =
      Math.max(...options.windowSizesMs) + options.allowedLatenessMs + options.maxOutOfOrdernessMs;
  }

  /** The input partitions this instance owns. */
  partitions(): number[] {
    return [...this.filters.keys()];
  }

  /**
   * A new assignment: every partition restarts at its committed offset, from the checkpoint in that
   * commit's metadata (or afresh when it has none of ours).
   */
  assign(assignment: ReadonlyArray<{ partition: number; metadata: string | null }>): void {
    for (const partition of this.filters.keys()) this.operator.releasePartition(partition);
    this.filters.clear();
    this.announced.clear();
    this.windowsFrom.clear();
    for (const { partition, metadata } of assignment) {
      const checkpoint = parseCommitMetadata(metadata);
      if (checkpoint) {
        this.operator.resume(partition, checkpoint.position ?? checkpoint.watermark, checkpoint.unseenGiveUp);
        if (checkpoint.windowsFrom !== undefined) this.windowsFrom.set(partition, checkpoint.windowsFrom);
      }
      this.filters.set(partition, new EventIdFilter(this.dedupHorizonMs));
    }
  }

  /**
   * One event from `position` (`source`: its SOURCE_HEADER). A copy of an event already
   * counted is not processed, but its offset is tied to the windows it would have joined
   * (WindowOperator.skip), so no checkpoint falls between them. Throws what the operator refuses.
   * After a restart, a record before the windows' checkpoint was counted by the previous run: it is
   * only remembered by the duplicate filter ('remembered'), so a later copy of it is still known.
   */
  add(
    position: RecordMetadata,
    key: string,
    event: TelemetryEvent,
    source: string | undefined,
  ): 'added' | 'duplicate' | 'remembered' {
    const filter = this.filterOf(position.partition);
    const windowsFrom = this.windowsFrom.get(position.partition);
    if (windowsFrom !== undefined) {
      if (position.offset < windowsFrom) {
        filter.remember(event.tenant_id, event.event_id, event.timestamp, position.offset);
        return 'remembered';
      }
      this.windowsFrom.delete(position.partition);
    }
    const watermark = this.operator.tenantWatermark(position.partition, event.tenant_id);
    if (filter.isDuplicate(event.tenant_id, event.event_id, event.timestamp, position.offset, watermark)) {
      this.operator.skip(event, position);
      return 'duplicate';
    }
    const headers: Record<string, string> = source ? { [SOURCE_HEADER]: source } : {};
    this.driver.process(key, event, event.timestamp, position, headers);
    return 'added';
  }

  /** After a batch of `partition`: ids the watermark has passed are forgotten. */
  endBatch(partition: number): void {
    this.filters.get(partition)?.expire((tenant) => this.operator.tenantWatermark(partition, tenant));
  }

  /** What the operator emitted since the last call: windows, and events too late for theirs. */
  drain(): { windows: EmittedWindow[]; late: StreamRecord<string, WindowOutput>[] } {
    const forwarded = this.driver.drain();
    const windows = (forwarded.get('') ?? []).map((record) => ({
      aggregate: record.value as WindowAggregate,
      seriesKey: record.key,
      behindMs: record.headers[BEHIND_MS_HEADER] ?? '0',
      ...(record.headers[ALIGN_AT_HEADER] === undefined ? {} : { alignAt: record.headers[ALIGN_AT_HEADER] }),
    }));
    return { windows, late: forwarded.get(LATE_OUTPUT) ?? [] };
  }

  /**
   * Watermarks to announce for `partitions` at wall time `nowMs` (the consumer merges the windows of
   * every partition): when a partition's watermark, or a lagging tenant's, crossed a window boundary
   * (the windows it closed go ahead of the marker), when the set of lagging tenants changed, and as a
   * heartbeat otherwise.
   */
  markersDue(partitions: Iterable<number>, nowMs: number): MarkerDue[] {
    const due: MarkerDue[] = [];
    for (const partition of partitions) {
      const watermarkMs = this.operator.watermark(partition);
      if (watermarkMs === null || watermarkMs === NO_WATERMARK) continue;
      const tenants = this.operator.laggingTenants(partition);
      const last = this.announced.get(partition);
      const isDue =
        last === undefined ||
        this.crossesWindowBoundary(last.watermarkMs, watermarkMs) ||
        tenants.length !== last.tenants.size ||
        tenants.some(([tenant, ms]) => {
          const before = last.tenants.get(tenant);
          return before === undefined || this.crossesWindowBoundary(before, ms);
        }) ||
        nowMs - last.wallMs >= this.options.watermarkHeartbeatMs;
      if (!isDue) continue;
      this.announced.set(partition, { watermarkMs, tenants: new Map(tenants), wallMs: nowMs });
      due.push({ partition, watermarkMs, tenants });
    }
    return due;
  }

  /**
   * Where a restart must resume `partition`: the offset to commit and its metadata; null when nothing
   * new. The offset is the windows' checkpoint, or earlier when the duplicate filter held ids from before
   * it at that point: a restart re-reads from there to rebuild the filter (the metadata says where the
   * windows resume), or a copy of an event counted before the checkpoint would be counted again.
   */
  commit(partition: number): { offset: string; metadata: string } | null {
    const checkpoint = this.operator.checkpoint(partition);
    if (checkpoint === null) return null;
    const from = this.filterOf(partition).neededFrom(checkpoint.offset);
    if (from >= checkpoint.offset)
      return { offset: String(checkpoint.offset), metadata: formatCommitMetadata(checkpoint) };
    return { offset: String(from), metadata: formatCommitMetadata(checkpoint, checkpoint.offset) };
  }

  /** Each owned partition's watermark, when it has one. */
  watermarks(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (const partition of this.filters.keys()) {
      const watermark = this.operator.watermark(partition);
      if (watermark !== null) out.push([partition, watermark]);
    }
    return out;
  }

  private filterOf(partition: number): EventIdFilter {
    let filter = this.filters.get(partition);
    if (filter === undefined) {
      filter = new EventIdFilter(this.dedupHorizonMs);
      this.filters.set(partition, filter);
    }
    return filter;
  }

  private crossesWindowBoundary(from: number, to: number): boolean {
    return this.options.windowSizesMs.some((size) => Math.floor(to / size) > Math.floor(from / size));
  }
}
