/**
 * When late elements (within the allowed lateness) are re-emitted:
 * - 'coalesce' (default): a window that took late elements is re-emitted once, at the next advance
 *   of the partition's watermark, with every late element since its last emission in one revision.
 *   A burst of 1 000 late events for one window costs one corrected row, not 1 000. The delay is
 *   until the next record that moves the watermark (or the idle check, for a quiet partition).
 * - 'every': re-emit on each late element, immediately.
 * Both are deterministic functions of the records (and of idle advances), as restart safety needs.
 */
export type LateFiring = 'coalesce' | 'every';

/** 'fire_at_next_watermark': hold the window and ask again at the next watermark advance. */
export type TriggerResult = 'continue' | 'fire' | 'fire_at_next_watermark';

/**
 * The event-time trigger: fires a window (revision 0) when the watermark reaches its end, and again
 * (revision + 1) for late elements, per the `LateFiring` policy. Like Flink's triggers it decides and
 * holds no state: the operator tells it what it knows about the window.
 */
export class EventTimeTrigger {
  constructor(readonly lateFiring: LateFiring = 'coalesce') {}

  /** An element was just added to the window; `watermark` is the partition's current watermark. */
  onElement(windowEnd: number, watermark: number): TriggerResult {
    if (windowEnd > watermark) return 'continue';
    return this.lateFiring === 'every' ? 'fire' : 'fire_at_next_watermark';
  }

  /**
   * The watermark advanced. `emitted`: the window was emitted before (revision 0 is out);
   * `pendingLate`: it took late elements since its last emission.
   */
  onWatermark(windowEnd: number, watermark: number, emitted: boolean, pendingLate: boolean): TriggerResult {
    if (windowEnd > watermark) return 'continue';
    return !emitted || pendingLate ? 'fire' : 'continue';
  }
}
