const DAY = 86_400_000;
const HOUR = 3_600_000;

/**
 * 08:00 UTC of the latest day on which a run of `durationMs` from then has already ended: a start time in
 * the past (no event in the wall clock's future) that gives the same traffic every run of the day.
 */
export function pastMorningStart(durationMs: number, nowMs = Date.now()): number {
  let startMs = Math.floor(nowMs / DAY) * DAY + 8 * HOUR;
  while (startMs + durationMs > nowMs) startMs -= DAY;
  return startMs;
}
