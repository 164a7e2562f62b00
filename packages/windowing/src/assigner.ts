/** An event-time window [start, end): `start` included, `end` excluded, epoch milliseconds. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** Pure time math: which windows an event time belongs to. */
export interface WindowAssigner {
  /** Window sizes, ascending. */
  readonly sizesMs: readonly number[];
  /** The windows containing `timestampMs`, one per size, smallest size first. */
  assign(timestampMs: number): TimeWindow[];
}

/**
 * Tumbling (fixed, non-overlapping) windows of each given size, aligned to the Unix epoch: a window of
 * size s starts at a multiple of s. With sizes 1 min and 5 min an event belongs to exactly one window
 * of each size, and every 5-minute window is the union of five 1-minute windows.
 */
export function tumblingWindows(sizesMs: readonly number[]): WindowAssigner {
  if (sizesMs.length === 0) throw new RangeError('at least one window size is needed');
  for (const size of sizesMs) {
    if (!Number.isSafeInteger(size) || size <= 0) {
      throw new RangeError(`window sizes must be positive integer milliseconds; got ${size}`);
    }
  }
  const sizes = [...new Set(sizesMs)].sort((a, b) => a - b);
  if (sizes.length !== sizesMs.length)
    throw new RangeError(`window sizes must be distinct; got ${sizesMs.join(', ')}`);
  return {
    sizesMs: sizes,
    assign(timestampMs: number): TimeWindow[] {
      const windows: TimeWindow[] = new Array(sizes.length);
      for (let i = 0; i < sizes.length; i++) {
        const size = sizes[i]!;
        const start = timestampMs - (((timestampMs % size) + size) % size);
        windows[i] = { start, end: start + size };
      }
      return windows;
    },
  };
}
