import { DenseBins } from './bins.js';
import { accuracyFromGamma, type IndexMapping, mappingFor } from './mapping.js';
import { ProtoReader, ProtoWriter, varintSize, WireType, zigzag } from './proto.js';

/** 1 %: every quantile the sketch returns is within 1 % of the exact quantile (see `quantile`). */
export const DEFAULT_RELATIVE_ACCURACY = 0.01;

export interface QuantileSketchOptions {
  /** Relative accuracy α in (0, 1); default 0.01. */
  relativeAccuracy?: number;
  /**
   * Values with |x| below this count as 0 (as in the Java and Go DDSketch). The default is the
   * smallest value the mapping can index (~1e-308); a larger one bounds the bins a pathological value
   * can open: each decade costs ~115 bins at 1 %, so 1e-300 next to 1e3 would span ~35 000 bins.
   */
  minIndexableValue?: number;
}

/** Exact values held before the first check against binning, and the most ever held. */
const FIRST_BUFFER = 8;
const MAX_BUFFER = 256;
/** Measured fixed heap cost of binning (Bins and DenseBins objects, a typed array and its buffer). */
const BINNED_OVERHEAD_BYTES = 320;
/** Extension fields (ours) carrying the exact summary that the DDSketch proto lacks. */
const FIELD_MIN = 100;
const FIELD_MAX = 101;
const FIELD_SUM = 102;

/** What sketches of one configuration share: one object per (accuracy, min indexable value). */
interface SketchConfig {
  readonly mapping: IndexMapping;
  readonly minIndexable: number;
}

/** The binned representation: DDSketch's positive and negative stores and its zero count. */
interface Bins {
  positive: DenseBins | null;
  negative: DenseBins | null;
  zeros: number;
}

const configs = new Map<string, SketchConfig>();

function configFor(options: QuantileSketchOptions): SketchConfig {
  const mapping = mappingFor(options.relativeAccuracy ?? DEFAULT_RELATIVE_ACCURACY);
  const minIndexable = options.minIndexableValue ?? mapping.minPossible;
  const id = `${mapping.relativeAccuracy}:${minIndexable}`;
  let config = configs.get(id);
  if (config === undefined) {
    if (!(minIndexable >= mapping.minPossible && minIndexable < Number.POSITIVE_INFINITY)) {
      throw new RangeError(
        `minIndexableValue must be finite and >= ${mapping.minPossible}; got ${minIndexable}`,
      );
    }
    config = { mapping, minIndexable };
    configs.set(id, config);
  }
  return config;
}

/**
 * A mergeable quantile sketch with a relative-error guarantee: DDSketch (Masson, Rim, Lee, VLDB 2019),
 * using the logarithmic index mapping of @datadog/sketches-js.
 *
 * Guarantee. For n values sorted x₀ ≤ … ≤ xₙ₋₁, `quantile(q)` returns an estimate of the lower
 * quantile x⌊q(n−1)⌋ within relative error α (1 % by default): |estimate − x| ≤ α·|x|. The lowest
 * and highest ranks answer the exact min and max; every other rank answers exactly what
 * `DDSketch.getValueAtQuantile(q)` of @datadog/sketches-js returns for the same values, clamped to
 * [min, max] (tested), so merged and unmerged sketches and the library agree.
 *
 * Zero and negatives. A value of 0 (a 0 ms duration) is counted in a zero bin and comes back as 0,
 * as does any |x| < `minIndexableValue`; negative values are kept in a mirrored store. Non-finite
 * values are refused.
 *
 * Memory. The library keeps its bins in JS number arrays grown by 128 (measured: 2.2 KB for one
 * value, 3.6 KB for a 200 ms–20 s spread). This sketch instead (1) holds the first values exactly in
 * a plain array (8 bytes a value, without the ~250 bytes of a typed array's objects) for as long as
 * that costs less than bins would, at most 256 values, then (2) bins them in a Uint16Array (widened
 * only if a bin passes 65 535) spanning only the keys in use. Quantiles do not depend on which
 * representation holds the values. `count`, `sum`, `min` and `max` are exact.
 */
export class QuantileSketch {
  private config: SketchConfig;
  /** Exact values while the sketch is small; null before the first value and once binned. */
  private values: number[] | null = null;
  /** How many exact values may be held before checking again whether bins would be cheaper. */
  private limit = FIRST_BUFFER;
  private sorted = true;
  private bins: Bins | null = null;
  private n = 0;
  private total = 0;
  /** Exact min and max; meaningful when n > 0. */
  private low = 0;
  private high = 0;

  constructor(options: QuantileSketchOptions = {}) {
    this.config = configFor(options);
  }

  get relativeAccuracy(): number {
    return this.config.mapping.relativeAccuracy;
  }

  get count(): number {
    return this.n;
  }

  get sum(): number {
    return this.total;
  }

  /** Exact smallest value, or null when empty. */
  get min(): number | null {
    return this.n === 0 ? null : this.low;
  }

  /** Exact largest value, or null when empty. */
  get max(): number | null {
    return this.n === 0 ? null : this.high;
  }

  get mean(): number | null {
    return this.n === 0 ? null : this.total / this.n;
  }

  isEmpty(): boolean {
    return this.n === 0;
  }

  /** Bytes of the value or bin arrays (the sketch object itself adds about 150). */
  get arrayBytes(): number {
    const bins = this.bins;
    return (
      8 * (this.values?.length ?? 0) + (bins?.positive?.byteLength ?? 0) + (bins?.negative?.byteLength ?? 0)
    );
  }

  add(value: number): void {
    if (!Number.isFinite(value)) throw new RangeError(`a sketch only takes finite values; got ${value}`);
    // -0 becomes 0, or min/max would depend on whether -0 or 0 came first.
    if (value === 0) value = 0;
    this.summarise(1, value, value, value);
    if (this.bins === null) {
      if (this.reserve(1)) {
        if (this.values === null) this.values = [value];
        else this.values.push(value);
        this.sorted = false;
        return;
      }
      this.spill();
    }
    this.addToBins(this.bins!, value);
  }

  /** Adds every value of `other` to this sketch; both must have the same relative accuracy. */
  merge(other: QuantileSketch): void {
    if (other.config.mapping !== this.config.mapping) {
      throw new RangeError(
        `cannot merge sketches of relative accuracy ${this.relativeAccuracy} and ${other.relativeAccuracy}`,
      );
    }
    if (other.n === 0) return;
    this.summarise(other.n, other.total, other.low, other.high);
    const incoming = other.values ?? [];
    if (this.bins === null && other.bins === null && this.reserve(incoming.length)) {
      if (this.values === null) this.values = incoming.slice();
      else for (const value of incoming) this.values.push(value);
      this.sorted = false;
      return;
    }
    const bins = this.bins ?? this.spill();
    if (other.bins === null) {
      for (const value of incoming) this.addToBins(bins, value);
      return;
    }
    if (other.bins.positive) {
      bins.positive ??= new DenseBins();
      bins.positive.merge(other.bins.positive);
    }
    if (other.bins.negative) {
      bins.negative ??= new DenseBins();
      bins.negative.merge(other.bins.negative);
    }
    bins.zeros += other.bins.zeros;
  }

  /**
   * Estimate of the lower q-quantile x⌊q(n−1)⌋ within the relative accuracy, clamped to [min, max]
   * (exact at the lowest and highest rank); null when the sketch is empty. `q` must be in [0, 1].
   */
  quantile(q: number): number | null {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1]; got ${q}`);
    if (this.n === 0) return null;
    const rank = Math.floor(q * (this.n - 1));
    if (rank === 0) return this.low;
    if (rank === this.n - 1) return this.high;
    const mapping = this.config.mapping;
    let estimate: number;
    const bins = this.bins;
    if (bins === null) {
      const values = this.values!;
      if (!this.sorted) {
        values.sort(ascending);
        this.sorted = true;
      }
      estimate = this.represent(values[rank]!);
    } else {
      const negatives = bins.negative?.total ?? 0;
      if (rank < negatives) {
        estimate = -mapping.value(bins.negative!.keyAtRank(rank, true));
      } else if (rank < negatives + bins.zeros) {
        estimate = 0;
      } else {
        estimate = mapping.value(bins.positive!.keyAtRank(rank - negatives - bins.zeros));
      }
    }
    return Math.min(this.high, Math.max(this.low, estimate));
  }

  copy(): QuantileSketch {
    const copy = new QuantileSketch();
    copy.config = this.config;
    copy.values = this.values?.slice() ?? null;
    copy.limit = this.limit;
    copy.sorted = this.sorted;
    const bins = this.bins;
    copy.bins =
      bins === null
        ? null
        : {
            positive: bins.positive?.copy() ?? null,
            negative: bins.negative?.copy() ?? null,
            zeros: bins.zeros,
          };
    copy.n = this.n;
    copy.total = this.total;
    copy.low = this.low;
    copy.high = this.high;
    return copy;
  }

  /**
   * The DDSketch protobuf encoding (readable by `DDSketch.fromProto` of @datadog/sketches-js and the
   * other DDSketch libraries), plus our exact min/max/sum in extension fields 100–102. The bytes
   * depend only on the multiset of values added (and the float order of the sum).
   */
  toBytes(): Uint8Array {
    let bins = this.bins;
    if (bins === null) {
      bins = { positive: null, negative: null, zeros: 0 };
      for (const value of this.values ?? []) this.addToBins(bins, value);
    }
    // One writer for every sketch, nested messages written in place (their lengths are known ahead):
    // a window carries several sketches, and four writers each was a sizeable part of the aggregator's
    // allocations.
    const writer = SHARED_WRITER.reset()
      .tag(1, WireType.LengthDelimited)
      .varint(MAPPING_BYTES)
      .tag(1, WireType.Fixed64)
      .double(this.config.mapping.gamma)
      .tag(2, WireType.Fixed64)
      .double(0);
    writeStore(writer, 2, bins.positive);
    writeStore(writer, 3, bins.negative);
    writer.tag(4, WireType.Fixed64).double(bins.zeros);
    if (this.n > 0) {
      writer.tag(FIELD_MIN, WireType.Fixed64).double(this.low);
      writer.tag(FIELD_MAX, WireType.Fixed64).double(this.high);
      writer.tag(FIELD_SUM, WireType.Fixed64).double(this.total);
    }
    return writer.finish();
  }

  /**
   * Reads a DDSketch protobuf (ours or another library's; logarithmic mapping only). Without our
   * extension fields, min and max are estimated from the extreme bins and the sum from the bins, each
   * within the relative accuracy. `minIndexableValue` applies to values added from then on (the
   * format does not carry it). Throws RangeError on malformed or unsupported input.
   */
  static fromBytes(
    bytes: Uint8Array,
    options: Pick<QuantileSketchOptions, 'minIndexableValue'> = {},
  ): QuantileSketch {
    let gamma = Number.NaN;
    let indexOffset = 0;
    let interpolation = 0;
    let positive: StoreFields | null = null;
    let negative: StoreFields | null = null;
    let zeros = 0;
    let min: number | undefined;
    let max: number | undefined;
    let sum: number | undefined;
    const reader = new ProtoReader(bytes);
    while (!reader.done()) {
      const [field, wireType] = reader.tag();
      if (field === 1 && wireType === WireType.LengthDelimited) {
        const mapping = reader.sub();
        while (!mapping.done()) {
          const [f, w] = mapping.tag();
          if (f === 1 && w === WireType.Fixed64) gamma = mapping.double();
          else if (f === 2 && w === WireType.Fixed64) indexOffset = mapping.double();
          else if (f === 3 && w === WireType.Varint) interpolation = mapping.varint();
          else mapping.skip(w);
        }
      } else if ((field === 2 || field === 3) && wireType === WireType.LengthDelimited) {
        const store = readStore(reader.sub());
        if (field === 2) positive = store;
        else negative = store;
      } else if (field === 4 && wireType === WireType.Fixed64) zeros = reader.double();
      else if (field === FIELD_MIN && wireType === WireType.Fixed64) min = reader.double();
      else if (field === FIELD_MAX && wireType === WireType.Fixed64) max = reader.double();
      else if (field === FIELD_SUM && wireType === WireType.Fixed64) sum = reader.double();
      else reader.skip(wireType);
    }
    if (!(gamma > 1) || !Number.isFinite(gamma))
      throw new RangeError(`sketch mapping has invalid gamma ${gamma}`);
    if (interpolation !== 0) {
      throw new RangeError(`unsupported sketch mapping interpolation ${interpolation} (only logarithmic)`);
    }
    if (!Number.isInteger(indexOffset))
      throw new RangeError(`unsupported sketch index offset ${indexOffset}`);
    if (!(zeros >= 0 && Number.isFinite(zeros))) throw new RangeError(`invalid sketch zero count ${zeros}`);
    // Snap to the accuracy the writer meant (gamma → α loses the last bits of α), then check gamma.
    const accuracy = Number(accuracyFromGamma(gamma).toPrecision(12));
    const sketch = new QuantileSketch({ relativeAccuracy: accuracy, ...options });
    if (Math.abs(sketch.config.mapping.gamma - gamma) > 1e-12 * gamma) {
      throw new RangeError(`sketch gamma ${gamma} matches no relative accuracy`);
    }
    const bins: Bins = {
      positive: positive ? toBins(positive, indexOffset) : null,
      negative: negative ? toBins(negative, indexOffset) : null,
      zeros,
    };
    sketch.bins = bins;
    sketch.n = (bins.positive?.total ?? 0) + (bins.negative?.total ?? 0) + zeros;
    if (sketch.n > 0) {
      sketch.low = min ?? sketch.extreme(bins, false);
      sketch.high = max ?? sketch.extreme(bins, true);
      sketch.total = sum ?? sketch.binnedSum(bins);
    }
    return sketch;
  }

  private summarise(count: number, sum: number, low: number, high: number): void {
    if (this.n === 0 || low < this.low) this.low = low;
    if (this.n === 0 || high > this.high) this.high = high;
    this.n += count;
    this.total += sum;
  }

  /** The value DDSketch reports for `value`: the representative of its bin (0 for the zero bin). */
  private represent(value: number): number {
    const { mapping, minIndexable } = this.config;
    if (value > minIndexable) return mapping.value(mapping.key(value));
    if (value < -minIndexable) return -mapping.value(mapping.key(-value));
    return 0;
  }

  private addToBins(bins: Bins, value: number): void {
    const { mapping, minIndexable } = this.config;
    if (value > minIndexable) {
      bins.positive ??= new DenseBins();
      bins.positive.add(mapping.key(value));
    } else if (value < -minIndexable) {
      bins.negative ??= new DenseBins();
      bins.negative.add(mapping.key(-value));
    } else {
      bins.zeros += 1;
    }
  }

  /**
   * Whether `extra` more exact values may be held: while that stays cheaper than binning (8 bytes a
   * value against 2 bytes a bin of the key range in use plus the typed array's fixed cost), up to
   * MAX_BUFFER values. Checked at powers of two, so the check costs O(1) a value amortised.
   */
  private reserve(extra: number): boolean {
    const needed = (this.values?.length ?? 0) + extra;
    if (needed <= this.limit) return true;
    let next = this.limit * 2;
    while (next < needed) next *= 2;
    if (next > MAX_BUFFER || 8 * next > this.binnedBytesEstimate() + BINNED_OVERHEAD_BYTES) return false;
    this.limit = next;
    return true;
  }

  private binnedBytesEstimate(): number {
    const { mapping, minIndexable } = this.config;
    let posLow = Number.POSITIVE_INFINITY;
    let posHigh = Number.NEGATIVE_INFINITY;
    let negLow = Number.POSITIVE_INFINITY;
    let negHigh = Number.NEGATIVE_INFINITY;
    for (const value of this.values ?? []) {
      if (value > minIndexable) {
        const key = mapping.key(value);
        if (key < posLow) posLow = key;
        if (key > posHigh) posHigh = key;
      } else if (value < -minIndexable) {
        const key = mapping.key(-value);
        if (key < negLow) negLow = key;
        if (key > negHigh) negHigh = key;
      }
    }
    const bins =
      (posHigh >= posLow ? posHigh - posLow + 1 : 0) + (negHigh >= negLow ? negHigh - negLow + 1 : 0);
    return 2 * bins;
  }

  /** Moves the exact values into bins, for good. */
  private spill(): Bins {
    const bins: Bins = { positive: null, negative: null, zeros: 0 };
    for (const value of this.values ?? []) this.addToBins(bins, value);
    this.bins = bins;
    this.values = null;
    this.sorted = true;
    return bins;
  }

  private extreme(bins: Bins, highest: boolean): number {
    const mapping = this.config.mapping;
    const negative = bins.negative && bins.negative.total > 0 ? bins.negative : null;
    const positive = bins.positive && bins.positive.total > 0 ? bins.positive : null;
    if (highest) {
      if (positive) return mapping.value(positive.maxKey);
      if (bins.zeros > 0) return 0;
      return -mapping.value(negative!.minKey);
    }
    if (negative) return -mapping.value(negative.maxKey);
    if (bins.zeros > 0) return 0;
    return mapping.value(positive!.minKey);
  }

  private binnedSum(bins: Bins): number {
    const mapping = this.config.mapping;
    let sum = 0;
    bins.positive?.forEach((key, count) => {
      sum += count * mapping.value(key);
    });
    bins.negative?.forEach((key, count) => {
      sum -= count * mapping.value(key);
    });
    return sum;
  }
}

function ascending(a: number, b: number): number {
  return a - b;
}

interface StoreFields {
  entries: Array<[number, number]>;
  contiguous: number[];
  contiguousOffset: number;
}

/** IndexMapping { gamma, indexOffset }: two tagged doubles. */
const MAPPING_BYTES = 2 * (1 + 8);
/** Encodings are synchronous and never nested, so one writer serves them all. */
const SHARED_WRITER = new ProtoWriter();

/** Store field `field` of a DDSketch: { contiguousBinCounts (packed doubles), contiguousBinIndexOffset }. */
function writeStore(writer: ProtoWriter, field: number, bins: DenseBins | null): void {
  writer.tag(field, WireType.LengthDelimited);
  if (bins === null || bins.total === 0) {
    writer.varint(0);
    return;
  }
  const counts = bins.contiguousCounts();
  const packed = 8 * counts.length;
  // Tags 2 and 3 take a byte each.
  writer.varint(1 + varintSize(packed) + packed + 1 + varintSize(zigzag(bins.minKey)));
  writer.tag(2, WireType.LengthDelimited).varint(packed);
  for (let i = 0; i < counts.length; i++) writer.double(counts[i]!);
  writer.tag(3, WireType.Varint).sint32(bins.minKey);
}

function readStore(reader: ProtoReader): StoreFields {
  const store: StoreFields = { entries: [], contiguous: [], contiguousOffset: 0 };
  while (!reader.done()) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) {
      const entry = reader.sub();
      let key = 0;
      let count = 0;
      while (!entry.done()) {
        const [f, w] = entry.tag();
        if (f === 1 && w === WireType.Varint) key = entry.sint32();
        else if (f === 2 && w === WireType.Fixed64) count = entry.double();
        else entry.skip(w);
      }
      store.entries.push([key, count]);
    } else if (field === 2 && wireType === WireType.LengthDelimited) {
      const packed = reader.sub();
      while (!packed.done()) store.contiguous.push(packed.double());
    } else if (field === 2 && wireType === WireType.Fixed64) {
      store.contiguous.push(reader.double());
    } else if (field === 3 && wireType === WireType.Varint) {
      store.contiguousOffset = reader.sint32();
    } else {
      reader.skip(wireType);
    }
  }
  return store;
}

function toBins(store: StoreFields, indexOffset: number): DenseBins {
  const bins = new DenseBins();
  const add = (key: number, count: number) => {
    if (!(count >= 0 && Number.isFinite(count))) throw new RangeError(`invalid sketch bin count ${count}`);
    bins.add(key - indexOffset, count);
  };
  for (const [key, count] of store.entries) add(key, count);
  for (let i = 0; i < store.contiguous.length; i++) add(store.contiguousOffset + i, store.contiguous[i]!);
  return bins;
}
