import type { WindowAggregate } from '@aiops/contract';
import { Rng } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { createDetectionEngine, jensenShannon, psi, psiThreshold } from '../src/index.js';
import { binomial, feed, normalWindow, scores } from './helpers.js';

function withScores(r: Rng, i: number, mean: (i: number) => number, n = 20): WindowAggregate {
  const agg = scores(r, n, mean(i), 0.12);
  return normalWindow(r, i, { quality: { relevance: agg }, quality_mean: agg.sum / agg.count });
}

describe('quality drift detector', () => {
  it('stays quiet while scores keep their distribution (1,000 windows after the reference)', () => {
    const r = new Rng(41);
    const alerts = feed(
      createDetectionEngine(),
      Array.from({ length: 1100 }, (_, i) => withScores(r, i, () => 0.75)),
    );
    expect(alerts.filter((a) => a.detector === 'quality')).toEqual([]);
  });

  it('flags a distribution shift of one evaluator with PSI, naming the evaluator', () => {
    const r = new Rng(42);
    const alerts = feed(
      createDetectionEngine(),
      Array.from({ length: 400 }, (_, i) => withScores(r, i, (k) => (k < 300 ? 0.75 : 0.55))),
    ).filter((a) => a.detector === 'quality' && a.evidence.psi !== undefined);
    expect(alerts[0]).toMatchObject({ status: 'firing' });
    expect(alerts[0]!.window_start).toBeLessThan(normalWindow(r, 310).window_start);
    expect(alerts[0]!.summary).toMatch(
      /^The distribution of 'relevance' scores of .* has shifted from its reference \(PSI [\d.]+, mean 0\.\d+ vs 0\.7\d\)\.$/,
    );
    expect(Number(alerts[0]!.evidence.jensen_shannon_bits)).toBeGreaterThan(0);
  });

  it('catches a slow slide of the mean with CUSUM before PSI sees it', () => {
    const r = new Rng(43);
    // from window 200 the mean slides by 0.0005 per window: 0.05 after 100 windows
    const alerts = feed(
      createDetectionEngine(),
      Array.from({ length: 500 }, (_, i) => withScores(r, i, (k) => 0.75 - Math.max(0, k - 200) * 0.0005)),
    ).filter((a) => a.detector === 'quality' && a.status === 'firing');
    const cusum = alerts.find((a) => a.evidence.cusum !== undefined)!;
    expect(cusum).toBeDefined();
    expect(cusum.summary).toMatch(/^Mean 'relevance' score of .* has been sliding down/);
    const drift = alerts.find((a) => a.evidence.psi !== undefined);
    if (drift) expect(cusum.window_start).toBeLessThan(drift.window_start);
  });

  it('suppresses alerts while the reference is being built, and says so', () => {
    const r = new Rng(44);
    const engine = createDetectionEngine({ quality: { reference_windows: 60 } });
    const windows = Array.from({ length: 50 }, (_, i) => withScores(r, i, (k) => (k < 20 ? 0.75 : 0.3)));
    expect(feed(engine, windows).filter((a) => a.detector === 'quality')).toEqual([]);
    expect(engine.inspect(windows[0]!)!.quality.relevance).toEqual({
      reference: 'building',
      reference_windows: 49,
      reference_scores: 980,
    });
  });

  it('flags a jump of the negative-feedback rate', () => {
    const r = new Rng(45);
    const alerts = feed(
      createDetectionEngine(),
      Array.from({ length: 300 }, (_, i) => {
        const total = 30;
        const negative = binomial(r, total, i >= 250 && i < 260 ? 0.5 : 0.05);
        return normalWindow(r, i, {
          feedback_total: total,
          feedback_negative: negative,
          feedback_positive: total - negative,
        });
      }),
    ).filter((a) => a.detector === 'quality');
    expect(alerts.map((a) => a.status)).toEqual(['firing', 'resolved']);
    expect(alerts[0]!.summary).toMatch(
      /^Users of .* gave negative feedback on [\d.]+% of 30 answers, against a usual [\d.]+%\.$/,
    );
  });

  // The measurement behind the choice of PSI, its threshold and the noise floor (documented in quality.ts).
  it('PSI vs Jensen-Shannon: equal power at equal false-alarm rate; the noise floor keeps false alarms rare', () => {
    const r = new Rng(46);
    const draw = (n: number, mean: number) => scores(r, n, mean, 0.12).histogram;
    const trials = 600;
    const quantile = (v: number[], p: number) => [...v].sort((a, b) => a - b)[Math.floor(p * v.length)]!;
    for (const [nRef, nCur] of [
      [1200, 300],
      [1200, 100],
    ] as const) {
      const nullPsi: number[] = [];
      const nullJs: number[] = [];
      for (let t = 0; t < trials; t++) {
        const ref = draw(nRef, 0.75);
        const cur = draw(nCur, 0.75);
        nullPsi.push(psi(ref, cur));
        nullJs.push(jensenShannon(ref, cur));
      }
      const rule = psiThreshold(0.2, nRef, nCur);
      // false alarms of the rule under no change: none in 600 trials
      expect(nullPsi.filter((v) => v >= rule).length).toBe(0);
      // power at an equal (99th-percentile) false-alarm rate, for a 0.05 mean shift
      const tp = quantile(nullPsi, 0.99);
      const tj = quantile(nullJs, 0.99);
      let hitsPsi = 0;
      let hitsJs = 0;
      for (let t = 0; t < 300; t++) {
        const ref = draw(nRef, 0.75);
        const cur = draw(nCur, 0.7);
        if (psi(ref, cur) >= tp) hitsPsi++;
        if (jensenShannon(ref, cur) >= tj) hitsJs++;
      }
      expect(Math.abs(hitsPsi - hitsJs) / 300).toBeLessThan(0.1);
    }
    // and a 0.1 mean shift is caught by the rule with 300 recent scores
    let caught = 0;
    for (let t = 0; t < 200; t++)
      if (psi(draw(1200, 0.75), draw(300, 0.65)) >= psiThreshold(0.2, 1200, 300)) caught++;
    expect(caught / 200).toBeGreaterThan(0.95);
  });
});
