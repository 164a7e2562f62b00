/**
 * The event_ids seen most recently, bounded by count. A Map keeps insertion order, so the oldest id is
 * always the first key: eviction is O(1) and there is no timer.
 */
export class RecentIds {
  private readonly ids = new Map<string, true>();
  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
  }

  /** True when `id` was seen already (a duplicate); otherwise remembers it. */
  seen(id: string): boolean {
    if (this.ids.has(id)) return true;
    this.ids.set(id, true);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.keys().next().value as string;
      this.ids.delete(oldest);
    }
    return false;
  }

  get size(): number {
    return this.ids.size;
  }
}
