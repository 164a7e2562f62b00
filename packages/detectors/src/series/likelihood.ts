/**
 * An anomaly-likelihood layer over a dense raw anomaly score (after Numenta's, written anew): the average of
 * the last `average` raw scores is judged against a Gaussian fitted to the averages of the last `history`
 * points (running sums over a ring: bounded memory, one pass, no look-ahead); its upper tail probability Q
 * says how unusual the recent raw scores are for this stream, whatever the raw score's own scale. Q is 1
 * (nothing unusual) until `learning` averages are in. `logTail(Q)` puts it on a [0, 1] log scale
 * (−log10 Q / 10: 0.5 is a one-in-10⁵ tail), the scale the views are fused on.
 */
export interface LikelihoodOptions {
  /** Raw scores averaged into one value (Numenta: 10). */
  readonly average: number;
  /** Averages the Gaussian is fitted to (a ring). */
  readonly history: number;
  /** Averages needed before Q may fall below 1. */
  readonly learning: number;
  /** Floor of the fitted σ, relative to the fitted mean (plus an absolute 1e-6). */
  readonly minRelSigma: number;
}

export const DEFAULT_LIKELIHOOD_OPTIONS: LikelihoodOptions = Object.freeze({
  average: 10,
  history: 2000,
  learning: 300,
  minRelSigma: 0.05,
});

export interface LikelihoodState {
  short: number[];
  shortSum: number;
  shortN: number;
  ring: number[];
  ringSum: number;
  ringSumSq: number;
  n: number;
}

export function likelihoodInit(o: LikelihoodOptions): LikelihoodState {
  return {
    short: new Array<number>(o.average).fill(0),
    shortSum: 0,
    shortN: 0,
    ring: new Array<number>(o.history).fill(0),
    ringSum: 0,
    ringSumSq: 0,
    n: 0,
  };
}

/** Feeds one raw score; returns the upper tail probability of the recent average (1 while learning). */
export function likelihoodStep(s: LikelihoodState, o: LikelihoodOptions, raw: number): number {
  const slot = s.shortN % o.average;
  if (s.shortN >= o.average) s.shortSum -= s.short[slot] as number;
  s.short[slot] = raw;
  s.shortSum += raw;
  s.shortN++;
  const avg = s.shortSum / Math.min(s.shortN, o.average);
  const held = Math.min(s.n, o.history);
  let q = 1;
  if (held >= o.learning) {
    const mean = s.ringSum / held;
    const variance = Math.max(0, s.ringSumSq / held - mean * mean);
    const sigma = Math.max(Math.sqrt(variance), o.minRelSigma * Math.abs(mean), 1e-6);
    q = normalUpperTail((avg - mean) / sigma);
  }
  const at = s.n % o.history;
  if (s.n >= o.history) {
    const old = s.ring[at] as number;
    s.ringSum -= old;
    s.ringSumSq -= old * old;
  }
  s.ring[at] = avg;
  s.ringSum += avg;
  s.ringSumSq += avg * avg;
  s.n++;
  return q;
}

/** −log10(Q)/10, in [0, 1]. */
export function logTail(q: number): number {
  return q >= 1 ? 0 : Math.min(1, -Math.log10(Math.max(q, 1e-10)) / 10);
}

/** P(Z > z) for a standard normal (Abramowitz–Stegun 7.1.26 on erfc; absolute error < 1.5e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
    Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}
