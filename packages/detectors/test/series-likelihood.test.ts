import { Rng } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import {
  createSeriesScorer,
  DEFAULT_LIKELIHOOD_OPTIONS,
  likelihoodInit,
  likelihoodStep,
  logTail,
  normalUpperTail,
} from '../src/index.js';

const FIVE_MIN = 300_000;
const T = Date.UTC(2024, 0, 1);

describe('anomaly-likelihood layer', () => {
  it('normal upper tail and its log scale', () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 7);
    expect(normalUpperTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalUpperTail(3)).toBeCloseTo(0.0013499, 6);
    expect(normalUpperTail(-3)).toBeCloseTo(1 - 0.0013499, 6);
    expect(logTail(1)).toBe(0);
    expect(logTail(1e-5)).toBeCloseTo(0.5, 10);
    expect(logTail(0)).toBe(1);
  });

  it('says nothing while learning, stays calm on stationary raw scores, and drops on a sustained rise', () => {
    const o = { ...DEFAULT_LIKELIHOOD_OPTIONS, average: 10, history: 500, learning: 100 };
    const s = likelihoodInit(o);
    const r = new Rng(81);
    const raw = (i: number) => Math.abs(r.normal()) + (i >= 1000 ? 2 : 0);
    const q: number[] = [];
    for (let i = 0; i < 1030; i++) q.push(likelihoodStep(s, o, raw(i)));
    expect(q.slice(0, 100).every((v) => v === 1)).toBe(true);
    // the average of 10 |N(0,1)| is near-normal: on 900 stationary points, no tail below 1e-4
    expect(Math.min(...q.slice(100, 1000))).toBeGreaterThan(1e-4);
    // a rise of 2 in the raw score (≈ 10 σ of its average) is a one-in-10⁵ tail within 5 points
    expect(Math.min(...q.slice(1000, 1005))).toBeLessThan(1e-5);
    // bounded memory: the rings never grow
    expect(s.ring.length).toBe(500);
    expect(s.short.length).toBe(10);
  });

  it('lets the scorer see a shape change inside the historical range that no record shows', () => {
    // a daily cycle (amplitude 20, every 5 minutes); on day 10 the amplitude falls to 12: inside the range
    const r = new Rng(82);
    const day = 288;
    const values = Array.from({ length: day * 12 }, (_, i) => {
      const amplitude = i >= day * 10 && i < day * 11 ? 12 : 20;
      return 50 + amplitude * Math.sin((2 * Math.PI * i) / day) + 2 * r.normal();
    });
    const run = (likelihoodWeight: number) => {
      // the likelihood layer alone (no shape view), on or off
      const scorer = createSeriesScorer({ likelihoodWeight, shapeWeight: 0 });
      return values.map((v, i) => scorer.score(T + i * FIVE_MIN, v));
    };
    const off = run(0);
    const on = run(0.01);
    const changed = (scores: number[]) => Math.max(...scores.slice(day * 10, day * 11));
    const above = (scores: number[], from: number, to: number) =>
      scores.slice(from, to).filter((v) => v >= 0.0088).length;
    // records only: the changed day scores nothing
    expect(changed(off)).toBe(0);
    // with the likelihood of the seasonal residual: the top of its scale (weight × 1: a tail under 1e-10),
    // over NAB's corpus-wide threshold (0.0088), once
    expect(changed(on)).toBeCloseTo(0.01, 6);
    expect(above(on, day * 10, day * 11)).toBe(1);
    // and on the ordinary days 4–9 it adds no detection to the records'
    expect(above(on, day * 4, day * 10)).toBe(above(off, day * 4, day * 10));
  });
});
