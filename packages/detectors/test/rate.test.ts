import { describe, expect, it } from 'vitest';
import { binomialLogUpperTail, logGamma, rateZ, zOfLogTail } from '../src/stats/rate.js';

describe('binomial rate z', () => {
  it('computes exact binomial upper tails', () => {
    expect(logGamma(10)).toBeCloseTo(Math.log(362_880), 10);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 10);
    // P(X ≥ 1 | 5, p) = 1 − (1 − p)^5
    expect(Math.exp(binomialLogUpperTail(1, 5, 0.0086)!)).toBeCloseTo(1 - (1 - 0.0086) ** 5, 12);
    // P(X ≥ 20 | 100, 0.1) = 0.0019786 (tables)
    expect(Math.exp(binomialLogUpperTail(20, 100, 0.1)!)).toBeCloseTo(0.0019786, 6);
    expect(binomialLogUpperTail(6, 5, 0.5)).toBe(Number.NEGATIVE_INFINITY);
    expect(binomialLogUpperTail(0, 5, 0.5)).toBe(0);
  });

  it('maps tail probabilities to normal z', () => {
    expect(zOfLogTail(Math.log(0.025))).toBeCloseTo(1.96, 3);
    expect(zOfLogTail(Math.log(0.05))).toBeCloseTo(1.6449, 3);
    expect(zOfLogTail(Math.log(3.167e-5))).toBeCloseTo(4, 2);
    expect(zOfLogTail(Math.log(1e-10))).toBeCloseTo(6.3613, 3);
    expect(zOfLogTail(Math.log(0.7))).toBe(0);
    expect(zOfLogTail(-5000)).toBe(38);
  });

  it('does not call one failure in five calls significant against a 1% baseline (the normal approximation does)', () => {
    const baseline = { windows: 100, hits: 1, trials: 100 };
    const normal = (1 - 5 * 0.01) / Math.sqrt(5 * 0.01 * 0.99);
    expect(normal).toBeGreaterThan(4);
    expect(rateZ(baseline, 1, 5)).toBeLessThan(2);
    // …but a provider failing every call of a sparse series is
    expect(rateZ(baseline, 5, 5)).toBeGreaterThan(4);
    expect(rateZ(baseline, 3, 5)).toBeGreaterThan(4);
  });

  it('agrees with the normal approximation where it holds, and never exceeds it', () => {
    const baseline = { windows: 100, hits: 2000, trials: 10_000 };
    const exact = rateZ(baseline, 260, 1000);
    const normal = (260 - 200) / Math.sqrt(1000 * 0.2 * 0.8);
    expect(exact).toBeLessThanOrEqual(normal);
    expect(exact).toBeGreaterThan(normal - 0.35);
    expect(rateZ(baseline, 150, 1000)).toBeCloseTo((150 - 200) / Math.sqrt(160), 10);
  });
});
