type Counts = Uint16Array | Uint32Array | Float64Array;

/**
 * Counts per integer bin key over one contiguous key range, grown on demand: the store of a DDSketch,
 * on a typed array. Counts start in a Uint16Array (2 bytes a bin, a quarter of a JS number array); a
 * count above 65 535 widens the array to Uint32Array, and a count above 2³² − 1 or a fractional weight
 * (read from another producer's sketch) to Float64Array.
 */
export class DenseBins {
  /** Key of `counts[0]`. */
  private offset = 0;
  private counts: Counts = EMPTY;
  private lowKey = Number.POSITIVE_INFINITY;
  private highKey = Number.NEGATIVE_INFINITY;
  private totalCount = 0;

  get total(): number {
    return this.totalCount;
  }

  /** Lowest and highest key holding a count (Infinity / -Infinity when empty). */
  get minKey(): number {
    return this.lowKey;
  }

  get maxKey(): number {
    return this.highKey;
  }

  get byteLength(): number {
    return this.counts.byteLength;
  }

  add(key: number, count = 1): void {
    if (count === 0) return;
    if (key < this.offset || key >= this.offset + this.counts.length) this.grow(key);
    if (key < this.lowKey) this.lowKey = key;
    if (key > this.highKey) this.highKey = key;
    const index = key - this.offset;
    const next = this.counts[index]! + count;
    if (
      !(this.counts instanceof Float64Array) &&
      (next > maxCount(this.counts) || !Number.isInteger(count))
    ) {
      this.counts = widen(this.counts, next, count);
    }
    this.counts[index] = next;
    this.totalCount += count;
  }

  /** Count held by `key` (0 outside the range). */
  countAt(key: number): number {
    const index = key - this.offset;
    return index >= 0 && index < this.counts.length ? this.counts[index]! : 0;
  }

  merge(other: DenseBins): void {
    if (other.totalCount === 0) return;
    // Grow once to the union of both ranges, then add bin by bin.
    this.grow(other.lowKey);
    this.grow(other.highKey);
    for (let key = other.lowKey; key <= other.highKey; key++) {
      const count = other.counts[key - other.offset]!;
      if (count !== 0) this.add(key, count);
    }
  }

  copy(): DenseBins {
    const copy = new DenseBins();
    copy.offset = this.offset;
    copy.counts = this.counts.slice();
    copy.lowKey = this.lowKey;
    copy.highKey = this.highKey;
    copy.totalCount = this.totalCount;
    return copy;
  }

  /**
   * The key holding the element of 0-based `rank` (counting from the lowest key, or from the highest
   * when `descending`). `rank` must be below `total`.
   */
  keyAtRank(rank: number, descending = false): number {
    let running = 0;
    if (descending) {
      for (let key = this.highKey; key >= this.lowKey; key--) {
        running += this.counts[key - this.offset]!;
        if (running > rank) return key;
      }
      return this.lowKey;
    }
    for (let key = this.lowKey; key <= this.highKey; key++) {
      running += this.counts[key - this.offset]!;
      if (running > rank) return key;
    }
    return this.highKey;
  }

  /** Calls `visit(key, count)` for every non-empty bin, lowest key first. */
  forEach(visit: (key: number, count: number) => void): void {
    for (let key = this.lowKey; key <= this.highKey; key++) {
      const count = this.counts[key - this.offset]!;
      if (count !== 0) visit(key, count);
    }
  }

  /** The counts from `minKey` to `maxKey` inclusive (zeros included), for serialisation. */
  contiguousCounts(): ArrayLike<number> {
    if (this.totalCount === 0) return [];
    return this.counts.subarray(this.lowKey - this.offset, this.highKey - this.offset + 1);
  }

  /**
   * Makes room for `key`. The new range covers the old one and `key`, plus headroom on the side it
   * grew (an eighth of the range, at least 8 bins), so that a spread filling in bin by bin reallocates
   * O(log range) times.
   */
  private grow(key: number): void {
    const current = this.counts.length;
    if (current > 0 && key >= this.offset && key < this.offset + current) return;
    const usedLow = this.totalCount === 0 ? key : Math.min(this.lowKey, key);
    const usedHigh = this.totalCount === 0 ? key : Math.max(this.highKey, key);
    const headroom = Math.max(MIN_HEADROOM, Math.ceil((usedHigh - usedLow + 1) / 8));
    const newLow = this.totalCount > 0 && key > this.highKey ? usedLow : usedLow - headroom;
    const newHigh = this.totalCount > 0 && key < this.lowKey ? usedHigh : usedHigh + headroom;
    const length = newHigh - newLow + 1;
    const counts =
      this.counts instanceof Float64Array
        ? new Float64Array(length)
        : this.counts instanceof Uint32Array
          ? new Uint32Array(length)
          : new Uint16Array(length);
    if (this.totalCount > 0) {
      counts.set(
        this.counts.subarray(this.lowKey - this.offset, this.highKey - this.offset + 1),
        this.lowKey - newLow,
      );
    }
    this.counts = counts;
    this.offset = newLow;
  }
}

const EMPTY = new Uint16Array(0);
const MAX_U16 = 0xffff;
const MAX_U32 = 0xffffffff;

function maxCount(counts: Counts): number {
  return counts instanceof Uint16Array ? MAX_U16 : counts instanceof Uint32Array ? MAX_U32 : Number.MAX_VALUE;
}

/** The next array type able to hold `next` (and a fractional `count`), with the same counts. */
function widen(counts: Counts, next: number, count: number): Counts {
  if (Number.isInteger(count) && next <= MAX_U32) return Uint32Array.from(counts);
  return Float64Array.from(counts);
}
const MIN_HEADROOM = 8;
