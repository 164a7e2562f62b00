/** The watermark of a partition that has seen no record yet: before every event time. JSON-safe. */
export const NO_WATERMARK = Number.MIN_SAFE_INTEGER;

export interface WatermarkOptions {
  /** How far behind the highest event time seen an event may still arrive and count as on time. */
  maxOutOfOrdernessMs: number;
  /** Wall-clock time without any record after which the partition counts as idle. */
  idleTimeoutMs: number;
}

export interface WatermarkSnapshot {
  watermarkMs: number;
  maxEventTimeMs: number;
  /** Watermark right after the last record, the base of idle advances. */
  watermarkAtLastRecordMs: number;
  lastRecordWallMs: number | null;
}

/**
 * The event-time watermark of one source partition (bounded out-of-orderness, as Flink's
 * `forBoundedOutOfOrderness`): watermark = highest event time seen − maxOutOfOrdernessMs, a promise
 * that no event older than it is still expected. It never goes back.
 *
 * Idle partitions. Stream time only moves when records arrive, so the last windows of a partition that
 * went quiet would never close. Driven by the wall clock, `onIdleCheck(now)` therefore advances the
 * watermark of a partition that received nothing for `idleTimeoutMs`: to its watermark at the last
 * record plus the wall time elapsed since that record (event time is assumed to pass like wall time
 * while nothing arrives). Repeated checks do not compound. If records resume with event times behind
 * the advanced watermark, they are late; the watermark does not move back. This advance is the one
 * input that is not a function of the records, so a replay does not reproduce it.
 */
export class WatermarkTracker {
  private watermark: number;
  private maxEventTime = NO_WATERMARK;
  private watermarkAtLastRecord: number;
  private lastRecordWall: number | null = null;

  constructor(
    private readonly options: WatermarkOptions,
    /** Start from this watermark (a resumed partition) instead of none. */
    startWatermarkMs: number = NO_WATERMARK,
  ) {
    if (!(options.maxOutOfOrdernessMs >= 0)) throw new RangeError('maxOutOfOrdernessMs must be >= 0');
    if (!(options.idleTimeoutMs > 0)) throw new RangeError('idleTimeoutMs must be > 0');
    this.watermark = startWatermarkMs;
    this.watermarkAtLastRecord = startWatermarkMs;
  }

  current(): number {
    return this.watermark;
  }

  /** Highest event time seen (NO_WATERMARK before the first record). */
  maxEventTimeMs(): number {
    return this.maxEventTime;
  }

  /** A record with event time `eventTimeMs` arrived at wall time `wallNowMs`; returns the new watermark. */
  observe(eventTimeMs: number, wallNowMs: number): number {
    if (eventTimeMs > this.maxEventTime) this.maxEventTime = eventTimeMs;
    const candidate = eventTimeMs - this.options.maxOutOfOrdernessMs;
    if (candidate > this.watermark) this.watermark = candidate;
    this.watermarkAtLastRecord = this.watermark;
    this.lastRecordWall = wallNowMs;
    return this.watermark;
  }

  isIdle(wallNowMs: number): boolean {
    return this.lastRecordWall !== null && wallNowMs - this.lastRecordWall >= this.options.idleTimeoutMs;
  }

  /** Advances an idle partition's watermark (see the class comment); returns the watermark. */
  onIdleCheck(wallNowMs: number): number {
    if (this.lastRecordWall === null || !this.isIdle(wallNowMs)) return this.watermark;
    const candidate = this.watermarkAtLastRecord + (wallNowMs - this.lastRecordWall);
    if (candidate > this.watermark) this.watermark = candidate;
    return this.watermark;
  }

  snapshot(): WatermarkSnapshot {
    return {
      watermarkMs: this.watermark,
      maxEventTimeMs: this.maxEventTime,
      watermarkAtLastRecordMs: this.watermarkAtLastRecord,
      lastRecordWallMs: this.lastRecordWall,
    };
  }

  restore(snapshot: WatermarkSnapshot): void {
    this.watermark = snapshot.watermarkMs;
    this.maxEventTime = snapshot.maxEventTimeMs;
    this.watermarkAtLastRecord = snapshot.watermarkAtLastRecordMs;
    this.lastRecordWall = snapshot.lastRecordWallMs;
  }
}
