import type { TelemetryEvent } from '@aiops/contract';
import { SOURCE_HEADER } from '@aiops/contract';
import { ManualClock } from '@aiops/core';
import { ProcessorDriver } from '@aiops/kafka';
import { describe, expect, it } from 'vitest';
import {
  EventIdFilter,
  formatCommitMetadata,
  NO_WATERMARK,
  parseCommitMetadata,
  type TenantPosition,
  WindowAggregation,
  type WindowOutput,
} from '../src/index.js';
import { makeEvent, withoutEmittedAt } from './helpers.js';

const MINUTE = 60_000;
const OPTIONS = {
  windowSizesMs: [MINUTE],
  maxOutOfOrdernessMs: 1_000,
  allowedLatenessMs: 5_000,
  watermarkHeartbeatMs: 10_000,
};

function aggregation(clock = new ManualClock(1_000_000)): WindowAggregation {
  return new WindowAggregation(
    OPTIONS,
    (operator) => new ProcessorDriver<string, TelemetryEvent, string, WindowOutput>(operator, clock),
  );
}

/** Feeds `events` from offset `from` on as partition 0 of a one-source stream. */
function feed(a: WindowAggregation, events: readonly TelemetryEvent[], from = 0): void {
  events.forEach((event, i) => {
    a.add({ topic: 'events', partition: 0, offset: from + i }, 'k', event, '0/1');
  });
  a.endBatch(0);
}

/**
 * Feeds `stream` up to `cut`, commits, resumes a fresh instance from that commit (its filter starts
 * empty) on the rest: the windows both emitted, each (tenant, window, revision) once.
 */
function stoppedAndResumed(stream: readonly TelemetryEvent[], cut: number) {
  const first = aggregation();
  first.assign([{ partition: 0, metadata: null }]);
  feed(first, stream.slice(0, cut));
  const before = first.drain().windows.map((w) => withoutEmittedAt(w.aggregate));
  const commit = first.commit(0)!;
  const second = aggregation();
  second.assign([{ partition: 0, metadata: commit.metadata }]);
  feed(second, stream.slice(Number(commit.offset)), Number(commit.offset));
  const after = second.drain().windows.map((w) => withoutEmittedAt(w.aggregate));
  const union = new Map(
    [...before, ...after].map((w) => [`${w.tenant_id}/${w.window_start}/${w.revision}`, w]),
  );
  return [...union.values()];
}

describe('WindowAggregation (the aggregator without Kafka)', () => {
  it('drops a copy of an event already counted, and a restart from its commit still gives every window whole', () => {
    // Three minutes of one event every 10 s, each sent twice (a producer retry), the copy 3 records later.
    const base = 1_700_000_040_000 - (1_700_000_040_000 % MINUTE);
    const originals = Array.from({ length: 18 }, (_, i) => makeEvent({ timestamp: base + i * 10_000 }));
    const stream: TelemetryEvent[] = [];
    originals.forEach((event, i) => {
      stream.push(event);
      if (i >= 3) stream.push(originals[i - 3]!);
    });
    const whole = aggregation();
    whole.assign([{ partition: 0, metadata: null }]);
    feed(whole, stream);
    const expected = whole.drain().windows.map((w) => withoutEmittedAt(w.aggregate));
    expect(expected.map((w) => w.events)).toEqual([6, 6]);

    // Stop after every prefix, commit, resume from that commit.
    for (let cut = 1; cut < stream.length; cut++) {
      expect(stoppedAndResumed(stream, cut), `cut at ${cut}`).toEqual(expected);
    }
  });

  it("drops a lagging tenant's retries too (its own clock judges them), and a restart from any commit gives the same windows", () => {
    // Tenant b's events arrive 3 minutes behind tenant a's — far past the filter's horizon on the
    // partition's clock (window + lateness + out-of-orderness = 66 s): each b event is sent twice.
    const base = 1_700_000_040_000 - (1_700_000_040_000 % MINUTE);
    const lagging: TelemetryEvent[] = [];
    const stream: TelemetryEvent[] = [];
    for (let i = 0; i < 30; i++) {
      stream.push(makeEvent({ tenant_id: 'a', timestamp: base + i * 10_000 }));
      lagging.push(makeEvent({ tenant_id: 'b', timestamp: base + i * 10_000 - 3 * MINUTE }));
      stream.push(lagging[i]!);
      if (i >= 3) stream.push(lagging[i - 3]!);
    }
    // A window's count: its latest revision plus its late corrections (as analysts sum them).
    const counted = (windows: ReturnType<typeof withoutEmittedAt>[]) => {
      const b = windows.filter((w) => w.tenant_id === 'b');
      const latest = new Map(
        b.filter((w) => w.correction_event_id === null).map((w) => [w.window_start, w.events]),
      );
      const corrections = b.filter((w) => w.correction_event_id !== null).length;
      return [...latest.values()].reduce((sum, n) => sum + n, 0) + corrections;
    };
    const whole = aggregation();
    whole.assign([{ partition: 0, metadata: null }]);
    feed(whole, stream);
    const expected = whole.drain().windows.map((w) => withoutEmittedAt(w.aggregate));
    // Every closed b window holds each of its events once (the last, still open, is not emitted).
    expect(counted(expected)).toBe(24);

    for (let cut = 1; cut < stream.length; cut += 7) {
      const resumed = stoppedAndResumed(stream, cut);
      expect(resumed, `cut at ${cut}`).toEqual(expect.arrayContaining(expected));
      expect(resumed.length, `cut at ${cut}`).toBe(expected.length);
    }
  });

  it('announces a watermark when it crosses a window boundary and otherwise only as a heartbeat', () => {
    const a = aggregation();
    a.assign([{ partition: 0, metadata: null }]);
    const base = 1_700_000_040_000 - (1_700_000_040_000 % MINUTE);
    feed(a, [makeEvent({ timestamp: base + 10_000 })]);
    expect(a.markersDue([0], 0)).toEqual([{ partition: 0, watermarkMs: base + 9_000, tenants: [] }]);
    feed(a, [makeEvent({ timestamp: base + 20_000 })], 1);
    expect(a.markersDue([0], 1_000)).toEqual([]);
    expect(a.markersDue([0], 10_000)).toEqual([{ partition: 0, watermarkMs: base + 19_000, tenants: [] }]);
    feed(a, [makeEvent({ timestamp: base + MINUTE + 2_000 })], 2);
    expect(a.markersDue([0], 10_500)).toEqual([
      { partition: 0, watermarkMs: base + MINUTE + 1_000, tenants: [] },
    ]);
  });

  it('reads the record source from SOURCE_HEADER: a partition fed by two sources waits for the slower', () => {
    const a = aggregation();
    a.assign([{ partition: 0, metadata: null }]);
    a.add({ topic: 'events', partition: 0, offset: 0 }, 'k', makeEvent({ timestamp: 100_000 }), '0/2');
    a.add({ topic: 'events', partition: 0, offset: 1 }, 'k', makeEvent({ timestamp: 50_000 }), '1/2');
    a.add({ topic: 'events', partition: 0, offset: 2 }, 'k', makeEvent({ timestamp: 200_000 }), '0/2');
    expect(a.watermarks()).toEqual([[0, 49_000]]);
    expect(SOURCE_HEADER).toBe('aiops.source');
  });
});

describe('EventIdFilter', () => {
  it('knows an id until the watermark before a copy passes its horizon, whenever expire runs', () => {
    const filter = new EventIdFilter(1000);
    expect(filter.isDuplicate('t', 'a', 0, 0, -5)).toBe(false);
    expect(filter.isDuplicate('t', 'a', 0, 1, 999)).toBe(true);
    expect(filter.isDuplicate('t', 'b', 500, 2, 999)).toBe(false);
    expect(filter.isDuplicate('t', 'a', 0, 3, 1000)).toBe(false); // past its horizon, not yet freed: the same
    filter.expire(() => 1000);
    expect(filter.size).toBe(1);
    expect(filter.isDuplicate('t', 'a', 0, 4, 1000)).toBe(false);
  });

  it("judges and frees each tenant's ids on that tenant's watermark, so a tenant behind keeps its own", () => {
    const filter = new EventIdFilter(1000);
    filter.isDuplicate('ahead', 'a', 10_000, 0, 9_000);
    filter.isDuplicate('behind', 'b', 0, 1, -1);
    const watermarks: Record<string, number> = { ahead: 11_000, behind: 500 };
    filter.expire((tenant) => watermarks[tenant]!); // frees a (offset 0) only: b's tenant is at 500
    expect(filter.size).toBe(1);
    expect(filter.isDuplicate('behind', 'b', 0, 2, 500)).toBe(true);
    expect(filter.neededFrom(2)).toBe(1);
    expect(filter.isDuplicate('ahead', 'b', 0, 3, 11_000)).toBe(false); // another tenant's id
  });

  it('says from which offset a restart must re-read to hold what it held before a record', () => {
    const filter = new EventIdFilter(1000);
    filter.isDuplicate('t', 'a', 0, 10, 0);
    filter.isDuplicate('t', 'b', 800, 11, 0);
    filter.isDuplicate('t', 'c', 1500, 12, 1200);
    filter.expire(() => 1200); // frees a (offset 10)
    filter.isDuplicate('t', 'd', 1600, 13, 1300);
    expect(filter.neededFrom(10)).toBe(10); // nothing was held before the first record
    expect(filter.neededFrom(12)).toBe(10); // a was still held just before offset 12
    expect(filter.neededFrom(13)).toBe(11); // …and freed before offset 13
    expect(filter.neededFrom(20)).toBe(11);
  });
});

describe('parseCommitMetadata', () => {
  it('reads what the aggregator commits and ignores anything else', () => {
    expect(parseCommitMetadata('{"v":1,"watermark":42}')).toEqual({ v: 1, watermark: 42 });
    expect(parseCommitMetadata('')).toBeNull();
    expect(parseCommitMetadata('garbage')).toBeNull();
    expect(parseCommitMetadata('{"v":2}')).toBeNull();
  });

  it('round-trips the per-source position and the unseen-source give-up, and drops a malformed position', () => {
    const position = {
      watermarkMs: 1_000,
      sources: [['0', 6_000] as [string, number], ['2', 7_500] as [string, number]],
      expectedSources: 3,
      unseenGivenUp: false,
    };
    const checkpoint = {
      offset: 10,
      watermark: 1_000,
      position,
      unseenGiveUp: { offset: 14, beforeRecord: true },
    };
    expect(parseCommitMetadata(formatCommitMetadata(checkpoint))).toEqual({
      v: 1,
      watermark: 1_000,
      position,
      unseenGiveUp: { offset: 14, beforeRecord: true },
    });
    expect(parseCommitMetadata('{"v":1,"watermark":5,"position":{"sources":"x"}}')).toEqual({
      v: 1,
      watermark: 5,
    });
  });

  it("commits the tenants' clocks in under 200 bytes each (6 raw partitions), exactly, and reads the older absolute form", () => {
    const now = 1_765_000_000_000;
    const tenants: TenantPosition[] = Array.from({ length: 20 }, (_, i) => {
      const highest = now - i * 421_337; // up to ~2 h behind
      return [
        `tenant-${i}`,
        highest,
        i === 0 ? NO_WATERMARK : highest - 5_000 - i,
        highest - 3_600_000,
        6,
        Array.from(
          { length: 6 },
          (_, s) => [String(s), highest - s * 977, highest + 1_234 * s] as [string, number, number],
        ),
      ];
    });
    const position = {
      watermarkMs: now - 5_000,
      sources: [['0', now] as [string, number]],
      expectedSources: 6,
      unseenGivenUp: false,
      tenants,
    };
    const text = formatCommitMetadata({ offset: 3, watermark: now - 5_000, position });
    const withoutTenants = formatCommitMetadata({
      offset: 3,
      watermark: now - 5_000,
      position: { ...position, tenants: [] },
    });
    expect((text.length - withoutTenants.length) / tenants.length).toBeLessThan(200);
    expect(parseCommitMetadata(text)?.position).toEqual(position);
    const absolute = JSON.stringify({ v: 1, watermark: now - 5_000, position });
    expect(parseCommitMetadata(absolute)?.position).toEqual(position);
  });

  it('leaves the position out when it would not fit in Kafka commit metadata', () => {
    const sources = Array.from(
      { length: 400 },
      (_, i) => [String(i), 1_700_000_000_000 + i] as [string, number],
    );
    const text = formatCommitMetadata({
      offset: 1,
      watermark: 9,
      position: { watermarkMs: 9, sources, expectedSources: 400, unseenGivenUp: true },
    });
    expect(text.length).toBeLessThanOrEqual(4000);
    expect(parseCommitMetadata(text)).toEqual({ v: 1, watermark: 9 });
  });
});
