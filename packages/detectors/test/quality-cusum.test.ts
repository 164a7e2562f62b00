import type { Alert, WindowAggregate } from '@aiops/contract';
import { Rng } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { createDetectionEngine, cusumStep, histogramVariance } from '../src/index.js';
import { feed, MIN, normalWindow, scores, T0 } from './helpers.js';

function withScores(r: Rng, i: number, mean: number, n: number): WindowAggregate {
  const agg = scores(r, n, mean, 0.08);
  return normalWindow(r, i, { quality: { faithfulness: agg }, quality_mean: agg.sum / agg.count });
}

const meanDrops = (alerts: readonly Alert[]) =>
  alerts.filter((a) => a.detector === 'quality' && a.summary.startsWith("Mean 'faithfulness'"));

describe('quality mean_drop CUSUM', () => {
  it('estimates σ of single scores from the histogram without the bin-centre inflation (Sheppard)', () => {
    const r = new Rng(71);
    const raw: number[] = [];
    const h = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) {
      // like the simulator's evaluator scores (σ 0.07–0.11 around 0.8, where bin centres inflate σ by ~5 %)
      const s = Math.min(1, Math.max(0, 0.8 + 0.08 * r.normal()));
      raw.push(s);
      h[Math.min(9, Math.floor(s * 10))]! += 1;
    }
    const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
    const sigma = Math.sqrt(raw.reduce((a, b) => a + (b - mean) ** 2, 0) / raw.length);
    let centres = 0;
    let m = 0;
    for (let i = 0; i < 10; i++) m += (h[i]! * (i + 0.5)) / 10 / raw.length;
    for (let i = 0; i < 10; i++) centres += (h[i]! * ((i + 0.5) / 10 - m) ** 2) / raw.length;
    // bin centres alone: σ ~6 % too high; corrected: within 2 %
    expect(Math.sqrt(centres) / sigma).toBeGreaterThan(1.04);
    expect(Math.abs(Math.sqrt(histogramVariance(h, raw.length)) / sigma - 1)).toBeLessThan(0.02);
  });

  it('steps S = max(0, S + u − k), caps it at 1.25 h and restarts from 0 once back under h', () => {
    // u = (0.85 − 0.80) / √0.0004 = 2.5
    expect(cusumStep(0, 0.85, 0.0004, 0.8, 1, 6.5).u).toBeCloseTo(2.5, 10);
    expect(cusumStep(3, 0.85, 0.0004, 0.8, 1, 6.5).s).toBeCloseTo(4.5, 10);
    expect(cusumStep(0, 0.85, 0.0004, 0.9, 1, 6.5).s).toBe(0);
    expect(cusumStep(7, 0.85, 0.0004, 0.6, 1, 6.5).s).toBeCloseTo(1.25 * 6.5, 10);
    // from 7 (≥ h) a window at the reference mean (u = 0) brings it to 6 < h: the drop is over, restart from 0
    expect(cusumStep(7, 0.85, 0.0004, 0.85, 1, 6.5).s).toBe(0);
    expect(cusumStep(7, 0.85, 0.0004, 0.83, 1, 6.5).s).toBeCloseTo(7, 10);
  });

  it('fires at the window that crosses h, without the lifecycle pending time (configurable)', () => {
    const run = (config?: unknown) => {
      const r = new Rng(72);
      // 20 scores a window, σ 0.08: a drop of 0.1 from window 200 is u ≈ 5.6 a window: S crosses 6.5 in the 2nd
      const windows = Array.from({ length: 220 }, (_, i) => withScores(r, i, i < 200 ? 0.85 : 0.75, 20));
      return meanDrops(feed(createDetectionEngine(config), windows));
    };
    const now = run();
    expect(now[0]).toMatchObject({ status: 'firing', started_at: T0 + 201 * MIN });
    expect(now[0]!.notified_at).toBe(T0 + 202 * MIN);
    const pending = run({ quality: { mean_drop_pending_for_ms: 120_000 } });
    expect(pending[0]).toMatchObject({ status: 'firing', started_at: T0 + 201 * MIN });
    expect(pending[0]!.notified_at).toBe(T0 + 203 * MIN);
  });

  it('stays quiet on 2,000 windows of 2–5 scores each with an unchanged distribution (three seeds)', () => {
    for (const seed of [73, 74, 75]) {
      const r = new Rng(seed);
      const windows = Array.from({ length: 2000 }, (_, i) => withScores(r, i, 0.85, 2 + r.int(4)));
      expect(meanDrops(feed(createDetectionEngine(), windows))).toEqual([]);
    }
  });

  it('catches a 6-window ramp of 0.4 by its 3rd window with 20 scores a window', () => {
    const r = new Rng(76);
    const ramp = (i: number) => (i < 200 ? 0.85 : 0.85 - 0.4 * Math.min(1, (i - 200 + 0.5) / 6));
    const windows = Array.from({ length: 230 }, (_, i) => withScores(r, i, ramp(i), 20));
    const first = meanDrops(feed(createDetectionEngine(), windows))[0]!;
    expect(first.status).toBe('firing');
    expect((first.notified_at - (T0 + 200 * MIN)) / MIN).toBeLessThanOrEqual(3);
  });
});
