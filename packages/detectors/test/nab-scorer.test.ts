import { describe, expect, it } from 'vitest';
import {
  NAB_MAX_TP,
  NAB_PROFILES,
  nabFileScore,
  nabProbationPeriod,
  nabRowScores,
  nabScaledSigmoid,
  nabSweep,
  nabWindowRows,
  parseTimestamp,
} from '../src/index.js';

// Test vectors of shared/nab/SCORING.md §11 (window width w = 217).
describe('NAB row scores (SCORING.md §11)', () => {
  const w = 217;
  const l = 1000;
  const r = l + w - 1;
  const { weights, windowOf } = nabRowScores(r + 700, [[l, r]], NAB_PROFILES.standard);

  it('in-window s/A_TP for r−i+1 = 217, 163, 109, 55, 1', () => {
    const expected: [number, number][] = [
      [217, 1.0],
      [163, 0.96725],
      [109, 0.86142],
      [55, 0.56816],
      [1, 0.011677],
    ];
    for (const [fromEnd, s] of expected) {
      const i = r - fromEnd + 1;
      expect(windowOf[i]).toBe(0);
      expect(weights[i]).toBeCloseTo(s, 5);
    }
  });

  it('after-window f(y) for d = 1, 54, 108, 216, 432, 648, 649 (times A_FP)', () => {
    const expected: [number, number][] = [
      [1, -0.011574],
      [54, -0.5546],
      [108, -0.84828],
      [216, -0.98661],
      [432, -0.99991],
      [648, -0.9999994],
      [649, -1.0], // y > 3: exactly −1
    ];
    for (const [d, f] of expected) {
      expect(nabScaledSigmoid(d / (w - 1))).toBeCloseTo(f, 5);
      expect(windowOf[r + d]).toBe(-1);
      expect(weights[r + d]! / NAB_PROFILES.standard.fp).toBeCloseTo(f, 5);
    }
  });

  it('rows before the first window cost the full A_FP; maxTP is tanh(2.5)', () => {
    expect(weights[0]).toBe(-0.11);
    expect(weights[l - 1]).toBe(-0.11);
    expect(NAB_MAX_TP).toBeCloseTo(0.98661429815143, 12);
  });
});

describe('NAB probation and timestamps', () => {
  it('probation is min(floor(0.15 n), 750)', () => {
    expect(nabProbationPeriod(1126)).toBe(168);
    expect(nabProbationPeriod(4032)).toBe(604);
    expect(nabProbationPeriod(5000)).toBe(750);
    expect(nabProbationPeriod(22695)).toBe(750);
  });

  it('parses label timestamps (with micro-seconds) and maps windows onto rows', () => {
    expect(parseTimestamp('2014-04-10 07:15:00.000000')).toBe(Date.UTC(2014, 3, 10, 7, 15, 0));
    const ts = [0, 1, 2, 3].map((m) => Date.UTC(2014, 3, 10, 7, 15 + 5 * m));
    expect(nabWindowRows(ts, [['2014-04-10 07:20:00.000000', '2014-04-10 07:25:00.000000']])).toEqual([
      [1, 2],
    ]);
    expect(() => nabWindowRows(ts, [['2014-04-10 07:21:00', '2014-04-10 07:25:00']])).toThrow(
      /does not match/,
    );
  });
});

describe('NAB file score and corpus sweep', () => {
  // 1000 rows: probation 150; one window [400, 499] (w = 100).
  const n = 1000;
  const windows = [[400, 499]] as const;

  it('counts only the earliest detection in a window, every FP outside, and a missed window once', () => {
    const scores = new Float64Array(n);
    scores[100] = 1; // probationary: ignored
    scores[300] = 1; // FP before the window: −A_FP
    scores[450] = 1; // TP
    scores[460] = 1; // later TP in the same window: nothing
    scores[550] = 1; // FP after the window: A_FP·f((550−499)/99)
    const res = nabFileScore({ name: 'f', scores, windows }, NAB_PROFILES.standard, 0.5);
    const tp = Math.tanh((2.5 * (499 - 450 + 1)) / 100) / Math.tanh(2.5);
    const fp = -0.11 + 0.11 * nabScaledSigmoid(51 / 99);
    expect(res.score).toBeCloseTo(tp + fp, 12);
    expect([res.truePositives, res.falseNegatives, res.falsePositives]).toEqual([1, 0, 2]);
    const missed = nabFileScore(
      { name: 'f', scores: new Float64Array(n), windows },
      NAB_PROFILES.reward_low_FN_rate,
      0.5,
    );
    expect(missed.score).toBe(-2);
  });

  it('the null detector (constant 0.5) scores 0 and a perfect one 100, in every profile', () => {
    const files = [
      { name: 'a', scores: new Float64Array(n).fill(0.5), windows },
      { name: 'b', scores: new Float64Array(n).fill(0.5), windows: [] },
    ];
    const perfect = files.map((f) => {
      const scores = new Float64Array(n);
      for (const [l] of f.windows) scores[l] = 1;
      return { ...f, scores };
    });
    for (const profile of ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const) {
      const nul = nabSweep(files, profile);
      expect(nul.threshold).toBe(1.1);
      expect(nul.normalized).toBe(0);
      const best = nabSweep(perfect, profile);
      expect(best.normalized).toBeCloseTo(100, 10);
      expect(best.threshold).toBe(1);
    }
  });

  it('sweeps every distinct score and keeps the higher threshold on a tie', () => {
    const scores = new Float64Array(n);
    scores[420] = 0.9; // a TP
    scores[200] = 0.7; // an FP
    scores[421] = 0.6; // no gain (same window, later)
    const res = nabSweep([{ name: 'f', scores, windows }], 'standard');
    // θ = 0.9 gives the TP alone; 0.6 (tie with 0.9, no extra detection value) must not win
    expect(res.threshold).toBe(0.9);
    const tp = Math.tanh((2.5 * (499 - 420 + 1)) / 100) / Math.tanh(2.5);
    expect(res.rawScore).toBeCloseTo(tp, 12);
    expect(res.normalized).toBeCloseTo((100 * (tp + 1)) / 2, 10);
  });

  it('normalises as NAB does: ARTime raw 57.660752 over 116 windows is 74.854', () => {
    // 116 windows, S_null = −116, S_perfect = 116
    expect((100 * (57.660752 + 116)) / 232).toBeCloseTo(74.854, 3);
  });

  it('refuses anomaly scores outside [0, 1]', () => {
    const scores = new Float64Array(n);
    scores[500] = 1.5;
    expect(() => nabSweep([{ name: 'bad', scores, windows }], 'standard')).toThrow(/not in \[0, 1\]/);
  });
});
