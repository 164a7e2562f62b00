import { DDSketch } from '@datadog/sketches-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RELATIVE_ACCURACY, QuantileSketch } from '../src/index.js';
import { bimodalLatencies, exactQuantile, lognormalLatencies, prng, uniformValues } from './random.js';

const QUANTILES = [0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

function sketchOf(values: readonly number[]): QuantileSketch {
  const sketch = new QuantileSketch();
  for (const value of values) sketch.add(value);
  return sketch;
}

function relativeError(estimate: number, exact: number): number {
  return exact === 0 ? Math.abs(estimate) : Math.abs(estimate - exact) / Math.abs(exact);
}

/** What the library answers, clamped to the exact range, and exact at the extreme ranks, as ours is. */
function libraryQuantile(values: readonly number[], q: number): number {
  const library = new DDSketch({ relativeAccuracy: DEFAULT_RELATIVE_ACCURACY });
  for (const value of values) library.accept(value);
  // The sketch keeps -0 as 0 (`+ 0` does the same here).
  const min = Math.min(...values) + 0;
  const max = Math.max(...values) + 0;
  const rank = Math.floor(q * (values.length - 1));
  if (rank === 0) return min;
  if (rank === values.length - 1) return max;
  return Math.min(max, Math.max(min, library.getValueAtQuantile(q)));
}

const distributions: Array<[string, (n: number, seed: number) => number[]]> = [
  ['lognormal', lognormalLatencies],
  ['uniform', (n, seed) => uniformValues(n, seed)],
  ['bimodal', bimodalLatencies],
];

describe('QuantileSketch accuracy (relative error ≤ 1 % against exact quantiles)', () => {
  for (const [name, draw] of distributions) {
    for (const n of [1, 7, 100, 5_000, 50_000]) {
      it(`${name}, n = ${n}`, () => {
        const values = draw(n, 1000 + n);
        const sketch = sketchOf(values);
        const sorted = [...values].sort((a, b) => a - b);
        let worst = 0;
        for (const q of QUANTILES) {
          const estimate = sketch.quantile(q)!;
          worst = Math.max(worst, relativeError(estimate, exactQuantile(sorted, q)));
        }
        expect(worst).toBeLessThanOrEqual(DEFAULT_RELATIVE_ACCURACY);
        expect(sketch.count).toBe(n);
        expect(sketch.min).toBe(sorted[0]);
        expect(sketch.max).toBe(sorted[n - 1]);
        expect(sketch.sum).toBeCloseTo(
          values.reduce((a, b) => a + b, 0),
          6,
        );
      });
    }
  }

  it('holds for any finite values, including zeros and negatives (property)', () => {
    const value = fc.oneof(
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.integer({ min: 0, max: 120_000 }),
      fc.constant(0),
    );
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 600 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, q) => {
          const sorted = [...values].sort((a, b) => a - b);
          const estimate = sketchOf(values).quantile(q)!;
          const exact = exactQuantile(sorted, q);
          expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(
            DEFAULT_RELATIVE_ACCURACY * Math.abs(exact) + 1e-300,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('QuantileSketch agrees with @datadog/sketches-js DDSketch', () => {
  it('answers what DDSketch.getValueAtQuantile answers, clamped to [min, max], exact at the ends (property)', () => {
    const value = fc.oneof(
      fc.double({ min: -5e4, max: 5e4, noNaN: true }),
      fc.integer({ min: 0, max: 60_000 }),
      fc.constant(0),
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 700 }), (values) => {
        const sketch = sketchOf(values);
        for (const q of QUANTILES) expect(sketch.quantile(q)).toBe(libraryQuantile(values, q));
      }),
      { numRuns: 100, examples: [[[-0, 0]], [[0, -0]]] },
    );
  });
});

describe('QuantileSketch merge', () => {
  it('merging parts equals one sketch of the union (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: 0, max: 1e5, noNaN: true }), { maxLength: 400 }), {
          minLength: 1,
          maxLength: 6,
        }),
        (parts) => {
          const union = parts.flat();
          const merged = new QuantileSketch();
          for (const part of parts) merged.merge(sketchOf(part));
          const whole = sketchOf(union);
          expect(merged.count).toBe(whole.count);
          expect(merged.min).toBe(whole.min);
          expect(merged.max).toBe(whole.max);
          if (union.length > 0) expect(merged.sum).toBeCloseTo(whole.sum, 3);
          for (const q of QUANTILES) expect(merged.quantile(q)).toBe(whole.quantile(q));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('merges small (exact) and large (binned) sketches in either direction, negatives included', () => {
    const small = [-3, 0, 0.5, 12, 250];
    const large = [...lognormalLatencies(3000, 5), -7, -7000, 0];
    const whole = sketchOf([...small, ...large]);
    const a = sketchOf(small);
    a.merge(sketchOf(large));
    const b = sketchOf(large);
    b.merge(sketchOf(small));
    for (const q of QUANTILES) {
      expect(a.quantile(q)).toBe(whole.quantile(q));
      expect(b.quantile(q)).toBe(whole.quantile(q));
    }
    expect(a.count).toBe(whole.count);
    expect(b.min).toBe(-7000);
  });

  it('refuses to merge sketches of different accuracy', () => {
    const coarse = new QuantileSketch({ relativeAccuracy: 0.05 });
    coarse.add(1);
    expect(() => new QuantileSketch().merge(coarse)).toThrow(RangeError);
  });

  it('copy is independent of the original', () => {
    const original = sketchOf([1, 2, 3]);
    const copy = original.copy();
    copy.add(1000);
    expect(original.count).toBe(3);
    expect(copy.max).toBe(1000);
  });
});

/** Durations and other measurements: zero, or magnitudes from 1 µs to 10⁶ (either sign). */
const realistic = fc.oneof(
  fc.constant(0),
  fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
  fc.double({ min: -1e5, max: -1e-3, noNaN: true }),
);

describe('QuantileSketch serialisation', () => {
  it('round-trips through bytes with identical quantiles and exact summary (property)', () => {
    fc.assert(
      fc.property(fc.array(realistic, { maxLength: 800 }), (values) => {
        const sketch = sketchOf(values);
        const bytes = sketch.toBytes();
        const back = QuantileSketch.fromBytes(bytes);
        expect(back.count).toBe(sketch.count);
        expect(back.min).toBe(sketch.min);
        expect(back.max).toBe(sketch.max);
        expect(back.sum).toBe(sketch.sum);
        for (const q of QUANTILES) expect(back.quantile(q)).toBe(sketch.quantile(q));
        expect(Buffer.from(back.toBytes()).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('writes bytes that DDSketch.fromProto reads, and reads what DDSketch.toProto writes', () => {
    const values = [...lognormalLatencies(2000, 9), 0, 0, -12.5];
    const ours = sketchOf(values);
    const library = new DDSketch({ relativeAccuracy: DEFAULT_RELATIVE_ACCURACY });
    for (const value of values) library.accept(value);

    const decodedByLibrary = DDSketch.fromProto(ours.toBytes());
    const decodedByUs = QuantileSketch.fromBytes(library.toProto());
    expect(decodedByLibrary.count).toBe(values.length);
    expect(decodedByUs.count).toBe(values.length);
    for (const q of QUANTILES) {
      // The library rebuilds its mapping from gamma, which moves the last bits of each bin's value.
      expect(
        relativeError(decodedByLibrary.getValueAtQuantile(q), library.getValueAtQuantile(q)),
      ).toBeLessThan(1e-12);
      // Without our summary fields, min and max are the extreme bins' values: the library's answers.
      const expected = library.getValueAtQuantile(q);
      expect(relativeError(decodedByUs.quantile(q)!, expected)).toBeLessThanOrEqual(1e-12);
    }
    expect(relativeError(decodedByUs.sum, library.sum)).toBeLessThanOrEqual(DEFAULT_RELATIVE_ACCURACY);
  });

  it('is compact: only the bins in use are written', () => {
    const bytes = sketchOf(lognormalLatencies(10_000, 3)).toBytes();
    // Roughly 8 bytes a bin over the key range of the values, plus ~60 bytes of header and summary.
    expect(bytes.length).toBeLessThan(8 * 500);
    expect(sketchOf([1500]).toBytes().length).toBeLessThan(90);
    expect(new QuantileSketch().toBytes().length).toBeLessThan(40);
  });

  it('reads an empty sketch back as empty', () => {
    const back = QuantileSketch.fromBytes(new QuantileSketch().toBytes());
    expect(back.isEmpty()).toBe(true);
    expect(back.quantile(0.5)).toBeNull();
    expect(back.min).toBeNull();
  });

  it('round-trips extreme magnitudes (subnormal to 1e300)', () => {
    const sketch = sketchOf([5e-324, 1e-300, 1e-9, 1, 1e300, -1e-200]);
    const back = QuantileSketch.fromBytes(sketch.toBytes());
    for (const q of QUANTILES) expect(back.quantile(q)).toBe(sketch.quantile(q));
    expect(back.min).toBe(-1e-200);
  });

  it('refuses malformed bytes', () => {
    expect(() => QuantileSketch.fromBytes(new Uint8Array([0x0a, 0x05, 0x09]))).toThrow(RangeError);
    expect(() => QuantileSketch.fromBytes(new Uint8Array([]))).toThrow(/gamma/);
  });
});

describe('QuantileSketch edge cases', () => {
  it('accepts a duration of 0 ms and reports it as 0', () => {
    const sketch = sketchOf([0, 0, 0, 800]);
    expect(sketch.quantile(0.5)).toBe(0);
    expect(sketch.min).toBe(0);
    expect(sketch.quantile(1)).toBe(800);
  });

  it('is empty until the first value', () => {
    const sketch = new QuantileSketch();
    expect(sketch.quantile(0.99)).toBeNull();
    expect(sketch.mean).toBeNull();
    expect(sketch.arrayBytes).toBe(0);
  });

  it('refuses non-finite values and quantiles outside [0, 1]', () => {
    const sketch = new QuantileSketch();
    expect(() => sketch.add(Number.NaN)).toThrow(RangeError);
    expect(() => sketch.add(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    sketch.add(1);
    expect(() => sketch.quantile(1.5)).toThrow(RangeError);
    expect(() => sketch.quantile(Number.NaN)).toThrow(RangeError);
  });

  it('widens its counts past 65 535 and 2³² − 1 in one bin without losing any', () => {
    const sketch = new QuantileSketch();
    for (let i = 0; i < 70_000; i++) sketch.add(1000);
    sketch.add(5);
    expect(sketch.count).toBe(70_001);
    expect(sketch.quantile(0)).toBe(5);
    expect(sketch.quantile(0.5)).toBe(1000);
    const merged = QuantileSketch.fromBytes(sketch.toBytes());
    for (let i = 0; i < 17; i++) merged.merge(merged.copy()); // 70 001 · 2¹⁷ > 2³²
    expect(merged.count).toBe(70_001 * 2 ** 17);
    expect(merged.quantile(0.99)).toBe(1000);
    expect(merged.quantile(0)).toBe(5);
    expect(QuantileSketch.fromBytes(merged.toBytes()).count).toBe(70_001 * 2 ** 17);
  });

  it('counts values below minIndexableValue as zero, bounding the bins a stray tiny value opens', () => {
    const bounded = new QuantileSketch({ minIndexableValue: 1e-6 });
    const unbounded = new QuantileSketch();
    for (const value of [1e-300, 5e-7, 1000]) {
      bounded.add(value);
      unbounded.add(value);
    }
    expect(bounded.quantile(0.5)).toBe(1e-300); // the zero bin, clamped to the exact min
    expect(bounded.arrayBytes).toBeLessThan(100);
    expect(unbounded.arrayBytes).toBeLessThan(100); // still exact values: binned only when larger
    for (let i = 0; i < 300; i++) {
      bounded.add(1000 + i);
      unbounded.add(1000 + i);
    }
    expect(bounded.arrayBytes).toBeLessThan(200);
    expect(unbounded.arrayBytes).toBeGreaterThan(60_000);
    expect(() => new QuantileSketch({ minIndexableValue: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });

  it('is exact when every value is the same', () => {
    const sketch = sketchOf(Array.from({ length: 1000 }, () => 1234.5));
    expect(sketch.quantile(0.5)).toBe(1234.5);
    expect(sketch.quantile(0.99)).toBe(1234.5);
  });

  it('keeps its arrays small for a typical LLM latency spread (200 ms – 20 s)', () => {
    const random = prng(11);
    const sketch = new QuantileSketch();
    for (let i = 0; i < 20_000; i++) sketch.add(200 * 100 ** random());
    // log(100) / log(1.0202) ≈ 231 bins of 2 bytes, plus growth headroom.
    expect(sketch.arrayBytes).toBeLessThanOrEqual(2 * 300);
    const few = sketchOf([210, 950, 4000, 19_000]);
    expect(few.arrayBytes).toBeLessThanOrEqual(64);
  });
});
