/**
 * Distribution shift between two histograms over the same bins.
 *
 * PSI = Σ (q_i − p_i) · ln(q_i / p_i), the population stability index; customary reading: < 0.1 stable,
 * 0.1–0.25 moderate shift, > 0.25 major shift. JS = Jensen-Shannon divergence in bits, in [0, 1].
 * Both smooth empty bins with half a count (Jeffreys prior) so that they stay finite. Under no change,
 * PSI between samples of sizes n and m is about (bins − 1)(1/n + 1/m) (a χ² with bins − 1 degrees of
 * freedom, scaled), which is why the detectors demand a minimum number of scores on both sides.
 */
const HALF = 0.5;

export function psi(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const bins = reference.length;
  const rt = total(reference) + HALF * bins;
  const ct = total(current) + HALF * bins;
  let sum = 0;
  for (let i = 0; i < bins; i++) {
    const p = ((reference[i] as number) + HALF) / rt;
    const q = ((current[i] as number) + HALF) / ct;
    sum += (q - p) * Math.log(q / p);
  }
  return sum;
}

export function jensenShannon(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const bins = reference.length;
  const rt = total(reference) + HALF * bins;
  const ct = total(current) + HALF * bins;
  let sum = 0;
  for (let i = 0; i < bins; i++) {
    const p = ((reference[i] as number) + HALF) / rt;
    const q = ((current[i] as number) + HALF) / ct;
    const m = (p + q) / 2;
    sum += 0.5 * p * Math.log2(p / m) + 0.5 * q * Math.log2(q / m);
  }
  return Math.max(0, sum);
}

function total(h: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < h.length; i++) s += h[i] as number;
  return s;
}
