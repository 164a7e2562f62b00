/**
 * The two-sample mixture sequential probability ratio test (mSPRT) of Johari, Pekelis and Walsh ("Always
 * valid inference", 2017) on a difference of means, with a normal mixture N(0, τ²) over the standardised
 * effect δ = (μ_new − μ_old) / σ. After n_new and n_old observations with means x̄_new, x̄_old and pooled
 * sd σ̂, the estimate d = (x̄_new − x̄_old) / σ̂ has variance v = 1/n_new + 1/n_old (in σ units) and
 *
 *   Λ = sqrt(v / (v + τ²)) · exp(τ² d² / (2 v (v + τ²)))
 *
 * is a martingale under δ = 0, so by Ville's inequality P(sup Λ ≥ 1/α) ≤ α: the always-valid p-value
 * p = min over time of 1/Λ may be watched after every window without inflating false alarms. Pure.
 */

/** Sufficient statistics of one sample: count, sum, sum of squares. */
export type Moments = [n: number, sum: number, sumSquares: number];

export function emptyMoments(): Moments {
  return [0, 0, 0];
}

export function addMoments(into: Moments, value: number): void {
  into[0] += 1;
  into[1] += value;
  into[2] += value * value;
}

export function mergeMoments(into: Moments, other: Readonly<Moments>): void {
  into[0] += other[0];
  into[1] += other[1];
  into[2] += other[2];
}

export function meanOf(m: Readonly<Moments>): number {
  return m[0] === 0 ? 0 : m[1] / m[0];
}

export interface MsprtResult {
  /** Standardised effect (new − old) / σ̂. */
  readonly effect: number;
  /** log Λ (0 when nothing can be said yet). */
  readonly logLikelihoodRatio: number;
  readonly meanNew: number;
  readonly meanOld: number;
}

/**
 * Λ for two samples. σ̂ is the sd of the two samples together (under δ = 0 it estimates the common sd; under
 * an effect it is larger, so the test is conservative). Identical values everywhere say nothing (Λ = 1).
 */
export function msprt(fresh: Readonly<Moments>, old: Readonly<Moments>, tau: number): MsprtResult {
  const meanNew = meanOf(fresh);
  const meanOld = meanOf(old);
  const n = fresh[0] + old[0];
  const none = { effect: 0, logLikelihoodRatio: 0, meanNew, meanOld };
  if (fresh[0] === 0 || old[0] === 0) return none;
  const mean = (fresh[1] + old[1]) / n;
  const variance = Math.max(0, (fresh[2] + old[2]) / n - mean * mean);
  if (!(variance > 1e-18)) return none;
  const effect = (meanNew - meanOld) / Math.sqrt(variance);
  const v = 1 / fresh[0] + 1 / old[0];
  const t2 = tau * tau;
  const logLikelihoodRatio = 0.5 * Math.log(v / (v + t2)) + (t2 * effect * effect) / (2 * v * (v + t2));
  return { effect, logLikelihoodRatio, meanNew, meanOld };
}
