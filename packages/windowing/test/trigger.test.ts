import { describe, expect, it } from 'vitest';
import { EventTimeTrigger } from '../src/index.js';

describe('EventTimeTrigger', () => {
  it('waits while the watermark is before the window end', () => {
    const trigger = new EventTimeTrigger();
    expect(trigger.onElement(60_000, 59_999)).toBe('continue');
    expect(trigger.onWatermark(60_000, 59_999, false, false)).toBe('continue');
  });

  it('fires revision 0 when the watermark reaches the window end, and only once', () => {
    const trigger = new EventTimeTrigger();
    expect(trigger.onWatermark(60_000, 60_000, false, false)).toBe('fire');
    expect(trigger.onWatermark(60_000, 70_000, true, false)).toBe('continue');
  });

  it('coalesces late elements into one emission at the next watermark advance (default)', () => {
    const trigger = new EventTimeTrigger();
    expect(trigger.lateFiring).toBe('coalesce');
    expect(trigger.onElement(60_000, 65_000)).toBe('fire_at_next_watermark');
    expect(trigger.onWatermark(60_000, 66_000, true, true)).toBe('fire');
  });

  it("fires on every late element in 'every' mode", () => {
    const trigger = new EventTimeTrigger('every');
    expect(trigger.onElement(60_000, 65_000)).toBe('fire');
    expect(trigger.onElement(60_000, 10_000)).toBe('continue');
  });
});
