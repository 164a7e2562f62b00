/**
 * A binomial rate baseline (errors per event, flags per event, negative feedback per feedback):
 * exponentially decayed sums of hits and trials, so the expected rate weighs busy windows more than
 * quiet ones. A window is scored by its binomial z against the expected rate. Once warm, learned hits
 * are capped at the expectation + `clip` standard deviations, so an incident does not poison the baseline.
 */
export interface RateParams {
  /** Per-window decay of the sums: 1 − 2^(−1/half-life). */
  readonly alpha: number;
  readonly clip: number;
  readonly robustAfter: number;
}

export interface RateState {
  windows: number;
  hits: number;
  trials: number;
}

export function rateInit(): RateState {
  return { windows: 0, hits: 0, trials: 0 };
}

/** Expected rate (0 when nothing has been learned). */
export function rateExpected(s: RateState): number {
  return s.trials > 0 ? s.hits / s.trials : 0;
}

/**
 * Binomial z of `hits` out of `trials` against the baseline. The expected rate is floored at
 * 0.5 / (learned trials + 1), so a rate that has always been 0 still has a finite, honest z.
 */
export function rateZ(s: RateState, hits: number, trials: number): number {
  if (trials <= 0) return 0;
  const p = Math.max(rateExpected(s), 0.5 / (s.trials + 1));
  const q = Math.min(p, 1 - 1e-9);
  return (hits - trials * q) / Math.sqrt(trials * q * (1 - q));
}

export function rateLearn(s: RateState, p: RateParams, hits: number, trials: number): void {
  if (!(trials > 0)) return;
  let h = Math.min(hits, trials);
  if (s.windows >= p.robustAfter) {
    const q = rateExpected(s);
    const cap = trials * q + p.clip * Math.sqrt(trials * q * (1 - q)) + 1;
    if (h > cap) h = cap;
  }
  const keep = s.windows === 0 ? 0 : 1 - p.alpha;
  s.hits = s.hits * keep + h;
  s.trials = s.trials * keep + trials;
  s.windows++;
}
