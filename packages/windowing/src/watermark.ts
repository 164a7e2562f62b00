import type { RecordSource } from '@aiops/core';
import type { TenantPosition } from './tenant-clock.js';
import { type HeardFrom, UpstreamSources } from './upstream.js';

/** The watermark of a partition that has seen no record yet: before every event time. JSON-safe. */
export const NO_WATERMARK = Number.MIN_SAFE_INTEGER;

export type { RecordSource };

export interface WatermarkOptions {
  /** How far behind the highest event time seen an event may still arrive and count as on time. */
  maxOutOfOrdernessMs: number;
  /** Wall-clock time without any record after which the partition counts as idle. */
  idleTimeoutMs: number;
  /**
   * How long after the partition's first record sources announced but not seen yet are waited for
   * (default idleTimeoutMs). A replay repeats the decision (see WatermarkPosition.unseenGivenUp).
   */
  unseenTimeoutMs?: number;
}

export interface WatermarkSnapshot {
  watermarkMs: number;
  maxEventTimeMs: number;
  /** Watermark right after the last record, the base of idle advances. */
  watermarkAtLastRecordMs: number;
  lastRecordWallMs: number | null;
  /** Per source: [id, highest event time, wall time of its last record]. */
  sources?: Array<[string, number, number]>;
  expectedSources?: number;
  firstRecordWallMs?: number | null;
  unseenGivenUp?: boolean;
}

/**
 * The event-time side of a tracker (no wall times): what a replay from a checkpoint needs to see the
 * watermarks the original run saw. Stored with the checkpoint's offset (Kafka commit metadata).
 */
export interface WatermarkPosition {
  watermarkMs: number;
  /** Highest event time per source: [id, ms]. */
  sources: Array<[string, number]>;
  expectedSources: number;
  /** The tracker had stopped waiting for announced sources it never saw. */
  unseenGivenUp: boolean;
  /** The clocks of the partition's tenants (kept by the window operator, see TenantClocks). */
  tenants?: TenantPosition[];
}

const SINGLE_SOURCE: RecordSource = Object.freeze({ id: '0', count: 1 });

interface SourceState extends HeardFrom {
  maxEventTime: number;
}

/**
 * The event-time watermark of one partition (bounded out-of-orderness, as Flink's
 * `forBoundedOutOfOrderness`): a promise that no event older than it is still expected. It never goes
 * back.
 *
 * Several sources. A partition of the events topic is fed by every partition of the raw topic (the
 * validator re-keys by series), and when the validator catches up a backlog it drains those raw
 * partitions chunk by chunk, so their event times interleave far beyond any out-of-orderness bound.
 * As in Flink's multi-input operators, the watermark is therefore the minimum over sources of
 * (highest event time of that source − maxOutOfOrdernessMs), by the rule of UpstreamSources: a source
 * that sent nothing for `idleTimeoutMs` of wall time stops holding the others back; sources announced
 * (`count`) but not seen yet hold the watermark for `idleTimeoutMs` after the partition's first record.
 * Once given up on, unseen sources are not waited for again. With one source this is the classic
 * single-stream watermark.
 *
 * Idle partitions. Stream time only moves when records arrive, so the last windows of a partition that
 * went quiet would never close. Driven by the wall clock, `onIdleCheck(now)` therefore advances the
 * watermark of a partition that received nothing for `idleTimeoutMs`: to its watermark at the last
 * record plus the wall time elapsed since that record (event time is assumed to pass like wall time
 * while nothing arrives). Repeated checks do not compound. If records resume with event times behind
 * the advanced watermark, they are late; the watermark does not move back. Idle handling is the one
 * input that is not a function of the records, so a replay does not reproduce it.
 */
export class WatermarkTracker {
  private watermark: number;
  private maxEventTime = NO_WATERMARK;
  private watermarkAtLastRecord: number;
  private lastRecordWall: number | null = null;
  private unseenGivenUp = false;
  private readonly upstream: UpstreamSources<SourceState>;

  constructor(
    private readonly options: WatermarkOptions,
    /**
     * Start from this watermark (a resumed partition) instead of none; with a position, also from its
     * sources, so a replay holds back and advances as the original run did.
     */
    start: number | WatermarkPosition = NO_WATERMARK,
  ) {
    if (!(options.maxOutOfOrdernessMs >= 0)) throw new RangeError('maxOutOfOrdernessMs must be >= 0');
    if (!(options.idleTimeoutMs > 0)) throw new RangeError('idleTimeoutMs must be > 0');
    this.upstream = new UpstreamSources(
      options.idleTimeoutMs,
      options.unseenTimeoutMs ?? options.idleTimeoutMs,
    );
    const position = typeof start === 'number' ? null : start;
    this.watermark = position === null ? (start as number) : position.watermarkMs;
    this.watermarkAtLastRecord = this.watermark;
    if (position !== null) {
      // Wall time of a restored source is unknown until the replay's first record (NaN: never idle).
      for (const [id, maxEventTime] of position.sources)
        this.upstream.byId.set(id, { maxEventTime, lastWallMs: Number.NaN });
      this.upstream.expected = position.expectedSources;
      this.unseenGivenUp = position.unseenGivenUp;
    }
  }

  /** True once the tracker stopped waiting for announced sources it never saw. */
  gaveUpOnUnseen(): boolean {
    return this.unseenGivenUp;
  }

  /**
   * Stops waiting for unseen sources now (a replay repeating what the original run decided by the wall
   * clock at this point), and advances to the sources seen; returns the watermark.
   */
  giveUpOnUnseen(wallNowMs: number): number {
    this.unseenGivenUp = true;
    if (this.lastRecordWall !== null) this.advanceToSources(wallNowMs);
    return this.watermark;
  }

  /** The event-time state, for a checkpoint (see WatermarkPosition). */
  position(): WatermarkPosition {
    const sources: Array<[string, number]> = [];
    for (const [id, state] of this.upstream.byId) sources.push([id, state.maxEventTime]);
    return {
      watermarkMs: this.watermark,
      sources,
      expectedSources: this.upstream.expected,
      unseenGivenUp: this.unseenGivenUp,
    };
  }

  current(): number {
    return this.watermark;
  }

  /** Ids of the sources seen (restored ones included). */
  sourceIds(): IterableIterator<string> {
    return this.upstream.byId.keys();
  }

  /** Highest event time of one source (NO_WATERMARK when not seen). */
  sourceMaxEventTimeMs(id: string): number {
    return this.upstream.byId.get(id)?.maxEventTime ?? NO_WATERMARK;
  }

  /** Highest event time seen (NO_WATERMARK before the first record). */
  maxEventTimeMs(): number {
    return this.maxEventTime;
  }

  /** A record with event time `eventTimeMs` arrived at wall time `wallNowMs`; returns the new watermark. */
  observe(eventTimeMs: number, wallNowMs: number, source: RecordSource = SINGLE_SOURCE): number {
    if (eventTimeMs > this.maxEventTime) this.maxEventTime = eventTimeMs;
    if (this.upstream.firstWallMs === null) {
      this.upstream.firstWallMs = wallNowMs;
      // Restored sources count as heard from when the replay starts.
      for (const state of this.upstream.byId.values())
        if (Number.isNaN(state.lastWallMs)) state.lastWallMs = wallNowMs;
    }
    const state = this.upstream.heard(source.id, source.count, wallNowMs, () => ({
      maxEventTime: eventTimeMs,
      lastWallMs: wallNowMs,
    }));
    if (eventTimeMs > state.maxEventTime) state.maxEventTime = eventTimeMs;
    this.advanceToSources(wallNowMs);
    this.watermarkAtLastRecord = this.watermark;
    this.lastRecordWall = wallNowMs;
    return this.watermark;
  }

  isIdle(wallNowMs: number): boolean {
    return this.lastRecordWall !== null && wallNowMs - this.lastRecordWall >= this.options.idleTimeoutMs;
  }

  /** Lets idle sources stop holding the others back, then advances an idle partition (see the class comment). */
  onIdleCheck(wallNowMs: number): number {
    if (this.lastRecordWall === null) return this.watermark;
    this.advanceToSources(wallNowMs);
    if (!this.isIdle(wallNowMs)) return this.watermark;
    // The base is the watermark at the last record; when the records all came while the partition still
    // waited for unseen sources, that is NO_WATERMARK, so what the sources seen by then justify counts.
    let base = this.watermarkAtLastRecord;
    let lowest = Number.POSITIVE_INFINITY;
    for (const state of this.upstream.byId.values())
      if (state.maxEventTime < lowest) lowest = state.maxEventTime;
    if (lowest !== Number.POSITIVE_INFINITY) base = Math.max(base, lowest - this.options.maxOutOfOrdernessMs);
    const candidate = base + (wallNowMs - this.lastRecordWall);
    if (candidate > this.watermark) this.watermark = candidate;
    return this.watermark;
  }

  /** Raises the watermark to the minimum over active sources, when every announced source has spoken. */
  private advanceToSources(wallNowMs: number): void {
    if (!this.unseenGivenUp && this.upstream.hasUnseen()) {
      if (this.upstream.awaitingUnseen(wallNowMs)) return;
      this.unseenGivenUp = true;
    }
    const lowest = this.upstream.lowestActive(wallNowMs, (state) => state.maxEventTime);
    if (lowest === Number.POSITIVE_INFINITY) return;
    const candidate = lowest - this.options.maxOutOfOrdernessMs;
    if (candidate > this.watermark) this.watermark = candidate;
  }

  snapshot(): WatermarkSnapshot {
    return {
      watermarkMs: this.watermark,
      maxEventTimeMs: this.maxEventTime,
      watermarkAtLastRecordMs: this.watermarkAtLastRecord,
      lastRecordWallMs: this.lastRecordWall,
      sources: [...this.upstream.byId].map(([id, state]) => [id, state.maxEventTime, state.lastWallMs]),
      expectedSources: this.upstream.expected,
      firstRecordWallMs: this.upstream.firstWallMs,
      unseenGivenUp: this.unseenGivenUp,
    };
  }

  restore(snapshot: WatermarkSnapshot): void {
    this.watermark = snapshot.watermarkMs;
    this.maxEventTime = snapshot.maxEventTimeMs;
    this.watermarkAtLastRecord = snapshot.watermarkAtLastRecordMs;
    this.lastRecordWall = snapshot.lastRecordWallMs;
    this.upstream.byId.clear();
    for (const [id, maxEventTime, lastWallMs] of snapshot.sources ?? [])
      this.upstream.byId.set(id, { maxEventTime, lastWallMs });
    this.upstream.expected = snapshot.expectedSources ?? 1;
    this.upstream.firstWallMs = snapshot.firstRecordWallMs ?? null;
    this.unseenGivenUp = snapshot.unseenGivenUp ?? false;
  }
}
