import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tumblingWindows } from '../src/index.js';

describe('tumblingWindows', () => {
  it('assigns an event to one epoch-aligned window [start, end) per size, smallest first', () => {
    const assigner = tumblingWindows([300_000, 60_000]);
    expect(assigner.sizesMs).toEqual([60_000, 300_000]);
    expect(assigner.assign(125_000)).toEqual([
      { start: 120_000, end: 180_000 },
      { start: 0, end: 300_000 },
    ]);
  });

  it('puts a timestamp on a boundary in the window it starts, not the one it ends', () => {
    expect(tumblingWindows([60_000]).assign(60_000)).toEqual([{ start: 60_000, end: 120_000 }]);
    expect(tumblingWindows([60_000]).assign(59_999)).toEqual([{ start: 0, end: 60_000 }]);
    expect(tumblingWindows([60_000]).assign(0)).toEqual([{ start: 0, end: 60_000 }]);
  });

  it('contains the timestamp, with the right size and alignment (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 3_600_000 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        (sizes, timestamp) => {
          const windows = tumblingWindows(sizes).assign(timestamp);
          const sorted = [...sizes].sort((a, b) => a - b);
          expect(windows).toHaveLength(sizes.length);
          windows.forEach((window, i) => {
            expect(window.end - window.start).toBe(sorted[i]);
            expect(window.start % sorted[i]!).toBe(0);
            expect(window.start).toBeLessThanOrEqual(timestamp);
            expect(timestamp).toBeLessThan(window.end);
          });
        },
      ),
    );
  });

  it('nests 1-minute windows in 5-minute windows', () => {
    const assigner = tumblingWindows([60_000, 300_000]);
    for (let t = 0; t < 900_000; t += 7_000) {
      const [minute, five] = assigner.assign(t);
      expect(minute!.start).toBeGreaterThanOrEqual(five!.start);
      expect(minute!.end).toBeLessThanOrEqual(five!.end);
    }
  });

  it('refuses empty, non-positive, fractional and duplicate sizes', () => {
    expect(() => tumblingWindows([])).toThrow(RangeError);
    expect(() => tumblingWindows([0])).toThrow(RangeError);
    expect(() => tumblingWindows([-60_000])).toThrow(RangeError);
    expect(() => tumblingWindows([1.5])).toThrow(RangeError);
    expect(() => tumblingWindows([60_000, 60_000])).toThrow(RangeError);
  });
});
