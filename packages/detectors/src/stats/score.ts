/**
 * Maps a standardised excess onto an anomaly score in [0, 1]: 0 at or below 0, ½ at the threshold,
 * ¾ at twice the threshold, approaching 1 beyond. Monotone, so thresholds on scores and on z agree.
 */
export function excessScore(value: number, threshold: number): number {
  if (!(value > 0) || !(threshold > 0)) return 0;
  return 1 - 2 ** (-value / threshold);
}

/** Rounds for human-readable evidence. */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  return Number(value.toPrecision(digits)).toString();
}
