import type { WindowAggregate } from '@aiops/contract';
import { Rng } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { createDetectionEngine } from '../src/index.js';
import { feed, normalWindow, scores } from './helpers.js';

function withScores(r: Rng, i: number, mean: number, n: number): WindowAggregate {
  const agg = scores(r, n, mean, 0.12);
  return normalWindow(r, i, { quality: { faithfulness: agg }, quality_mean: agg.sum / agg.count });
}

describe('quality alerts after the scores recover', () => {
  it('resolves a deep slide soon after the scores come back, without flapping', () => {
    const r = new Rng(61);
    // reference 0.85; from window 200 to 260 the mean slides to 0.5, then it is back at 0.85
    const mean = (i: number) => (i < 200 || i >= 260 ? 0.85 : 0.85 - ((i - 200) / 60) * 0.35);
    const alerts = feed(
      createDetectionEngine(),
      Array.from({ length: 360 }, (_, i) => withScores(r, i, mean(i), 6)),
    ).filter((a) => a.detector === 'quality');
    const ids = new Set(alerts.map((a) => a.alert_id));
    expect(alerts.some((a) => a.status === 'firing')).toBe(true);
    // every alert raised by the slide is resolved, within 20 windows of the recovery, and none comes back
    for (const id of ids) {
      const states = alerts.filter((a) => a.alert_id === id).map((a) => a.status);
      expect(states.at(-1)).toBe('resolved');
    }
    const lastResolved = Math.max(...alerts.filter((a) => a.status === 'resolved').map((a) => a.notified_at));
    expect(lastResolved).toBeLessThan(normalWindow(r, 280).window_end);
    expect(
      alerts.filter((a) => a.status === 'firing' && a.window_start >= normalWindow(r, 260).window_start),
    ).toEqual([]);
  });

  it('lets a few recent scores clear a distribution shift, but never raise one', () => {
    const r = new Rng(62);
    // 30 scores a window build the reference; a shift with 30 a window fires (PSI), then the series thins
    // out to 3 scores a window (under min_scores recent scores) with normal scores again
    const windows = Array.from({ length: 340 }, (_, i) =>
      withScores(r, i, i >= 200 && i < 240 ? 0.5 : 0.85, i < 240 ? 30 : 3),
    );
    const drift = feed(createDetectionEngine(), windows).filter(
      (a) => a.detector === 'quality' && a.evidence.psi !== undefined,
    );
    expect(drift[0]).toMatchObject({ status: 'firing' });
    expect(drift.at(-1)).toMatchObject({ status: 'resolved', evidence: { resolution: 'recovered' } });
  });
});
