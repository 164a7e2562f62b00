import { describe, expect, it } from 'vitest';
import { ChangelogClock, CLOCK_KEY, NO_WATERMARK } from '../src/index.js';

describe('ChangelogClock', () => {
  const options = { maxOutOfOrdernessMs: 1_000, idleTimeoutMs: 30_000 };

  it('says when its changelog record is due: the watermark moved, or a record moved its sources', () => {
    const clock = new ChangelogClock(options);
    expect(clock.advance()).toEqual({ watermarkMs: NO_WATERMARK, moved: true, changed: true });
    expect(clock.advance()).toEqual({ watermarkMs: NO_WATERMARK, moved: false, changed: false });
    clock.observe(10_000, 0, { id: '0', count: 1 });
    expect(clock.advance()).toEqual({ watermarkMs: 9_000, moved: true, changed: true });
    clock.observe(9_500, 1, { id: '0', count: 1 }); // behind the front: same watermark, still a record
    expect(clock.advance()).toEqual({ watermarkMs: 9_000, moved: false, changed: true });
    expect(clock.advance().changed).toBe(false);
  });

  it('marks its changelog key dirty for a monitor exactly when its record is due', () => {
    const clock = new ChangelogClock(options);
    const dirty = new Set<string>();
    expect(clock.advanceMarkingDirty(dirty)).toEqual({
      watermarkMs: NO_WATERMARK,
      moved: true,
      changed: true,
    });
    expect([...dirty]).toEqual([CLOCK_KEY]);
    dirty.clear();
    expect(clock.advanceMarkingDirty(dirty).changed).toBe(false);
    expect(dirty.size).toBe(0);
    clock.observe(10_000, 0, { id: '0', count: 1 });
    expect(clock.advanceMarkingDirty(dirty).watermarkMs).toBe(9_000);
    expect([...dirty]).toEqual([CLOCK_KEY]);
  });

  it('does not count the downtime before a restart as idle time', () => {
    // Found by the agent monitor's restart test: the restored clock kept the previous process's wall
    // time of its last record, and its first idle check moved the watermark by the whole downtime.
    const clock = new ChangelogClock(options);
    clock.observe(10_000, 1_000, { id: '0', count: 1 });
    clock.advance();
    const restored = new ChangelogClock(options);
    restored.restore(JSON.parse(JSON.stringify(clock.state())));
    restored.onIdleCheck(100_000); // 99 s after that record, in the new process's first check
    expect(restored.current()).toBe(9_000);
    // Idle again only after idleTimeoutMs without a record in this run.
    restored.observe(11_000, 200_000, { id: '0', count: 1 });
    restored.onIdleCheck(229_000);
    expect(restored.current()).toBe(10_000);
    restored.onIdleCheck(240_000);
    expect(restored.current()).toBe(50_000);
  });

  it('restores from its own record with the same watermark and sources, and nothing due', () => {
    const clock = new ChangelogClock(options);
    clock.observe(10_000, 0, { id: '0', count: 2 });
    clock.observe(20_000, 0, { id: '1', count: 2 });
    clock.advance();
    const restored = new ChangelogClock(options);
    restored.restore(structuredClone(clock.state()));
    expect(restored.current()).toBe(clock.current());
    expect(restored.advance()).toEqual({ watermarkMs: 9_000, moved: false, changed: false });
    restored.observe(30_000, 5, { id: '0', count: 2 });
    clock.observe(30_000, 5, { id: '0', count: 2 });
    expect(restored.current()).toBe(clock.current());
    expect(restored.current()).toBe(19_000);
  });
});
