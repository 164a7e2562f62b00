import { makeRecord } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHILD, MockProcessorContext } from '../src/index.js';

describe('MockProcessorContext', () => {
  it('captures forwarded records per child name, in order', () => {
    const context = new MockProcessorContext<string, number>();
    context.forward(makeRecord('a', 1, 10));
    context.forward(makeRecord('b', 2, 20), 'late');
    context.forward(makeRecord('c', 3, 30));
    expect(context.valuesTo()).toEqual([1, 3]);
    expect(context.valuesTo('late')).toEqual([2]);
    expect(context.forwarded().map((c) => c.childName)).toEqual([DEFAULT_CHILD, 'late', DEFAULT_CHILD]);
    context.resetForwarded();
    expect(context.forwarded()).toEqual([]);
  });

  it('returns the record metadata and clocks the test sets', () => {
    const context = new MockProcessorContext<string, number>({ wallTimeMs: 5, streamTimeMs: 7 });
    expect(context.recordMetadata()).toBeNull();
    context.setRecordMetadata({ topic: 't', partition: 2, offset: 41 });
    expect(context.recordMetadata()).toEqual({ topic: 't', partition: 2, offset: 41 });
    expect(context.currentSystemTimeMs()).toBe(5);
    expect(context.currentStreamTimeMs()).toBe(7);
    expect(() => context.setWallTimeMs(4)).toThrow(RangeError);
  });

  it('runs wall-clock punctuators for every due time as the wall clock moves, in time order', () => {
    const context = new MockProcessorContext<string, number>({ wallTimeMs: 1_000 });
    const calls: string[] = [];
    context.schedule(1_000, 'wall-clock-time', (t) => calls.push(`a@${t}/${context.currentSystemTimeMs()}`));
    context.schedule(1_500, 'wall-clock-time', (t) => calls.push(`b@${t}`));
    context.schedule(1_000, 'stream-time', (t) => calls.push(`s@${t}`));
    context.advanceWallTimeMs(2_999);
    expect(calls).toEqual(['a@2000/2000', 'b@2500', 'a@3000/3000']);
    expect(context.currentSystemTimeMs()).toBe(3_999);
    context.setStreamTimeMs(1_000);
    expect(calls.at(-1)).toBe('s@1000');
  });

  it('stops calling a cancelled punctuator', () => {
    const context = new MockProcessorContext<string, number>();
    let calls = 0;
    const handle = context.schedule(10, 'wall-clock-time', () => {
      calls += 1;
    });
    context.advanceWallTimeMs(25);
    handle.cancel();
    context.advanceWallTimeMs(100);
    expect(calls).toBe(2);
    expect(context.scheduledPunctuators()[0]!.cancelled).toBe(true);
  });
});
