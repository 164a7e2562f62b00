import type { RecordSource } from '@aiops/core';
import { type HeardFrom, UpstreamSources } from './upstream.js';
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

/**
 * What the aligner hands on, in order: an item to process, or punctuation at an event time for one
 * lane (the detector's lanes are tenants: each has its own clock).
 */
export type AlignedStep<T> = { kind: 'item'; item: T } | { kind: 'tick'; atMs: number; lane: string };

export interface AlignerSnapshot<T> {
  /** The highest lane clock (before lanes: the one clock). */
  clockMs: number;
  lastTickMs: number;
  /**
   * Per source: [id, watermark, lanes behind it as [lane, watermark]]. Wall times are not kept: a
   * restored source counts as just heard from.
   */
  sources: Array<[string, number] | [string, number, Array<[string, number]>]>;
  expectedSources: number;
  /** Items received and not yet handed on. */
  held: T[];
  /** Per lane: [lane, clock, last tick]. Absent in snapshots from before lanes. */
  lanes?: Array<[string, number, number]>;
}

/**
 * The lane that always exists, from the start: it follows the sources' own watermarks (no source lists
 * it as behind), so its clock and ticks are those of an aligner without lanes.
 */
export const DEFAULT_LANE = '';

interface SourceState extends HeardFrom {
  watermarkMs: number;
  /** Lanes behind the source's watermark, from its latest marker. */
  lanes: Map<string, number>;
}

interface LaneState<T> {
  clockMs: number;
  lastTickMs: number;
  held: T[];
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
 * Lanes. Items belong to a lane (`laneOf`; the detector's lanes are tenants), and each lane has its own
 * clock: the minimum over sources of the lane's watermark at that source, which is the source's own
 * watermark unless its latest marker lists the lane as behind it. A tenant that is minutes or hours
 * behind the others (late telemetry, a backfill) is judged, and ticked, on its own clock, and holds back
 * no other lane. Within a lane the steps are a function of the items and markers; lanes are advanced in
 * lane order.
 *
 * An item at or before its lane's clock when it arrives (a late revision, or a replay of one handed on
 * already) is handed on at once, ahead of the next release. Sources follow the rule of UpstreamSources:
 * one that sent no marker for `sourceIdleTimeoutMs` of wall time stops holding the clocks back until it
 * speaks again; sources announced (`count`) but not seen yet are waited for that long after the first
 * marker.
 */
export class EventTimeAligner<T> {
  private readonly upstream: UpstreamSources<SourceState>;
  private lanes = new Map<string, LaneState<T>>();
  /** Clock and tick grid a lane restored from a snapshot without lanes starts from. */
  private restoredClock = { clockMs: NO_WATERMARK, lastTickMs: NO_WATERMARK };
  private passThrough: T[] = [];
  private changes = 0;

  constructor(
    private readonly options: AlignerOptions,
    private readonly timeOf: (item: T) => number,
    private readonly order: (a: T, b: T) => number,
    private readonly laneOf: (item: T) => string = () => DEFAULT_LANE,
  ) {
    if (!(options.tickStepMs > 0)) throw new RangeError('tickStepMs must be > 0');
    if (!(options.sourceIdleTimeoutMs > 0)) throw new RangeError('sourceIdleTimeoutMs must be > 0');
    this.upstream = new UpstreamSources(options.sourceIdleTimeoutMs);
    this.laneFor(DEFAULT_LANE);
  }

  /** The highest lane clock (NO_WATERMARK before any). */
  clock(): number {
    let highest = NO_WATERMARK;
    for (const lane of this.lanes.values()) if (lane.clockMs > highest) highest = lane.clockMs;
    return highest;
  }

  /** The clock of one lane (NO_WATERMARK when it has none yet). */
  laneClock(lane: string): number {
    return this.lanes.get(lane)?.clockMs ?? NO_WATERMARK;
  }

  /** Increases whenever a lane's clock moves: tells a consumer its state changed. */
  version(): number {
    return this.changes;
  }

  /** Items held back waiting for the clock. */
  heldCount(): number {
    let count = 0;
    for (const lane of this.lanes.values()) count += lane.held.length;
    return count;
  }

  add(item: T): void {
    const lane = this.laneFor(this.laneOf(item));
    if (this.timeOf(item) <= lane.clockMs) this.passThrough.push(item);
    else lane.held.push(item);
  }

  /**
   * A marker: `source` vouches for `watermarkMs`, and for the lanes listed in `lanes` (each behind it)
   * for their own watermark. The list replaces the source's previous one.
   */
  observeWatermark(
    source: RecordSource,
    watermarkMs: number,
    wallNowMs: number,
    lanes: ReadonlyArray<readonly [string, number]> = [],
  ): void {
    this.upstream.firstWallMs ??= wallNowMs;
    const state = this.upstream.heard(source.id, source.count, wallNowMs, () => ({
      watermarkMs,
      lanes: new Map(),
      lastWallMs: wallNowMs,
    }));
    // Markers come back older after an upstream restart (a replay from its checkpoint, or another
    // instance taking the partition over). An older marker vouches for nothing new, and its lane list is
    // of that older time: a tenant not behind then (not seen yet: a backfill that began later) is missing
    // from it, and taking the list would move that tenant's lane to the source's newest watermark, past
    // its windows — its series judged absent. So it only tells that the source is alive.
    if (watermarkMs < state.watermarkMs) return;
    state.watermarkMs = watermarkMs;
    state.lanes = new Map(lanes.map(([lane, ms]) => [lane, ms]));
  }

  /** Moves the lanes' clocks as far as the sources allow and returns the steps that releases. */
  advance(wallNowMs: number): AlignedStep<T>[] {
    const steps: AlignedStep<T>[] = this.passThrough.map((item) => ({ kind: 'item', item }));
    this.passThrough = [];
    const active = this.activeSources(wallNowMs);
    if (active === null) return steps;
    const names = [...this.lanes.keys()].sort();
    for (const name of names) {
      const lane = this.lanes.get(name)!;
      let clock = Number.POSITIVE_INFINITY;
      for (const source of active) {
        const ms = source.lanes.get(name) ?? source.watermarkMs;
        if (ms < clock) clock = ms;
      }
      if (clock === Number.POSITIVE_INFINITY || clock <= lane.clockMs) continue;
      this.release(name, lane, clock, steps);
    }
    return steps;
  }

  private release(name: string, lane: LaneState<T>, clock: number, steps: AlignedStep<T>[]): void {
    lane.clockMs = clock;
    this.changes += 1;
    const released: T[] = [];
    const kept: T[] = [];
    for (const item of lane.held) (this.timeOf(item) <= clock ? released : kept).push(item);
    lane.held = kept;
    released.sort((a, b) => this.timeOf(a) - this.timeOf(b) || this.order(a, b));

    const step = this.options.tickStepMs;
    if (lane.lastTickMs === NO_WATERMARK) {
      // Ticks before the first item have nothing to judge: the grid starts just before it.
      const first = released.length > 0 ? this.timeOf(released[0]!) : clock;
      lane.lastTickMs = Math.ceil(first / step) * step - step;
    }
    let index = 0;
    for (let tick = lane.lastTickMs + step; tick <= clock; tick += step) {
      while (index < released.length && this.timeOf(released[index]!) <= tick)
        steps.push({ kind: 'item', item: released[index++]! });
      steps.push({ kind: 'tick', atMs: tick, lane: name });
      lane.lastTickMs = tick;
    }
    while (index < released.length) steps.push({ kind: 'item', item: released[index++]! });
  }

  /** The sources that hold the clocks back now, or null while announced sources are still awaited. */
  private activeSources(wallNowMs: number): SourceState[] | null {
    if (this.upstream.firstWallMs === null || this.upstream.awaitingUnseen(wallNowMs)) return null;
    return this.upstream.active(wallNowMs);
  }

  private laneFor(name: string): LaneState<T> {
    let lane = this.lanes.get(name);
    if (lane === undefined) {
      lane = { clockMs: this.restoredClock.clockMs, lastTickMs: this.restoredClock.lastTickMs, held: [] };
      this.lanes.set(name, lane);
    }
    return lane;
  }

  snapshot(): AlignerSnapshot<T> {
    const held: T[] = [...this.passThrough];
    const lanes: Array<[string, number, number]> = [];
    for (const [name, lane] of this.lanes) {
      held.push(...lane.held);
      lanes.push([name, lane.clockMs, lane.lastTickMs]);
    }
    return {
      clockMs: this.clock(),
      lastTickMs: this.restoredClock.lastTickMs,
      sources: [...this.upstream.byId].map(([id, state]) => [id, state.watermarkMs, [...state.lanes]]),
      expectedSources: this.upstream.expected,
      // Pass-through items are handed on in the same step as the snapshot is taken; kept here for safety.
      held,
      lanes,
    };
  }

  /** Restores a snapshot; every source counts as heard from at `wallNowMs`, so none is judged idle at once. */
  restore(snapshot: AlignerSnapshot<T>, wallNowMs: number): void {
    this.upstream.expected = snapshot.expectedSources;
    this.upstream.byId.clear();
    for (const [id, watermarkMs, lanes] of snapshot.sources)
      this.upstream.byId.set(id, { watermarkMs, lanes: new Map(lanes ?? []), lastWallMs: wallNowMs });
    this.upstream.firstWallMs = this.upstream.byId.size > 0 ? wallNowMs : null;
    this.lanes = new Map();
    // From before lanes: every lane starts at the one clock there was.
    this.restoredClock =
      snapshot.lanes === undefined
        ? { clockMs: snapshot.clockMs, lastTickMs: snapshot.lastTickMs }
        : { clockMs: NO_WATERMARK, lastTickMs: NO_WATERMARK };
    for (const [name, clockMs, lastTickMs] of snapshot.lanes ?? [])
      this.lanes.set(name, { clockMs, lastTickMs, held: [] });
    this.laneFor(DEFAULT_LANE);
    this.passThrough = [];
    for (const item of snapshot.held) this.add(item);
  }
}
