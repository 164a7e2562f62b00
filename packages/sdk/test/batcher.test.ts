import { afterEach, describe, expect, it, vi } from 'vitest';
import { Batcher } from '../src/batcher.js';

/** A send that records every batch it was given; it can be told to fail the next calls. */
function recordingSend() {
  const batches: number[][] = [];
  let failures = 0;
  return {
    batches,
    failNext(n: number) {
      failures = n;
    },
    send: async (batch: readonly number[]) => {
      if (failures > 0) {
        failures--;
        throw new Error('broker away');
      }
      batches.push([...batch]);
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Batcher', () => {
  it('sends a full batch at once, and a partial one after the linger time', async () => {
    vi.useFakeTimers();
    const t = recordingSend();
    const batcher = new Batcher({ send: t.send, lingerMs: 100, maxBatch: 3, maxBuffered: 10 });
    for (const n of [1, 2, 3, 4]) batcher.push(n);
    await vi.advanceTimersByTimeAsync(0);
    expect(t.batches).toEqual([[1, 2, 3]]);
    await vi.advanceTimersByTimeAsync(99);
    expect(t.batches).toEqual([[1, 2, 3]]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.batches).toEqual([[1, 2, 3], [4]]);
    expect(batcher.stats()).toEqual({ accepted: 4, sent: 4, dropped: 0, failedSends: 0, buffered: 0 });
  });

  it('refuses (false) and counts items beyond maxBuffered instead of blocking', () => {
    const t = recordingSend();
    const batcher = new Batcher({ send: t.send, lingerMs: 60_000, maxBatch: 10, maxBuffered: 10 });
    const accepted = Array.from({ length: 12 }, (_, i) => batcher.push(i));
    expect(accepted.filter(Boolean)).toHaveLength(10);
    expect(accepted.slice(10)).toEqual([false, false]);
    expect(batcher.stats().dropped).toBe(2);
    batcher.stop();
  });

  it('keeps a failed batch, retries it in order after a backoff, and reports the failure', async () => {
    vi.useFakeTimers();
    const t = recordingSend();
    const errors: unknown[] = [];
    const batcher = new Batcher({
      send: t.send,
      lingerMs: 10,
      maxBatch: 2,
      maxBuffered: 10,
      retryInitialMs: 50,
      onError: (e) => errors.push(e),
    });
    t.failNext(2);
    batcher.push(1);
    batcher.push(2);
    batcher.push(3);
    await vi.advanceTimersByTimeAsync(0); // first attempt fails
    await vi.advanceTimersByTimeAsync(50); // second fails
    await vi.advanceTimersByTimeAsync(100); // third succeeds, then the rest after linger
    await vi.advanceTimersByTimeAsync(10);
    expect(t.batches).toEqual([[1, 2], [3]]);
    expect(errors).toHaveLength(2);
    expect(batcher.stats()).toMatchObject({ sent: 3, failedSends: 2, buffered: 0 });
  });

  it('flush() resolves when everything pushed before it is sent', async () => {
    const t = recordingSend();
    const batcher = new Batcher({ send: t.send, lingerMs: 60_000, maxBatch: 2, maxBuffered: 100 });
    for (let i = 0; i < 5; i++) batcher.push(i);
    await batcher.flush(1_000);
    expect(t.batches.flat()).toEqual([0, 1, 2, 3, 4]);
    await batcher.flush(1_000); // nothing left: resolves at once
  });

  it('flush() rejects after its timeout with the last send error, keeping the items', async () => {
    const t = recordingSend();
    t.failNext(1_000);
    const batcher = new Batcher({
      send: t.send,
      lingerMs: 0,
      maxBatch: 5,
      maxBuffered: 10,
      retryInitialMs: 5,
    });
    batcher.push(1);
    await expect(batcher.flush(40)).rejects.toThrow('1 item(s) still unsent after 40 ms: broker away');
    expect(batcher.stats().buffered).toBe(1);
    expect(batcher.discard()).toBe(1);
    expect(batcher.stats()).toMatchObject({ buffered: 0, dropped: 1 });
  });

  it('refuses an impossible configuration', () => {
    const t = recordingSend();
    expect(() => new Batcher({ send: t.send, lingerMs: 1, maxBatch: 0, maxBuffered: 1 })).toThrow(RangeError);
    expect(() => new Batcher({ send: t.send, lingerMs: 1, maxBatch: 5, maxBuffered: 2 })).toThrow(RangeError);
  });
});
