import { describe, expect, it } from 'vitest';
import { ManualClock, ProgressClock } from '../src/index.js';

describe('ProgressClock', () => {
  it('runs with the wall clock while fetches keep completing', () => {
    const wall = new ManualClock(1_000);
    const clock = new ProgressClock(5_000, wall);
    for (let i = 0; i < 10; i++) {
      wall.advance(200);
      clock.progressed();
    }
    expect(clock.now()).toBe(3_000);
    expect(clock.stalledTotalMs()).toBe(0);
  });

  it('stands still from stallAfterMs after the last fetch until the next, and never goes back', () => {
    const wall = new ManualClock(0);
    const clock = new ProgressClock(5_000, wall);
    clock.progressed();
    wall.advance(4_000);
    expect(clock.now()).toBe(4_000);
    wall.advance(30_000); // the broker is down: no fetch completes
    expect(clock.now()).toBe(5_000);
    expect(clock.stalledTotalMs()).toBe(29_000);
    clock.progressed(); // back: the 29 s stall is left out for good
    expect(clock.now()).toBe(5_000);
    wall.advance(1_000);
    clock.progressed();
    expect(clock.now()).toBe(6_000);
    expect(clock.stalledTotalMs()).toBe(29_000);
  });

  it('counts a slow start (no fetch yet) as a stall too', () => {
    const wall = new ManualClock(100);
    const clock = new ProgressClock(1_000, wall);
    wall.advance(10_000);
    expect(clock.now()).toBe(1_100);
    clock.progressed();
    wall.advance(500);
    expect(clock.now()).toBe(1_600);
  });

  it('refuses a threshold that is not positive', () => {
    expect(() => new ProgressClock(0)).toThrow(/stallAfterMs/);
  });
});
