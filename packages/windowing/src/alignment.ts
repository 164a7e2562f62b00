import type { RecordSource } from '@aiops/core';
import { NO_WATERMARK } from './watermark.js';

export interface AlignerOptions {
  /** Punctuation step in event time: ticks fall on its multiples. */
  tickStepMs: number;
  /**
   * Wall time without a marker after which a source stops holding the clock back (a dead upstream
   * instance must not stop detection for good). Also how long sources announced but never seen are
   * waited for. The one input that is not a function of the records.
   */
  sourceIdleTimeoutMs: number;
}

/** What the aligner hands on, in order: an item to process, or punctuation at an event time. */
export type AlignedStep<T> = { kind: 'item'; item: T } | { kind: 'tick'; atMs: number };

export interface AlignerSnapshot<T> {
  clockMs: number;
  lastTickMs: number;
  /** Per source: [id, watermark]. Wall times are not kept: a restored source counts as just heard from. */
  sources: Array<[string, number]>;
  expectedSources: number;
  /** Items received and not yet handed on. */
  held: T[];
}

interface SourceState {
  watermarkMs: number;
  lastWallMs: number;
}

/**
 * Merges items that several upstream sources send into one partition into one deterministic order, by
 * event time. Each source vouches for its progress with watermark markers (see the Kafka package's
 * watermark markers); the aligner's clock is the minimum over sources, and it hands on items whose time
 * is at or before the clock, sorted (time, then `order`), with a tick at every multiple of `tickStepMs`
 * after the items up to it. So the sequence of steps is a function of the items and markers alone, not
 * of how the sources' records interleaved in the partition or were cut into batches: a consumer that
 * applies the steps computes the same thing in every run (the detector's absence checks depend on it).
 *
 * An item at or before the clock when it arrives (a late revision, or a replay of one handed on
 * already) is handed on at once, ahead of the next release. A source that sent no marker for
 * `sourceIdleTimeoutMs` of wall time stops holding the clock back until it speaks again; sources
 * announced (`count`) but not seen yet are waited for that long after the first marker.
 */
export class EventTimeAligner<T> {
  private clockMs = NO_WATERMARK;
  private lastTickMs = NO_WATERMARK;
  private expectedSources = 1;
  private firstMarkerWallMs: number | null = null;
  private readonly sources = new Map<string, SourceState>();
  private held: T[] = [];
  private passThrough: T[] = [];

  constructor(
    private readonly options: AlignerOptions,
    private readonly timeOf: (item: T) => number,
    private readonly order: (a: T, b: T) => number,
  ) {
    if (!(options.tickStepMs > 0)) throw new RangeError('tickStepMs must be > 0');
    if (!(options.sourceIdleTimeoutMs > 0)) throw new RangeError('sourceIdleTimeoutMs must be > 0');
  }

  /** The event time up to which every source has vouched (NO_WATERMARK before that). */
  clock(): number {
    return this.clockMs;
  }

  /** Items held back waiting for the clock. */
  heldCount(): number {
    return this.held.length;
  }

  add(item: T): void {
    if (this.timeOf(item) <= this.clockMs) this.passThrough.push(item);
    else this.held.push(item);
  }

  observeWatermark(source: RecordSource, watermarkMs: number, wallNowMs: number): void {
    if (source.count > this.expectedSources) this.expectedSources = source.count;
    this.firstMarkerWallMs ??= wallNowMs;
    const state = this.sources.get(source.id);
    if (state === undefined) this.sources.set(source.id, { watermarkMs, lastWallMs: wallNowMs });
    else {
      // Markers can repeat or come back older after an upstream restart; a source never goes back.
      if (watermarkMs > state.watermarkMs) state.watermarkMs = watermarkMs;
      state.lastWallMs = wallNowMs;
    }
  }

  /** Moves the clock as far as the sources allow and returns the steps that releases. */
  advance(wallNowMs: number): AlignedStep<T>[] {
    const steps: AlignedStep<T>[] = this.passThrough.map((item) => ({ kind: 'item', item }));
    this.passThrough = [];
    const clock = this.sourceClock(wallNowMs);
    if (clock <= this.clockMs) return steps;
    this.clockMs = clock;

    const released: T[] = [];
    const kept: T[] = [];
    for (const item of this.held) (this.timeOf(item) <= clock ? released : kept).push(item);
    this.held = kept;
    released.sort((a, b) => this.timeOf(a) - this.timeOf(b) || this.order(a, b));

    const step = this.options.tickStepMs;
    if (this.lastTickMs === NO_WATERMARK) {
      // Ticks before the first item have nothing to judge: the grid starts just before it.
      const first = released.length > 0 ? this.timeOf(released[0]!) : clock;
      this.lastTickMs = Math.ceil(first / step) * step - step;
    }
    let index = 0;
    for (let tick = this.lastTickMs + step; tick <= clock; tick += step) {
      while (index < released.length && this.timeOf(released[index]!) <= tick)
        steps.push({ kind: 'item', item: released[index++]! });
      steps.push({ kind: 'tick', atMs: tick });
      this.lastTickMs = tick;
    }
    while (index < released.length) steps.push({ kind: 'item', item: released[index++]! });
    return steps;
  }

  private sourceClock(wallNowMs: number): number {
    const timeout = this.options.sourceIdleTimeoutMs;
    if (this.firstMarkerWallMs === null) return NO_WATERMARK;
    const waitingForUnseen =
      this.sources.size < this.expectedSources && wallNowMs - this.firstMarkerWallMs < timeout;
    if (waitingForUnseen) return NO_WATERMARK;
    let lowest = Number.POSITIVE_INFINITY;
    for (const state of this.sources.values()) {
      if (wallNowMs - state.lastWallMs >= timeout) continue;
      if (state.watermarkMs < lowest) lowest = state.watermarkMs;
    }
    return lowest === Number.POSITIVE_INFINITY ? NO_WATERMARK : lowest;
  }

  snapshot(): AlignerSnapshot<T> {
    return {
      clockMs: this.clockMs,
      lastTickMs: this.lastTickMs,
      sources: [...this.sources].map(([id, state]) => [id, state.watermarkMs]),
      expectedSources: this.expectedSources,
      // Pass-through items are handed on in the same step as the snapshot is taken; kept here for safety.
      held: [...this.passThrough, ...this.held],
    };
  }

  /** Restores a snapshot; every source counts as heard from at `wallNowMs`, so none is judged idle at once. */
  restore(snapshot: AlignerSnapshot<T>, wallNowMs: number): void {
    this.clockMs = snapshot.clockMs;
    this.lastTickMs = snapshot.lastTickMs;
    this.expectedSources = snapshot.expectedSources;
    this.sources.clear();
    for (const [id, watermarkMs] of snapshot.sources)
      this.sources.set(id, { watermarkMs, lastWallMs: wallNowMs });
    this.firstMarkerWallMs = this.sources.size > 0 ? wallNowMs : null;
    this.passThrough = [];
    this.held = [];
    for (const item of snapshot.held) this.add(item);
  }
}
