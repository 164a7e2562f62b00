import type { TelemetryEvent } from '@aiops/contract';
import { seriesKey } from '@aiops/contract';
import { UnrecoverableError } from '@aiops/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LATE_HEADERS, LATE_OUTPUT, LATE_REASON, NO_WATERMARK, WindowOperator } from '../src/index.js';
import { eventDetails, eventFrom, finalAggregates, Harness, makeEvent, partitionOf } from './helpers.js';

const MINUTE = 60_000;
const base = {
  windowSizesMs: [MINUTE],
  maxOutOfOrdernessMs: 5_000,
  allowedLatenessMs: MINUTE,
  idleTimeoutMs: 30_000,
};

describe('WindowOperator: firing', () => {
  it('emits revision 0 of a window once the watermark passes its end, keyed by series', () => {
    const h = new Harness(base);
    h.feed(makeEvent({ timestamp: 10_000, duration_ms: 100 }));
    h.feed(makeEvent({ timestamp: 50_000, duration_ms: 300 }));
    h.feed(makeEvent({ timestamp: 64_999 })); // watermark 59 999: not yet
    expect(h.aggregates()).toHaveLength(0);
    h.feed(makeEvent({ timestamp: 65_000 })); // watermark 60 000 = window end
    const [aggregate] = h.aggregates();
    expect(h.aggregates()).toHaveLength(1);
    expect(aggregate).toMatchObject({
      window_start: 0,
      window_end: MINUTE,
      revision: 0,
      events: 2,
      late_events: 0,
      correction_event_id: null,
    });
    expect(aggregate!.latency_min_ms).toBe(100);
    const record = h.context.forwardedTo()[0]!;
    expect(record.key).toBe(seriesKey(makeEvent()));
    expect(record.timestamp).toBe(MINUTE - 1);
  });

  it('emits one aggregate per series and window size', () => {
    const h = new Harness({ ...base, windowSizesMs: [MINUTE, 5 * MINUTE] });
    h.feed(makeEvent({ timestamp: 10_000 }));
    h.feed(makeEvent({ timestamp: 20_000, model: 'other' }));
    h.feed(makeEvent({ timestamp: 70_000 }));
    h.feed(makeEvent({ timestamp: 306_000 }));
    const emitted = h.aggregates().map((a) => `${a.model}:${a.window_start}-${a.window_end}:${a.events}`);
    expect(emitted).toEqual([
      'gpt-4o:0-60000:1',
      'other:0-60000:1',
      'gpt-4o:60000-120000:1',
      'gpt-4o:0-300000:2',
      'other:0-300000:1',
    ]);
  });

  it('gives the same final aggregates for input shuffled within the out-of-orderness bound (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(eventDetails, fc.integer({ min: 0, max: 6_000 }), fc.integer({ min: 0, max: 5_000 })),
          {
            minLength: 1,
            maxLength: 150,
          },
        ),
        fc.constantFrom<'coalesce' | 'every'>('coalesce', 'every'),
        (steps, lateFiring) => {
          let t = 1_000_000;
          const events = steps.map(([details, gap, delay]) => {
            t += gap;
            return { event: eventFrom(details, t), arrival: t + delay };
          });
          const sorted = events.map((e) => e.event);
          const shuffled = [...events].sort((a, b) => a.arrival - b.arrival).map((e) => e.event);
          const options = { ...base, windowSizesMs: [10_000, MINUTE], lateFiring };
          const run = (input: TelemetryEvent[]) => {
            const h = new Harness(options);
            for (const event of input) h.feed(event, { partition: partitionOf(event) });
            h.context.advanceWallTimeMs(10 * MINUTE); // idle: close every window
            return h;
          };
          const inOrder = run(sorted);
          const outOfOrder = run(shuffled);
          expect(outOfOrder.late()).toEqual([]);
          expect(outOfOrder.aggregates().every((a) => a.revision === 0 && a.late_events === 0)).toBe(true);
          expect(finalAggregates(outOfOrder.aggregates())).toEqual(finalAggregates(inOrder.aggregates()));
          expect(
            inOrder
              .aggregates()
              .reduce((n, a) => n + (a.window_end - a.window_start === MINUTE ? a.events : 0), 0),
          ).toBe(events.length);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('WindowOperator: lateness', () => {
  it('re-emits a window with revision + 1 and corrected totals for a late event (coalesced)', () => {
    const h = new Harness(base);
    h.feed(makeEvent({ timestamp: 10_000, input_tokens: 1 }));
    h.feed(makeEvent({ timestamp: 20_000, input_tokens: 2 }));
    h.feed(makeEvent({ timestamp: 70_000, input_tokens: 100 })); // watermark 65 000: [0, 60 000) closes
    h.feed(makeEvent({ timestamp: 30_000, input_tokens: 4, status: 'error', error_type: 'timeout' })); // late
    h.feed(makeEvent({ timestamp: 31_000, input_tokens: 8 })); // late, same window
    expect(h.aggregates()).toHaveLength(1);
    expect(h.operator.stats().pendingLateWindows).toBe(1);
    h.feed(makeEvent({ timestamp: 71_000 })); // the watermark moves: one correction for both
    const [first, second] = h.aggregates();
    expect(h.aggregates()).toHaveLength(2);
    expect(first).toMatchObject({ revision: 0, events: 2, input_tokens: 3, late_events: 0 });
    expect(second).toMatchObject({
      window_start: 0,
      revision: 1,
      events: 4,
      input_tokens: 15,
      errors: 1,
      errors_by_type: { timeout: 1 },
      late_events: 2,
    });
    expect(h.operator.stats()).toMatchObject({ lateAccepted: 2, corrections: 1, pendingLateWindows: 0 });
    expect(h.late()).toEqual([]);
  });

  it("re-emits on every late event in 'every' mode", () => {
    const h = new Harness({ ...base, lateFiring: 'every' });
    h.feed(makeEvent({ timestamp: 10_000 }));
    h.feed(makeEvent({ timestamp: 70_000 }));
    h.feed(makeEvent({ timestamp: 30_000 }));
    h.feed(makeEvent({ timestamp: 31_000 }));
    expect(h.aggregates().map((a) => [a.revision, a.events, a.late_events])).toEqual([
      [0, 1, 0],
      [1, 2, 1],
      [2, 3, 2],
    ]);
  });

  it('emits revision 0 for a window whose first event is already late', () => {
    const h = new Harness(base);
    h.feed(makeEvent({ timestamp: 70_000 }));
    h.feed(makeEvent({ timestamp: 40_000, model: 'late-model' })); // late for a series never seen
    h.feed(makeEvent({ timestamp: 71_000 }));
    expect(h.aggregates()).toMatchObject([
      { model: 'late-model', window_start: 0, revision: 0, events: 1, late_events: 1 },
    ]);
  });

  it('counts an event past the allowed lateness as a late correction of its own, and keeps the window evicted', () => {
    const h = new Harness(base);
    h.feed(makeEvent({ timestamp: 10_000, input_tokens: 1 }));
    h.feed(makeEvent({ timestamp: 130_000 })); // watermark 125 000 ≥ 60 000 + 60 000: [0, 60 000) evicted
    const openBefore = h.operator.stats().openWindows;
    const tooLate = makeEvent({ timestamp: 50_000, input_tokens: 7, status: 'error', error_type: 'timeout' });
    h.feed(tooLate);
    expect(h.late()).toEqual([]);
    const ofFirstMinute = h.aggregates().filter((a) => a.window_start === 0);
    expect(ofFirstMinute).toMatchObject([
      { revision: 0, events: 1, input_tokens: 1, correction_event_id: null },
      {
        revision: 0,
        events: 1,
        late_events: 1,
        input_tokens: 7,
        errors: 1,
        errors_by_type: { timeout: 1 },
        correction_event_id: tooLate.event_id,
      },
    ]);
    const record = h.context.forwardedTo().at(-1)!;
    expect(record.key).toBe(seriesKey(tooLate));
    expect(record.timestamp).toBe(MINUTE - 1);
    expect(h.operator.stats()).toMatchObject({ lateCorrections: 1, lateDropped: 0, openWindows: openBefore });
  });

  it('sends an event older than the maximum correction age to the late side output with why, and counts it', () => {
    const h = new Harness({ ...base, maxCorrectionAgeMs: 2 * MINUTE });
    h.feed(makeEvent({ timestamp: 10_000 }));
    h.feed(makeEvent({ timestamp: 190_000 })); // watermark 185 000: [0, 60 000) ended 125 000 before it
    const tooOld = makeEvent({ timestamp: 50_000 });
    h.feed(tooOld);
    expect(h.late()).toEqual([tooOld]);
    const record = h.context.forwardedTo(LATE_OUTPUT)[0]!;
    expect(record.headers[LATE_HEADERS.reason]).toBe(LATE_REASON);
    expect(record.headers[LATE_HEADERS.window]).toBe('0/60000');
    expect(record.headers[LATE_HEADERS.watermark]).toBe('185000');
    expect(record.headers[LATE_HEADERS.acceptedWindows]).toBe('0');
    expect(record.headers[LATE_HEADERS.message]).toMatch(/maximum correction age \(120000 ms\)/);
    expect(h.operator.stats()).toMatchObject({ lateDropped: 1, lateCorrections: 0 });
    expect(h.aggregates().filter((a) => a.window_start === 0)).toHaveLength(1); // never re-emitted
  });

  it('counts an event too late for a small window but on time for a larger one: a correction and the larger window', () => {
    const h = new Harness({ ...base, windowSizesMs: [MINUTE, 5 * MINUTE], allowedLatenessMs: 10_000 });
    h.feed(makeEvent({ timestamp: 10_000 }));
    h.feed(makeEvent({ timestamp: 90_000 })); // watermark 85 000: [0, 60 000) expired (60 000 + 10 000)
    const late = makeEvent({ timestamp: 30_000 });
    h.feed(late);
    expect(h.late()).toEqual([]);
    expect(h.aggregates().filter((a) => a.correction_event_id === late.event_id)).toMatchObject([
      { window_start: 0, window_end: MINUTE, events: 1 },
    ]);
    h.context.advanceWallTimeMs(10 * MINUTE);
    expect(h.aggregates().find((a) => a.window_end === 5 * MINUTE)?.events).toBe(3);
  });
});

describe('WindowOperator: watermarks per partition and idleness', () => {
  it('keeps a watermark per partition: a slow partition does not hold back a fast one', () => {
    const h = new Harness(base);
    h.feed(makeEvent({ timestamp: 10_000, model: 'a' }), { partition: 0 });
    h.feed(makeEvent({ timestamp: 10_000, model: 'b' }), { partition: 1 });
    h.feed(makeEvent({ timestamp: 70_000, model: 'a' }), { partition: 0 });
    expect(h.aggregates().map((a) => a.model)).toEqual(['a']);
    expect(h.operator.watermark(0)).toBe(65_000);
    expect(h.operator.watermark(1)).toBe(5_000);
    expect(h.operator.watermark(7)).toBeNull();
  });

  it('closes the last windows of a partition that went idle, driven by the wall clock', () => {
    const h = new Harness({ ...base, idleCheckIntervalMs: 1_000 });
    h.feed(makeEvent({ timestamp: 10_000 }), { wallMs: 1_000 });
    h.context.advanceWallTimeMs(30_000); // idle since 31 000: watermark 5 000 + 30 000
    expect(h.operator.watermark(0)).toBe(35_000);
    expect(h.aggregates()).toHaveLength(0);
    h.context.setWallTimeMs(56_000); // 5 000 + 55 000 = window end
    expect(h.aggregates()).toMatchObject([{ window_start: 0, revision: 0, events: 1 }]);
    h.context.setWallTimeMs(200_000);
    expect(h.operator.stats()).toMatchObject({ openWindows: 0, activeSeries: 0 });
  });

  it('stops idle punctuation on close', () => {
    const h = new Harness(base);
    h.feed(makeEvent({ timestamp: 10_000 }));
    h.operator.close();
    h.context.advanceWallTimeMs(10 * MINUTE);
    expect(h.aggregates()).toHaveLength(0);
  });

  it('uses partition 0 and arrival order when records carry no metadata', () => {
    const h = new Harness(base);
    h.context.setRecordMetadata(null);
    h.operator.process({ key: 'k', value: makeEvent({ timestamp: 10_000 }), timestamp: 10_000, headers: {} });
    h.operator.process({ key: 'k', value: makeEvent({ timestamp: 70_000 }), timestamp: 70_000, headers: {} });
    expect(h.aggregates()).toHaveLength(1);
    // [0, 60 000) fired but is kept for its allowed lateness: a restart must replay from its first record.
    expect(h.operator.checkpoint(0)).toMatchObject({ offset: 0, watermark: NO_WATERMARK });
  });
});

describe('WindowOperator: bounded state', () => {
  it('evicts windows after their allowed lateness, so state follows the active series, not history', () => {
    const h = new Harness({ ...base, windowSizesMs: [MINUTE, 5 * MINUTE] });
    let maxOpen = 0;
    for (let minute = 0; minute < 120; minute++) {
      for (let s = 0; s < 20; s++) {
        h.feed(makeEvent({ timestamp: minute * MINUTE + s * 1000, model: `m${(s + minute) % 40}` }));
      }
      maxOpen = Math.max(maxOpen, h.operator.stats().openWindows);
    }
    const stats = h.operator.stats();
    // Per series at most: the current and the previous minute windows, plus two 5-minute windows.
    expect(maxOpen).toBeLessThanOrEqual(40 * 4);
    expect(stats.activeSeries).toBeLessThanOrEqual(40);
    expect(stats.evictedWindows).toBeGreaterThan(2000);
    expect(stats.emitted).toBeGreaterThanOrEqual(stats.evictedWindows); // every evicted window was emitted
    h.context.advanceWallTimeMs(60 * MINUTE);
    expect(h.operator.stats()).toMatchObject({ openWindows: 0, activeSeries: 0 });
  });

  it('drops a partition on release and starts it afresh on resume', () => {
    const h = new Harness(base);
    h.feed(makeEvent({ timestamp: 10_000 }), { partition: 3 });
    expect(h.operator.stats()).toMatchObject({ partitions: 1, openWindows: 1, activeSeries: 1 });
    h.operator.releasePartition(3);
    expect(h.operator.stats()).toMatchObject({ partitions: 0, openWindows: 0, activeSeries: 0 });
    h.operator.resume(3, 500_000);
    expect(h.operator.watermark(3)).toBe(500_000);
    expect(h.operator.checkpoint(3)).toBeNull();
  });
});

describe('WindowOperator: input checks', () => {
  it('refuses an event it cannot aggregate before touching any state', () => {
    const h = new Harness(base);
    expect(() => h.feed(makeEvent({ timestamp: 10_000, duration_ms: -5 }))).toThrow(UnrecoverableError);
    expect(h.operator.stats()).toMatchObject({ partitions: 0, openWindows: 0, activeSeries: 0 });
  });

  it('must be initialised first', () => {
    const operator = new WindowOperator(base);
    expect(() => operator.process({ key: 'k', value: makeEvent(), timestamp: 0, headers: {} })).toThrow(
      /init/,
    );
  });

  it('refuses a snapshot of another window configuration', () => {
    const snapshot = new WindowOperator(base).snapshot();
    expect(() => new WindowOperator({ ...base, windowSizesMs: [5 * MINUTE] }).restore(snapshot)).toThrow(
      RangeError,
    );
  });
});
