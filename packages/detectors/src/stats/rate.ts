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
 *
 * Where the normal approximation would call the excess significant (z ≥ 2), the z is taken from the exact
 * binomial upper tail P(X ≥ hits) instead (the z with the same one-sided tail under a normal): on a sparse
 * series the normal approximation is far too bold — 1 error in 5 calls against a 1% baseline is z = 4.3 by
 * the approximation but happens 5% of the time (z = 1.65). Below a rate of one half (error, flag and
 * negative-feedback rates) the binomial is right-skewed and its normal z only overstates, so the cheap z < 2
 * screen hides no significant excess; the smaller of the two z is kept, so above one half nothing gets bolder.
 */
export function rateZ(s: RateState, hits: number, trials: number): number {
  if (trials <= 0) return 0;
  const p = Math.max(rateExpected(s), 0.5 / (s.trials + 1));
  const q = Math.min(p, 1 - 1e-9);
  const z = (hits - trials * q) / Math.sqrt(trials * q * (1 - q));
  if (z < 2) return z;
  const logTail = binomialLogUpperTail(Math.round(hits), Math.round(trials), q);
  return logTail === null ? z : Math.min(z, zOfLogTail(logTail));
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7): about 15 significant digits. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = LANCZOS[0]!;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * ln P(X ≥ k) for X ~ Binomial(n, p), k above the mean: the first term in log space, then the terms after
 * it by their ratio (they fall geometrically above the mean). Null when the sum does not settle within
 * 5000 terms (a huge n near the mean, where the normal approximation is good anyway).
 */
export function binomialLogUpperTail(k: number, n: number, p: number): number | null {
  if (k <= 0) return 0;
  if (k > n) return Number.NEGATIVE_INFINITY;
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return 0;
  const logFirst =
    logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);
  const odds = p / (1 - p);
  let sum = 1;
  let term = 1;
  for (let j = k; j < n; j++) {
    term *= ((n - j) / (j + 1)) * odds;
    sum += term;
    if (term < 1e-12 * sum) return logFirst + Math.log(sum);
    if (j - k > 5000) return null;
  }
  return logFirst + Math.log(sum);
}

/** The z whose one-sided normal upper tail has natural log `logTail` (capped at 38). */
export function zOfLogTail(logTail: number): number {
  if (logTail >= Math.log(0.5)) return 0;
  if (!Number.isFinite(logTail) || logTail < -720) return 38;
  // Acklam's inverse normal, lower region, on the tail probability: relative error < 1.2e-9.
  const q = Math.sqrt(-2 * logTail);
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const x =
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  const tail = Math.exp(logTail);
  if (tail > 0.02425) {
    // Central region of Acklam's approximation.
    const r0 = 0.5 - tail;
    const r = r0 * r0;
    const a = [
      -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
      -3.066479806614716e1, 2.506628277459239,
    ];
    const b = [
      -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
      -1.328068155288572e1,
    ];
    return (
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * r0) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
    );
  }
  return -x;
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
