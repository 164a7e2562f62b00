import { describe, expect, it } from 'vitest';
import { classify, isExpired } from '../src/index.js';

describe('classify', () => {
  const end = 60_000;
  const lateness = 30_000;

  it('is on time while the watermark is before the window end', () => {
    expect(classify(end, 59_999, lateness)).toBe('on_time');
    expect(classify(end, Number.MIN_SAFE_INTEGER, lateness)).toBe('on_time');
  });

  it('is late within lateness from the window end until end + allowed lateness', () => {
    expect(classify(end, 60_000, lateness)).toBe('late_within_lateness');
    expect(classify(end, 89_999, lateness)).toBe('late_within_lateness');
  });

  it('is too late once window end + allowed lateness <= watermark', () => {
    expect(classify(end, 90_000, lateness)).toBe('too_late');
    expect(classify(end, 1e12, lateness)).toBe('too_late');
  });

  it('with no allowed lateness, a closed window is too late at once', () => {
    expect(classify(end, 60_000, 0)).toBe('too_late');
  });

  it('expires exactly when elements become too late', () => {
    for (const watermark of [59_999, 60_000, 89_999, 90_000, 90_001]) {
      expect(isExpired(end, watermark, lateness)).toBe(classify(end, watermark, lateness) === 'too_late');
    }
  });
});
