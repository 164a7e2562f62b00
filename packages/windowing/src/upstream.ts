/** What every upstream source keeps: when it was last heard from (wall ms; NaN: not yet known). */
export interface HeardFrom {
  lastWallMs: number;
}

/**
 * The upstream sources of one merged stream, and the rule every multi-source clock here follows (a
 * partition's WatermarkTracker over raw partitions, the detector's EventTimeAligner over aggregator
 * partitions): the clock is the minimum over the sources, where a source silent for `idleTimeoutMs` of
 * wall time stops holding it back until it speaks again, and sources announced (`count`) but not seen
 * yet are waited for that long after the first one spoke. `S` is what the clock keeps per source.
 */
export class UpstreamSources<S extends HeardFrom> {
  /** Sources announced: the highest `count` any of them named. */
  expected = 1;
  /** Wall time the first source spoke (null: none yet). */
  firstWallMs: number | null = null;
  readonly byId = new Map<string, S>();

  constructor(
    readonly idleTimeoutMs: number,
    /** How long after the first source spoke announced but unseen sources are waited for. */
    readonly unseenTimeoutMs: number = idleTimeoutMs,
  ) {
    if (!(idleTimeoutMs > 0)) throw new RangeError('idleTimeoutMs must be > 0');
    if (!(unseenTimeoutMs > 0)) throw new RangeError('unseenTimeoutMs must be > 0');
  }

  /** `id` (one of `count` sources) spoke at `wallNowMs`; returns its state, made by `create` when new. */
  heard(id: string, count: number, wallNowMs: number, create: () => S): S {
    if (count > this.expected) this.expected = count;
    let state = this.byId.get(id);
    if (state === undefined) {
      state = create();
      this.byId.set(id, state);
    }
    state.lastWallMs = wallNowMs;
    return state;
  }

  /** Some announced source has not been seen. */
  hasUnseen(): boolean {
    return this.byId.size < this.expected;
  }

  /** Announced sources not seen yet are still waited for. */
  awaitingUnseen(wallNowMs: number): boolean {
    return (
      this.hasUnseen() && this.firstWallMs !== null && wallNowMs - this.firstWallMs < this.unseenTimeoutMs
    );
  }

  /** The sources that hold the clock back now: all but the idle ones (one not heard from yet is not idle). */
  active(wallNowMs: number): S[] {
    const out: S[] = [];
    for (const state of this.byId.values())
      if (!(wallNowMs - state.lastWallMs >= this.idleTimeoutMs)) out.push(state);
    return out;
  }

  /** The lowest `measure` over the active sources (POSITIVE_INFINITY when none is). */
  lowestActive(wallNowMs: number, measure: (state: S) => number): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const state of this.active(wallNowMs)) {
      const value = measure(state);
      if (value < lowest) lowest = value;
    }
    return lowest;
  }
}
