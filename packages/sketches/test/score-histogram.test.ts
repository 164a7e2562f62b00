import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScoreHistogram } from '../src/index.js';

describe('ScoreHistogram', () => {
  it('puts scores in equal-width bins over [0, 1], with 1 in the last bin', () => {
    const histogram = new ScoreHistogram(10);
    for (const score of [0, 0.05, 0.1, 0.35, 0.999, 1]) histogram.add(score);
    expect(histogram.toArray()).toEqual([2, 1, 0, 1, 0, 0, 0, 0, 0, 2]);
    expect(histogram.count).toBe(6);
  });

  it('refuses scores outside [0, 1]', () => {
    const histogram = new ScoreHistogram(10);
    expect(() => histogram.add(-0.01)).toThrow(RangeError);
    expect(() => histogram.add(1.01)).toThrow(RangeError);
    expect(() => histogram.add(Number.NaN)).toThrow(RangeError);
    expect(histogram.count).toBe(0);
  });

  it('merge equals the histogram of the union, and round-trips through toArray (property)', () => {
    const scores = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 200 });
    fc.assert(
      fc.property(scores, scores, (a, b) => {
        const left = new ScoreHistogram(10);
        const right = new ScoreHistogram(10);
        const whole = new ScoreHistogram(10);
        for (const s of a) {
          left.add(s);
          whole.add(s);
        }
        for (const s of b) {
          right.add(s);
          whole.add(s);
        }
        left.merge(right);
        expect(left.toArray()).toEqual(whole.toArray());
        expect(left.count).toBe(a.length + b.length);
        expect(ScoreHistogram.fromArray(whole.toArray()).toArray()).toEqual(whole.toArray());
      }),
    );
  });

  it('refuses to merge histograms of different bin counts', () => {
    expect(() => new ScoreHistogram(10).merge(new ScoreHistogram(5))).toThrow(RangeError);
  });
});
