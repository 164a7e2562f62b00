import type { TelemetryEvent, WindowAggregate } from '@aiops/contract';
import { ManualClock } from '@aiops/core';
import { ProcessorDriver } from '@aiops/kafka';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  AggregationOptions,
  Checkpoint,
  LateFiring,
  WindowOperatorOptions,
  WindowOutput,
} from '../src/index.js';
import { WindowAggregation } from '../src/index.js';
import {
  dedupEmissions,
  eventDetails,
  eventFrom,
  finalAggregates,
  Harness,
  partitionOf,
  withoutEmittedAt,
} from './helpers.js';

interface Delivery {
  event: TelemetryEvent;
  partition: number;
  offset: number;
}

/**
 * A disorderly stream over two partitions: mostly increasing event times, some events a little out
 * of order, some late (within the allowed lateness or beyond it).
 */
const streamOf = (minLength: number) =>
  fc
    .array(
      fc.tuple(
        eventDetails,
        fc.integer({ min: 0, max: 3_000 }),
        fc.oneof(
          { weight: 6, arbitrary: fc.constant(0) },
          { weight: 3, arbitrary: fc.integer({ min: 0, max: 2_000 }) },
          { weight: 2, arbitrary: fc.integer({ min: 2_000, max: 60_000 }) },
        ),
      ),
      { minLength, maxLength: 160 },
    )
    .map((steps) => {
      let t = 100_000;
      const offsets = [0, 0];
      return steps.map(([details, gap, back]): Delivery => {
        t += gap;
        const event = eventFrom(details, Math.max(0, t - back));
        const partition = partitionOf(event);
        return { event, partition, offset: offsets[partition]!++ };
      });
    });

const stream = streamOf(1);

/**
 * The same stream with some events delivered twice (at-least-once producers): each step may re-send
 * one of the events already sent, which gets its own offset.
 */
const streamWithDuplicates = fc
  .tuple(stream, fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 30 }))
  .map(([deliveries, resends]) => {
    const events = deliveries.map((d) => d.event);
    for (const [at, which] of resends) {
      const position = at % (events.length + 1);
      events.splice(position, 0, events[which % Math.max(1, position)] ?? events[0]!);
    }
    const offsets = [0, 0];
    return events.map((event): Delivery => {
      const partition = partitionOf(event);
      return { event, partition, offset: offsets[partition]!++ };
    });
  });

const AGGREGATION: AggregationOptions = {
  windowSizesMs: [10_000, 30_000],
  maxOutOfOrdernessMs: 2_000,
  allowedLatenessMs: 15_000,
  idleTimeoutMs: 30_000,
  watermarkHeartbeatMs: 10_000,
};

/** The aggregator's core (duplicate filter, operator, commits) on a manual clock, fed deliveries in order. */
function aggregationRun() {
  const clock = new ManualClock(1_000_000);
  const aggregation = new WindowAggregation(
    AGGREGATION,
    (operator) => new ProcessorDriver<string, TelemetryEvent, string, WindowOutput>(operator, clock),
  );
  const windows: WindowAggregate[] = [];
  const late: TelemetryEvent[] = [];
  const collect = () => {
    const drained = aggregation.drain();
    windows.push(...drained.windows.map((w) => w.aggregate));
    late.push(...drained.late.map((record) => record.value as TelemetryEvent));
  };
  return {
    aggregation,
    windows,
    late,
    /** Feeds in batches of `batchSize` records (the duplicate filter frees ids at batch ends). */
    feed(deliveries: readonly Delivery[], batchSize = 1) {
      deliveries.forEach((d, index) => {
        aggregation.add(
          { topic: 'events', partition: d.partition, offset: d.offset },
          'k',
          d.event,
          undefined,
        );
        if ((index + 1) % batchSize === 0) for (const partition of [0, 1]) aggregation.endBatch(partition);
      });
      for (const partition of [0, 1]) aggregation.endBatch(partition);
      collect();
    },
    /** Closes every window left (the same idle advance in every run: the wall clock is not replayed). */
    finish() {
      clock.advance(3_600_000);
      aggregation.driver.tick();
      collect();
    },
  };
}

const options = (lateFiring: LateFiring): WindowOperatorOptions => ({
  windowSizesMs: [10_000, 30_000],
  maxOutOfOrdernessMs: 2_000,
  allowedLatenessMs: 15_000,
  idleTimeoutMs: 30_000,
  lateFiring,
});

function feed(h: Harness, deliveries: readonly Delivery[]): void {
  for (const d of deliveries) h.feed(d.event, { partition: d.partition, offset: d.offset });
}

/** Closes every window left (the same idle advance in every run: the wall clock is not replayed). */
function finish(h: Harness): void {
  h.context.advanceWallTimeMs(3_600_000);
}

/** Stats but the sketch bytes: restored sketches are binned where the originals may hold exact values. */
function statsWithoutBytes(h: Harness) {
  const { sketchBytes: _ignored, ...rest } = h.operator.stats();
  return rest;
}

describe('WindowOperator: snapshot and restore', () => {
  it('restoring a mid-stream snapshot into a new operator gives identical outputs (property)', () => {
    fc.assert(
      fc.property(
        stream,
        fc.nat(),
        fc.constantFrom<LateFiring>('coalesce', 'every'),
        (deliveries, cut, lateFiring) => {
          const k = cut % (deliveries.length + 1);
          const whole = new Harness(options(lateFiring));
          feed(whole, deliveries);
          finish(whole);

          const first = new Harness(options(lateFiring));
          feed(first, deliveries.slice(0, k));
          const snapshot = structuredClone(first.operator.snapshot());
          const second = new Harness(options(lateFiring));
          second.operator.restore(snapshot);
          expect(statsWithoutBytes(second)).toEqual(statsWithoutBytes(first));
          feed(second, deliveries.slice(k));
          finish(second);

          const split = [...first.aggregates(), ...second.aggregates()].map(withoutEmittedAt);
          expect(split).toEqual(whole.aggregates().map(withoutEmittedAt));
          expect([...first.late(), ...second.late()]).toEqual(whole.late());
          expect(statsWithoutBytes(second)).toEqual(statsWithoutBytes(whole));
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe('WindowOperator: checkpoint and replay', () => {
  it('killed at arbitrary points and resumed from checkpoints, the deduped union of emissions equals the uninterrupted run (property)', () => {
    fc.assert(
      fc.property(
        stream,
        fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        fc.constantFrom<LateFiring>('coalesce', 'every'),
        (deliveries, cuts, lateFiring) => {
          const whole = new Harness(options(lateFiring));
          feed(whole, deliveries);
          finish(whole);
          const expected = dedupEmissions(whole.aggregates());
          expect(expected.size).toBe(whole.aggregates().length);

          const kills = [...cuts.map((c) => c % (deliveries.length + 1)), deliveries.length].sort(
            (a, b) => a - b,
          );
          const committed = new Map<number, Checkpoint>();
          const emitted: WindowAggregate[] = [];
          const late = new Set<string>();
          let replayed = 0;
          for (const [i, kill] of kills.entries()) {
            // A new process: resume each partition from its committed checkpoint, replay from its offset.
            const h = new Harness(options(lateFiring));
            for (const [partition, checkpoint] of committed)
              h.operator.resume(partition, checkpoint.watermark);
            const todo = deliveries
              .slice(0, kill)
              .filter((d) => d.offset >= (committed.get(d.partition)?.offset ?? 0));
            replayed += todo.length;
            feed(h, todo);
            if (i === kills.length - 1) finish(h);
            emitted.push(...h.aggregates());
            for (const event of h.late()) late.add(event.event_id);
            for (const partition of [0, 1]) {
              const checkpoint = h.operator.checkpoint(partition);
              if (checkpoint !== null) committed.set(partition, checkpoint);
            }
          }
          expect(replayed).toBeGreaterThanOrEqual(deliveries.length);
          expect(dedupEmissions(emitted)).toEqual(expected);
          expect(late).toEqual(new Set(whole.late().map((e) => e.event_id)));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('resumes the per-source watermark too: a replay neither waits again for a source that never came nor forgets the others (property)', () => {
    // Three sources announced, two ever seen (a raw partition with no traffic for this partition). The
    // original run, one record a second, stops waiting for the third after the 30 s idle timeout; a
    // replay of a backlog runs with a still wall clock. Had it waited again (the checkpoint keeping the
    // watermark alone), it would hold its watermark and count late events as on time.
    const WARM = 32;
    // Sources alternate, so neither is ever quiet long enough to count as idle (a wall-clock effect).
    const sourceIds = new Map<Delivery, string>();
    const sourceOf = (d: Delivery) => sourceIds.get(d)!;
    const opts = { ...options('coalesce'), idleTimeoutMs: 30_000 };
    const feedAt = (h: Harness, todo: readonly Delivery[], wallOf: (index: number) => number) => {
      todo.forEach((d, index) => {
        h.feed(d.event, {
          partition: d.partition,
          offset: d.offset,
          wallMs: wallOf(index),
          source: sourceOf(d),
        });
      });
    };
    fc.assert(
      fc.property(streamOf(WARM + 1), fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), (mixed, cuts) => {
        // One partition, one record a second: neither the partition nor a source is ever idle.
        const deliveries = mixed.map((d, index): Delivery => ({ ...d, partition: 0, offset: index }));
        for (const [index, d] of deliveries.entries()) sourceIds.set(d, `${index % 2}/3`);
        const whole = new Harness(opts);
        feedAt(whole, deliveries, (index) => index * 1000);
        finish(whole);
        const expected = dedupEmissions(whole.aggregates());

        const span = deliveries.length - WARM;
        const kills = [...cuts.map((c) => WARM + (c % span)), deliveries.length].sort((a, b) => a - b);
        const committed = new Map<number, Checkpoint>();
        const emitted: WindowAggregate[] = [];
        for (const [i, kill] of kills.entries()) {
          const h = new Harness(opts);
          for (const [partition, checkpoint] of committed)
            h.operator.resume(
              partition,
              checkpoint.position ?? checkpoint.watermark,
              checkpoint.unseenGiveUp,
            );
          const todo = deliveries
            .slice(0, kill)
            .filter((d) => d.offset >= (committed.get(d.partition)?.offset ?? 0));
          if (i === 0) feedAt(h, todo, (index) => index * 1000);
          else feedAt(h, todo, () => 10_000_000 * i);
          if (i === kills.length - 1) finish(h);
          emitted.push(...h.aggregates());
          for (const partition of [0, 1]) {
            const checkpoint = h.operator.checkpoint(partition);
            if (checkpoint !== null) committed.set(partition, checkpoint);
          }
        }
        expect(dedupEmissions(emitted)).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  }, 30_000);

  it('stays exact with the duplicate filter in front: a restart re-reads what rebuilds it, so no copy is counted twice (property)', () => {
    fc.assert(
      fc.property(
        streamWithDuplicates,
        fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 8 }),
        (deliveries, cuts, batchSize) => {
          const whole = aggregationRun();
          whole.aggregation.assign([
            { partition: 0, metadata: null },
            { partition: 1, metadata: null },
          ]);
          whole.feed(deliveries);
          whole.finish();
          const expected = dedupEmissions(whole.windows);
          expect(whole.late).toEqual([]);

          const kills = [...cuts.map((c) => c % (deliveries.length + 1)), deliveries.length].sort(
            (a, b) => a - b,
          );
          const committed = new Map<number, { offset: string; metadata: string }>();
          const emitted: WindowAggregate[] = [];
          for (const [i, kill] of kills.entries()) {
            // A new process: its filter starts empty; it resumes each partition from its commit.
            const run = aggregationRun();
            run.aggregation.assign(
              [0, 1].map((partition) => ({
                partition,
                metadata: committed.get(partition)?.metadata ?? null,
              })),
            );
            run.feed(
              deliveries
                .slice(0, kill)
                .filter((d) => d.offset >= Number(committed.get(d.partition)?.offset ?? 0)),
              batchSize,
            );
            if (i === kills.length - 1) run.finish();
            emitted.push(...run.windows);
            expect(run.late).toEqual([]);
            for (const partition of [0, 1]) {
              const commit = run.aggregation.commit(partition);
              if (commit !== null) committed.set(partition, commit);
            }
          }
          expect(dedupEmissions(emitted)).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('checkpoints the first record of the oldest open window, with the watermark from before it', () => {
    const h = new Harness(options('coalesce'));
    const at = (timestamp: number) => eventFrom({ ...baseDetails }, timestamp);
    h.feed(at(101_000)); // 0: [100k, 110k) and [90k, 120k) open; watermark before: none
    h.feed(at(125_000)); // 1: [120k, 130k) and [120k, 150k); watermark 123k closes the first two
    expect(h.operator.checkpoint(0)).toMatchObject({ offset: 0, watermark: Number.MIN_SAFE_INTEGER });
    h.feed(at(105_000)); // 2: late, within lateness, into [100k, 110k) and [90k, 120k)
    h.feed(at(136_000)); // 3: watermark 134k evicts [100k, 110k)
    h.feed(at(138_000)); // 4: watermark 136k evicts [90k, 120k)
    // The oldest open window starts at offset 1, but the evicted [90k, 120k) spans offsets 0..2: a
    // replay from 1 would rebuild it from offset 2 alone and emit a wrong revision 0. So: offset 0.
    expect(h.operator.checkpoint(0)).toMatchObject({ offset: 0, watermark: Number.MIN_SAFE_INTEGER });
    h.feed(at(150_000)); // 5: watermark 148k evicts [120k, 130k)
    expect(h.operator.checkpoint(0)?.offset).toBe(0);
    h.feed(at(170_000)); // 6: watermark 168k evicts [120k, 150k) and [130k, 140k)
    expect(h.operator.checkpoint(0)).toMatchObject({ offset: 5, watermark: 136_000 });
    expect(
      h.aggregates().map((a) => `${a.window_start}-${a.window_end}#${a.revision}:${a.events}`),
    ).toContain('100000-110000#1:2');
  });

  it('checkpoints one past the last record when no window is open', () => {
    const h = new Harness({ ...options('coalesce'), allowedLatenessMs: 0 });
    h.feed(eventFrom({ ...baseDetails }, 101_000));
    expect(h.operator.checkpoint(0)?.offset).toBe(0);
    h.context.advanceWallTimeMs(3_600_000);
    expect(h.operator.stats().openWindows).toBe(0);
    expect(h.operator.checkpoint(0)).toMatchObject({ offset: 1, watermark: h.operator.watermark(0) });
  });
});

const baseDetails = {
  series: 0,
  error: null,
  errorWithoutType: false,
  duration: 100,
  ttft: null,
  inputTokens: 1,
  outputTokens: 1,
  cost: null,
  priced: false,
  scores: {},
  feedback: null,
  flags: [],
};

describe('every valid event is counted in exactly one window of each size', () => {
  it('however late it comes: a window, a revision, or a late correction of its own; none dead-lettered (property)', () => {
    let correctionsSeen = 0;
    fc.assert(
      // Distinct events: a copy of an event is recognised only within the duplicate filter's horizon
      // (the test above); one arriving later still counts again, as a correction (README, "Late events").
      fc.property(stream, (deliveries) => {
        const run = aggregationRun();
        run.aggregation.assign([
          { partition: 0, metadata: null },
          { partition: 1, metadata: null },
        ]);
        run.feed(deliveries);
        run.finish();
        expect(run.late).toEqual([]);
        const distinct = deliveries.length;
        expect(new Set(deliveries.map((d) => d.event.event_id)).size).toBe(distinct);
        const latest = [...finalAggregates(run.windows).values()];
        for (const size of AGGREGATION.windowSizesMs) {
          const ofSize = latest.filter((w) => w.window_end - w.window_start === size);
          expect(ofSize.reduce((sum, w) => sum + w.events, 0)).toBe(distinct);
        }
        const corrections = latest.filter((w) => w.correction_event_id !== null);
        correctionsSeen += corrections.length;
        expect(corrections.every((w) => w.events === 1 && w.late_events === 1 && w.revision === 0)).toBe(
          true,
        );
      }),
      { numRuns: 200 },
    );
    expect(correctionsSeen).toBeGreaterThan(0); // the streams do reach past the allowed lateness
  });
});
