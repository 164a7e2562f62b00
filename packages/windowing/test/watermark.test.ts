import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_WATERMARK, WatermarkTracker } from '../src/index.js';

const options = { maxOutOfOrdernessMs: 5_000, idleTimeoutMs: 30_000 };

describe('WatermarkTracker', () => {
  it('has no watermark before the first record', () => {
    const tracker = new WatermarkTracker(options);
    expect(tracker.current()).toBe(NO_WATERMARK);
    expect(tracker.onIdleCheck(1_000_000)).toBe(NO_WATERMARK);
  });

  it('is the highest event time seen minus the out-of-orderness bound', () => {
    const tracker = new WatermarkTracker(options);
    expect(tracker.observe(100_000, 0)).toBe(95_000);
    expect(tracker.observe(98_000, 1)).toBe(95_000);
    expect(tracker.observe(112_000, 2)).toBe(107_000);
    expect(tracker.maxEventTimeMs()).toBe(112_000);
  });

  it('never goes back (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('record' as const), ts: fc.integer({ min: 0, max: 1e9 }) }),
            fc.record({ kind: fc.constant('idle' as const), wall: fc.integer({ min: 0, max: 1e6 }) }),
          ),
        ),
        (steps) => {
          const tracker = new WatermarkTracker(options);
          let wall = 0;
          let previous = tracker.current();
          for (const step of steps) {
            if (step.kind === 'record') tracker.observe(step.ts, wall);
            else {
              wall += step.wall;
              tracker.onIdleCheck(wall);
            }
            expect(tracker.current()).toBeGreaterThanOrEqual(previous);
            previous = tracker.current();
          }
        },
      ),
    );
  });

  it('advances an idle partition by the wall time elapsed since its last record', () => {
    const tracker = new WatermarkTracker(options);
    tracker.observe(100_000, 1_000_000);
    expect(tracker.onIdleCheck(1_029_999)).toBe(95_000); // not idle yet
    expect(tracker.isIdle(1_030_000)).toBe(true);
    expect(tracker.onIdleCheck(1_030_000)).toBe(125_000);
    expect(tracker.onIdleCheck(1_030_000)).toBe(125_000); // checks do not compound
    expect(tracker.onIdleCheck(1_090_000)).toBe(185_000);
  });

  it('keeps an idle advance when records resume behind it; a new record restarts the idle clock', () => {
    const tracker = new WatermarkTracker(options);
    tracker.observe(100_000, 0);
    tracker.onIdleCheck(60_000); // 95 000 + 60 000
    expect(tracker.current()).toBe(155_000);
    expect(tracker.observe(110_000, 61_000)).toBe(155_000);
    expect(tracker.isIdle(61_000 + 29_999)).toBe(false);
    expect(tracker.onIdleCheck(61_000 + 40_000)).toBe(195_000);
  });

  it('resumes from a given watermark', () => {
    const tracker = new WatermarkTracker(options, 500_000);
    expect(tracker.current()).toBe(500_000);
    expect(tracker.observe(400_000, 0)).toBe(500_000);
    expect(tracker.observe(510_000, 0)).toBe(505_000);
  });

  it('snapshots and restores', () => {
    const tracker = new WatermarkTracker(options);
    tracker.observe(100_000, 7);
    const copy = new WatermarkTracker(options);
    copy.restore(structuredClone(tracker.snapshot()));
    expect(copy.current()).toBe(95_000);
    expect(copy.onIdleCheck(30_007)).toBe(tracker.onIdleCheck(30_007));
  });

  it('refuses a negative bound or a non-positive idle timeout', () => {
    expect(() => new WatermarkTracker({ maxOutOfOrdernessMs: -1, idleTimeoutMs: 1 })).toThrow(RangeError);
    expect(() => new WatermarkTracker({ maxOutOfOrdernessMs: 0, idleTimeoutMs: 0 })).toThrow(RangeError);
  });
});

describe('WatermarkTracker with several sources', () => {
  const options = { maxOutOfOrdernessMs: 1000, idleTimeoutMs: 30_000 };

  it('is the minimum over sources, so a source drained ahead of the others does not close their windows', () => {
    const w = new WatermarkTracker(options);
    // Source 0 delivers ten minutes of backlog before source 1 is read.
    w.observe(600_000, 0, { id: '0', count: 2 });
    expect(w.current()).toBe(NO_WATERMARK);
    w.observe(5_000, 10, { id: '1', count: 2 });
    expect(w.current()).toBe(4_000);
    w.observe(700_000, 20, { id: '1', count: 2 });
    expect(w.current()).toBe(599_000);
  });

  it('stops waiting for a source that never speaks, after the idle timeout', () => {
    const w = new WatermarkTracker(options);
    w.observe(100_000, 0, { id: '0', count: 3 });
    w.observe(100_000, 1_000, { id: '1', count: 3 });
    expect(w.current()).toBe(NO_WATERMARK);
    w.observe(130_000, 31_000, { id: '0', count: 3 });
    // Source 1 is now idle too (30 s without records): only source 0 counts.
    expect(w.current()).toBe(129_000);
  });

  it('survives a snapshot with its sources', () => {
    const w = new WatermarkTracker(options);
    w.observe(50_000, 0, { id: '0', count: 2 });
    w.observe(40_000, 0, { id: '1', count: 2 });
    const copy = new WatermarkTracker(options);
    copy.restore(structuredClone(w.snapshot()));
    expect(copy.current()).toBe(39_000);
    expect(copy.observe(60_000, 1, { id: '1', count: 2 })).toBe(w.observe(60_000, 1, { id: '1', count: 2 }));
  });
});

describe('WatermarkTracker idle advance after a burst that waited for unseen sources', () => {
  it('closes the windows of a partition whose records all came while it waited', () => {
    const w = new WatermarkTracker({ maxOutOfOrdernessMs: 1000, idleTimeoutMs: 30_000 });
    w.observe(100_000, 0, { id: '0', count: 3 });
    w.observe(101_000, 10, { id: '0', count: 3 });
    expect(w.current()).toBe(NO_WATERMARK);
    // Nothing else ever arrives: after the idle timeout the watermark moves from what source 0 justified.
    expect(w.onIdleCheck(40_010)).toBeGreaterThanOrEqual(100_000);
  });
});

describe('WatermarkTracker wait for unseen sources (unseenTimeoutMs)', () => {
  it('stops waiting after unseenTimeoutMs while a seen source that goes quiet still holds for idleTimeoutMs', () => {
    const w = new WatermarkTracker({
      maxOutOfOrdernessMs: 1000,
      idleTimeoutMs: 600_000,
      unseenTimeoutMs: 30_000,
    });
    w.observe(100_000, 0, { id: '0', count: 3 });
    expect(w.observe(101_000, 29_000, { id: '0', count: 3 })).toBe(NO_WATERMARK);
    // Sources 1 and 2 never send to this partition: given up on at 30 s, not at the 10 min idle timeout.
    expect(w.observe(102_000, 31_000, { id: '0', count: 3 })).toBe(101_000);
    expect(w.gaveUpOnUnseen()).toBe(true);
    // A quiet partition is not advanced before its own (long) idle timeout.
    expect(w.onIdleCheck(300_000)).toBe(101_000);
  });
});
