import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AlignedStep, EventTimeAligner, NO_WATERMARK } from '../src/index.js';

/** An item as the detector sees one: a window end and a name that orders items of the same end. */
interface Item {
  end: number;
  name: string;
}

const options = { tickStepMs: 10, sourceIdleTimeoutMs: 1_000 };

function aligner(opts = options): EventTimeAligner<Item> {
  return new EventTimeAligner<Item>(
    opts,
    (i) => i.end,
    (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

const src = (id: string, count = 2) => ({ id, count });

function describeSteps(steps: AlignedStep<Item>[]): string[] {
  return steps.map((s) => (s.kind === 'tick' ? `tick@${s.atMs}` : `${s.item.name}@${s.item.end}`));
}

/** What one upstream source sends to the partition, in its own order: items, then a marker vouching for them. */
type Upstream = Array<{ kind: 'item'; item: Item } | { kind: 'marker'; watermarkMs: number }>;

function upstream(id: string, ends: number[]): Upstream {
  const out: Upstream = [];
  for (const end of ends) {
    out.push({ kind: 'item', item: { end, name: `${id}-${end}` } });
    out.push({ kind: 'marker', watermarkMs: end });
  }
  return out;
}

describe('EventTimeAligner', () => {
  it('holds items until every announced source has vouched for their time', () => {
    const a = aligner();
    a.add({ end: 10, name: 'x' });
    a.observeWatermark(src('0'), 10, 0);
    // Source 1 of 2 has not spoken yet: nothing moves.
    expect(a.advance(1)).toEqual([]);
    a.add({ end: 20, name: 'y' });
    a.observeWatermark(src('1'), 20, 2);
    expect(describeSteps(a.advance(3))).toEqual(['x@10', 'tick@10']);
    expect(a.clock()).toBe(10);
    a.observeWatermark(src('0'), 30, 4);
    expect(describeSteps(a.advance(5))).toEqual(['y@20', 'tick@20']);
    expect(a.heldCount()).toBe(0);
  });

  it('orders items of one time by the given order, and ticks on every step multiple', () => {
    const a = aligner({ tickStepMs: 10, sourceIdleTimeoutMs: 1_000 });
    a.add({ end: 15, name: 'b' });
    a.add({ end: 15, name: 'a' });
    a.add({ end: 50, name: 'c' });
    a.observeWatermark({ id: '0', count: 1 }, 42, 0);
    expect(describeSteps(a.advance(0))).toEqual(['a@15', 'b@15', 'tick@20', 'tick@30', 'tick@40']);
    a.observeWatermark({ id: '0', count: 1 }, 55, 0);
    expect(describeSteps(a.advance(0))).toEqual(['c@50', 'tick@50']);
  });

  it('hands on at once an item at or before the clock (a late revision or a replay)', () => {
    const a = aligner();
    a.observeWatermark({ id: '0', count: 1 }, 100, 0);
    a.advance(0);
    a.add({ end: 90, name: 'late' });
    a.add({ end: 110, name: 'next' });
    expect(describeSteps(a.advance(1))).toEqual(['late@90']);
  });

  it('stops waiting for a source that went quiet, and for one that never came', () => {
    const a = aligner();
    a.observeWatermark(src('0'), 50, 0);
    expect(a.advance(500)).toEqual([]);
    expect(a.clock()).toBe(NO_WATERMARK);
    // The unseen source 1 is given up on after the idle timeout; source 0 keeps speaking.
    a.observeWatermark(src('0'), 50, 900);
    a.advance(1_000);
    expect(a.clock()).toBe(50);
    a.observeWatermark(src('1'), 60, 1_100);
    a.observeWatermark(src('0'), 200, 1_900);
    a.advance(1_900);
    expect(a.clock()).toBe(60);
    // Source 1 stays silent: after the timeout it no longer holds source 0 back.
    a.advance(2_100);
    expect(a.clock()).toBe(200);
  });

  it('never moves the clock back when a source repeats an older marker', () => {
    const a = aligner();
    a.observeWatermark({ id: '0', count: 1 }, 100, 0);
    a.advance(0);
    a.observeWatermark({ id: '0', count: 1 }, 40, 1);
    a.advance(1);
    expect(a.clock()).toBe(100);
  });

  it('hands on the same steps however the sources interleave and whatever the batches (property)', () => {
    const sourceA = upstream('a', [10, 20, 30, 40, 50, 60, 70, 80]);
    const sourceB = upstream('b', [5, 15, 25, 35, 45, 55, 65, 75, 85]);
    const expected = (() => {
      // Everything known at once: all items up to the slower source's last marker, in time order.
      const a = aligner({ tickStepMs: 10, sourceIdleTimeoutMs: 1e9 });
      for (const u of sourceA) if (u.kind === 'item') a.add(u.item);
      for (const u of sourceB) if (u.kind === 'item') a.add(u.item);
      a.observeWatermark(src('a'), 80, 0);
      a.observeWatermark(src('b'), 85, 0);
      return describeSteps(a.advance(0));
    })();
    expect(expected.filter((s) => s.startsWith('tick')).length).toBe(8);

    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: sourceA.length + sourceB.length, maxLength: 60 }),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        fc.integer({ min: 0, max: sourceA.length + sourceB.length }),
        (picks, cuts, restartAt) => {
          let a = aligner({ tickStepMs: 10, sourceIdleTimeoutMs: 1e9 });
          const steps: AlignedStep<Item>[] = [];
          let ia = 0;
          let ib = 0;
          let n = 0;
          for (const pickA of picks) {
            const fromA = (pickA && ia < sourceA.length) || ib >= sourceB.length;
            if (ia >= sourceA.length && ib >= sourceB.length) break;
            const u = fromA ? sourceA[ia++]! : sourceB[ib++]!;
            if (u.kind === 'item') a.add(u.item);
            else a.observeWatermark(src(fromA ? 'a' : 'b'), u.watermarkMs, 0);
            if (cuts[n % cuts.length]) steps.push(...a.advance(0));
            if (n === restartAt) {
              // A restart from a checkpoint resumes exactly.
              const restored = aligner({ tickStepMs: 10, sourceIdleTimeoutMs: 1e9 });
              restored.restore(JSON.parse(JSON.stringify(a.snapshot())), 0);
              a = restored;
            }
            n++;
          }
          steps.push(...a.advance(0));
          expect(describeSteps(steps)).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects a step or timeout that is not positive', () => {
    expect(() => aligner({ tickStepMs: 0, sourceIdleTimeoutMs: 1 })).toThrow(RangeError);
    expect(() => aligner({ tickStepMs: 1, sourceIdleTimeoutMs: 0 })).toThrow(RangeError);
  });
});

describe('EventTimeAligner lanes (per-tenant clocks)', () => {
  interface Tenanted {
    end: number;
    name: string;
    lane: string;
  }
  const laned = () =>
    new EventTimeAligner<Tenanted>(
      { tickStepMs: 10, sourceIdleTimeoutMs: 1e9 },
      (i) => i.end,
      (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
      (i) => i.lane,
    );
  /** One lane's steps; ticks before its first item judge nothing (no series of the lane yet) and are left out. */
  const show = (steps: AlignedStep<Tenanted>[], lane: string) => {
    const mine = steps.filter((s) => (s.kind === 'tick' ? s.lane === lane : s.item.lane === lane));
    const first = mine.findIndex((s) => s.kind === 'item');
    return mine
      .filter((s, index) => s.kind === 'item' || index > first)
      .map((s) => (s.kind === 'tick' ? `tick@${s.atMs}` : `${s.item.name}@${s.item.end}`));
  };

  /** What one source sends: each window followed by a marker; lane 'late' runs `lag` behind. */
  function upstreamOf(
    id: string,
    lag: number,
  ): Array<{ item?: Tenanted; marker?: [number, [string, number][]] }> {
    const out: Array<{ item?: Tenanted; marker?: [number, [string, number][]] }> = [];
    for (let end = 10; end <= 200; end += 10) {
      out.push({ item: { end, name: `${id}-a-${end}`, lane: 'a' } });
      if (end - lag > 0)
        out.push({ item: { end: end - lag, name: `${id}-late-${end - lag}`, lane: 'late' } });
      out.push({ marker: [end, [['late', end - lag]]] });
    }
    return out;
  }

  it('a lagging lane holds no other lane back, and each lane gets the steps it gets alone, however sources interleave (property)', () => {
    const sources = [upstreamOf('s0', 70), upstreamOf('s1', 70)];
    const run = (order: number[], onlyLane?: string) => {
      const a = laned();
      const steps: AlignedStep<Tenanted>[] = [];
      const cursor = [0, 0];
      for (const pick of order) {
        const source = cursor[pick]! < sources[pick]!.length ? pick : 1 - pick;
        const next = sources[source]![cursor[source]!++];
        if (next === undefined) continue;
        if (next.item !== undefined && (onlyLane === undefined || next.item.lane === onlyLane))
          a.add(next.item);
        if (next.marker !== undefined)
          a.observeWatermark(src(`s${source}`), next.marker[0], 0, next.marker[1]);
        steps.push(...a.advance(0));
      }
      return steps;
    };
    const total = sources[0]!.length + sources[1]!.length;
    const reference = run(Array.from({ length: total }, (_, i) => i % 2));
    // The lagging lane's clock is 70 behind, yet lane a was released up to the end.
    expect(show(reference, 'a').at(-1)).toMatch(/@200$/);
    expect(
      show(reference, 'late')
        .filter((s) => s.startsWith('tick'))
        .at(-1),
    ).toBe('tick@130');
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: total, maxLength: total }),
        (order) => {
          const steps = run(order);
          for (const lane of ['a', 'late']) {
            expect(show(steps, lane)).toEqual(show(reference, lane));
            expect(show(run(order, lane), lane)).toEqual(show(reference, lane));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('an older marker replayed after an upstream restart does not move a lane it did not list yet', () => {
    // The source listed lane 'late' 50 behind; then its aggregator restarted and replays from its checkpoint,
    // from before 'late' appeared: that marker lists no lane. Taking its list moved 'late' to 100 at once.
    const a = laned();
    a.add({ end: 40, name: 'x', lane: 'late' });
    a.add({ end: 60, name: 'y', lane: 'late' });
    a.observeWatermark(src('0', 1), 100, 0, [['late', 50]]);
    expect(show(a.advance(0), 'late')).toEqual(['x@40', 'tick@40', 'tick@50']);
    a.observeWatermark(src('0', 1), 80, 1, []);
    expect(show(a.advance(1), 'late')).toEqual([]);
    expect(a.laneClock('late')).toBe(50);
    // The replay catches up: its newer markers move the lane as the first run's did.
    a.observeWatermark(src('0', 1), 100, 2, [['late', 60]]);
    expect(show(a.advance(2), 'late')).toEqual(['y@60', 'tick@60']);
  });

  it('restores its lanes from a snapshot', () => {
    const a = laned();
    a.add({ end: 10, name: 'x', lane: 'late' });
    a.add({ end: 50, name: 'y', lane: 'a' });
    a.observeWatermark(src('0', 1), 60, 0, [['late', 5]]);
    expect(show(a.advance(0), 'a')).toEqual(['y@50', 'tick@50', 'tick@60']);
    const copy = laned();
    copy.restore(JSON.parse(JSON.stringify(a.snapshot())), 0);
    expect(copy.laneClock('a')).toBe(60);
    expect(copy.laneClock('late')).toBe(5);
    expect(copy.heldCount()).toBe(1);
    copy.observeWatermark(src('0', 1), 60, 0, []);
    expect(show(copy.advance(0), 'late')).toEqual([
      'x@10',
      'tick@10',
      'tick@20',
      'tick@30',
      'tick@40',
      'tick@50',
      'tick@60',
    ]);
  });
});
