/**
 * Where an element stands against its window, given the watermark (Flink's allowed lateness):
 * - on_time: the window has not closed (end > watermark);
 * - late_within_lateness: the window closed but is still kept (end ≤ watermark < end + allowed
 *   lateness): the element is added and the window re-emitted with a higher revision;
 * - too_late: the window is gone (end + allowed lateness ≤ watermark): the element is forwarded as a
 *   late correction of its own (or, when older than the maximum correction age, to the late side
 *   output), counted, never silently dropped.
 */
export type Lateness = 'on_time' | 'late_within_lateness' | 'too_late';

export function classify(windowEnd: number, watermark: number, allowedLatenessMs: number): Lateness {
  if (windowEnd > watermark) return 'on_time';
  if (windowEnd + allowedLatenessMs <= watermark) return 'too_late';
  return 'late_within_lateness';
}

/** A window whose end + allowed lateness the watermark reached can take no more elements: evict it. */
export function isExpired(windowEnd: number, watermark: number, allowedLatenessMs: number): boolean {
  return windowEnd + allowedLatenessMs <= watermark;
}
