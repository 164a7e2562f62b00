/**
 * Counts of scores in [0, 1] over `bins` equal-width bins; a score of exactly 1 falls in the last bin.
 * Fixed bins make histograms of different windows directly comparable and mergeable (for drift).
 */
export class ScoreHistogram {
  /** A plain array: at 10 bins it costs ~130 bytes, a Uint32Array ~300 (typed-array objects). */
  private readonly counts: number[];
  private n = 0;

  constructor(readonly bins: number) {
    if (!Number.isInteger(bins) || bins < 1)
      throw new RangeError(`histogram bins must be a positive integer; got ${bins}`);
    this.counts = new Array<number>(bins).fill(0);
  }

  /** Bin of `score` in a histogram of `bins` bins. */
  static binOf(score: number, bins: number): number {
    const bin = Math.floor(score * bins);
    return bin >= bins ? bins - 1 : bin;
  }

  /** Rebuilds a histogram from `toArray()` output. */
  static fromArray(counts: readonly number[]): ScoreHistogram {
    const histogram = new ScoreHistogram(counts.length);
    for (let i = 0; i < counts.length; i++) {
      const count = counts[i]!;
      if (!Number.isInteger(count) || count < 0)
        throw new RangeError(`histogram count must be a natural number; got ${count}`);
      histogram.counts[i] = count;
      histogram.n += count;
    }
    return histogram;
  }

  get count(): number {
    return this.n;
  }

  /** Throws RangeError for a score outside [0, 1] (or NaN). */
  add(score: number): void {
    if (!(score >= 0 && score <= 1)) throw new RangeError(`score must be in [0, 1]; got ${score}`);
    this.counts[ScoreHistogram.binOf(score, this.bins)]! += 1;
    this.n += 1;
  }

  merge(other: ScoreHistogram): void {
    if (other.bins !== this.bins)
      throw new RangeError(`cannot merge histograms of ${this.bins} and ${other.bins} bins`);
    for (let i = 0; i < this.bins; i++) this.counts[i]! += other.counts[i]!;
    this.n += other.n;
  }

  toArray(): number[] {
    return this.counts.slice();
  }
}
