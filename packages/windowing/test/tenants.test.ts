import { BEHIND_MS_HEADER, type TelemetryEvent, type WindowAggregate } from '@aiops/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Checkpoint,
  committedPosition,
  TenantClocks,
  type WindowOperatorOptions,
} from '../src/index.js';
import { dedupEmissions, eventDetails, eventFrom, finalAggregates, Harness } from './helpers.js';

const MINUTE = 60_000;
const OPTIONS: WindowOperatorOptions = {
  windowSizesMs: [10_000, 30_000],
  maxOutOfOrdernessMs: 2_000,
  allowedLatenessMs: 15_000,
  idleTimeoutMs: 30_000,
};

interface Step {
  event: TelemetryEvent;
  /** Arrival time: the order in which the steps reach the partition. */
  arrival: number;
}

/**
 * One tenant's stream: event times mostly increasing with disorder within the out-of-orderness bound,
 * arriving `lagMs` after they happened (a tenant that is behind, or backfilling when the lag is large).
 */
const tenantStream = (tenant: 't1' | 't2', lagMs: number) =>
  fc
    .array(fc.tuple(eventDetails, fc.integer({ min: 0, max: 4_000 }), fc.integer({ min: 0, max: 1_900 })), {
      minLength: 1,
      maxLength: 80,
    })
    .map((steps) => {
      let t = 1_000_000;
      return steps.map(([details, gap, back]): Step => {
        t += gap;
        // Series 0 and 1 belong to t1, series 2 to t2 (see helpers).
        const event = eventFrom({ ...details, series: tenant === 't1' ? details.series % 2 : 2 }, t - back);
        return { event, arrival: t + lagMs };
      });
    });

/** Merges two streams by arrival time (ties: first stream first), as one partition would receive them. */
function interleave(a: readonly Step[], b: readonly Step[]): TelemetryEvent[] {
  return [...a, ...b]
    .map((step, index) => ({ step, index }))
    .sort((x, y) => x.step.arrival - y.step.arrival || x.index - y.index)
    .map(({ step }) => step.event);
}

function run(events: readonly TelemetryEvent[], options: WindowOperatorOptions = OPTIONS): Harness {
  const h = new Harness(options);
  for (const event of events) h.feed(event);
  h.context.advanceWallTimeMs(3_600_000);
  return h;
}

function ofTenant(aggregates: readonly WindowAggregate[], tenant: string): WindowAggregate[] {
  return aggregates.filter((a) => a.tenant_id === tenant);
}

describe('per-tenant clocks', () => {
  it('two tenants with different lags, interleaved in one partition, give each tenant the windows it gets alone (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 * 3_600_000 }),
        fc.integer({ min: 0, max: 10 * MINUTE }),
        fc.boolean(),
        (lagA, lagB, swap) => {
          return fc.assert(
            fc.property(tenantStream('t1', lagA), tenantStream('t2', lagB), (a, b) => {
              const mixed = run(swap ? interleave(b, a) : interleave(a, b));
              expect(mixed.late()).toEqual([]);
              for (const [tenant, alone] of [
                ['t1', a],
                ['t2', b],
              ] as const) {
                const single = run(alone.map((s) => s.event));
                expect(finalAggregates(ofTenant(mixed.aggregates(), tenant))).toEqual(
                  finalAggregates(single.aggregates()),
                );
              }
              // Every event counted in exactly one window of each size.
              const counted = finalAggregates(mixed.aggregates());
              for (const size of [10_000, 30_000]) {
                let events = 0;
                for (const w of counted.values())
                  if (w.window_end - w.window_start === size) events += w.events;
                expect(events).toBe(a.length + b.length);
              }
            }),
            { numRuns: 5 },
          );
        },
      ),
      { numRuns: 20 },
    );
  }, 60_000);

  it('a sparse tenant is not late because other tenants moved its source on between two of its records', () => {
    // Found by the property above: t2 sends every few seconds, t1 in between. Its source's newest event
    // time jumps 2.1 s with t1's records while t2 is silent; its next record, 112 ms behind its own newest
    // (well inside the 2 s bound), was counted late, as it is not when t2's records come alone.
    const t1 = (t: number) => eventFrom(detailsOf(0), t);
    const t2 = (t: number) => eventFrom(detailsOf(2), t);
    const mixed = run([
      t1(999_242),
      t1(1_001_199),
      t2(998_560),
      t2(1_000_017),
      t1(1_003_154),
      t1(1_003_344),
      t2(999_905),
    ]);
    const alone = run([t2(998_560), t2(1_000_017), t2(999_905)]);
    expect(mixed.late()).toEqual([]);
    expect(finalAggregates(ofTenant(mixed.aggregates(), 't2'))).toEqual(finalAggregates(alone.aggregates()));
    for (const w of ofTenant(mixed.aggregates(), 't2')) expect(w.late_events).toBe(0);
  });

  it('a tenant backfilling two hours behind a live one loses nothing and holds the live one back not at all', () => {
    const live: Step[] = [];
    const backfill: Step[] = [];
    const now = 10 * 3_600_000;
    for (let i = 0; i < 240; i++) {
      const t = now + i * 1_000;
      live.push({ event: eventFrom(detailsOf(0), t), arrival: t });
      // Two hours of history, 30 events a second of arrival time, starting with the live traffic.
      for (let k = 0; k < 30; k++) {
        const at = now - 2 * 3_600_000 + (i * 30 + k) * 1_000;
        backfill.push({ event: eventFrom(detailsOf(2), at), arrival: t });
      }
    }
    const h = run(interleave(live, backfill));
    expect(h.late()).toEqual([]);
    const windows = finalAggregates(h.aggregates());
    let backfilled = 0;
    for (const w of windows.values())
      if (w.tenant_id === 't2' && w.window_end - w.window_start === 10_000) backfilled += w.events;
    expect(backfilled).toBe(backfill.length);
    // The live tenant's windows closed as its own time passed, not after the backfill caught up.
    const h2 = new Harness(OPTIONS);
    const order = interleave(live, backfill);
    let liveWindowsBeforeEnd = 0;
    for (const event of order.slice(0, Math.floor(order.length / 2))) h2.feed(event);
    for (const a of h2.aggregates()) if (a.tenant_id === 't1') liveWindowsBeforeEnd++;
    expect(liveWindowsBeforeEnd).toBeGreaterThan(0);
  });

  it('a backfill drained raw partition by raw partition (a validator catching up) loses nothing', () => {
    // Two raw partitions feed the partition; each carries the live tenant and half the backfill. The
    // validator sends raw partition 0's whole backlog (history, then live) before raw partition 1's.
    const now = 10 * 3_600_000;
    const h = new Harness(OPTIONS);
    const sent: Array<[TelemetryEvent, string]> = [];
    for (const source of ['0/2', '1/2']) {
      for (let i = 0; i < 600; i++) sent.push([eventFrom(detailsOf(0), now - 600_000 + i * 1_000), source]);
      for (let i = 0; i < 2_000; i++)
        sent.push([eventFrom(detailsOf(2), now - 2 * 3_600_000 + i * 3_600), source]);
      for (let i = 0; i < 300; i++) sent.push([eventFrom(detailsOf(0), now + i * 1_000), source]);
    }
    for (const [event, source] of sent) h.feed(event, { source, wallMs: 0 });
    h.context.advanceWallTimeMs(3_600_000);
    expect(h.late()).toEqual([]);
    let counted = 0;
    for (const w of finalAggregates(h.aggregates()).values())
      if (w.window_end - w.window_start === 10_000) counted += w.events;
    expect(counted).toBe(sent.length);
  });

  it('a window says how far behind its records came the same way however the raw partitions interleave', () => {
    // The detector pages on a window only if it is not history (aiops.behind-ms under its live horizon).
    // Measured on the tenant's clocks when the window closed, that depended on the interleaving: a backfill
    // drained raw partition by raw partition closed its windows while the first raw partition had gone live,
    // and all of them read "5 minutes behind" instead of hours — paged in one run, learned in another.
    const now = 10 * 3_600_000;
    const perSource = (source: string): Array<[TelemetryEvent, string]> => {
      const out: Array<[TelemetryEvent, string]> = [];
      for (let i = 0; i < 600; i++) out.push([eventFrom(detailsOf(0), now - 600_000 + i * 1_000), source]);
      for (let i = 0; i < 1_000; i++)
        out.push([eventFrom(detailsOf(2), now - 2 * 3_600_000 + i * 7_000), source]);
      for (let i = 0; i < 300; i++) out.push([eventFrom(detailsOf(0), now + i * 1_000), source]);
      return out;
    };
    const [a, b] = [perSource('0/2'), perSource('1/2')];
    const oneAfterTheOther = [...a, ...b];
    const alternating = a.flatMap((sent, i) => [sent, b[i]!]);
    const behindOf = (sent: Array<[TelemetryEvent, string]>) => {
      const h = new Harness(OPTIONS);
      for (const [event, source] of sent) h.feed(event, { source, wallMs: 0 });
      h.context.advanceWallTimeMs(3_600_000);
      const out = new Map<string, { tenant: string; start: number; behind: number }>();
      for (const r of h.context.forwardedTo()) {
        const w = r.value as WindowAggregate;
        const behind = Number(r.headers[BEHIND_MS_HEADER]);
        out.set(`${r.key} ${w.window_start}+${w.window_end - w.window_start} r${w.revision}`, {
          tenant: w.tenant_id,
          start: w.window_start,
          behind,
        });
      }
      return out;
    };
    const first = behindOf(oneAfterTheOther);
    expect(behindOf(alternating)).toEqual(first);
    const history = [...first.values()].filter((w) => w.tenant === 't2' && w.start < now - 3_600_000);
    expect(history.length).toBeGreaterThan(100);
    // The backfill's windows before its last hour are over an hour behind, whichever order.
    for (const w of history) expect(w.behind).toBeGreaterThan(3_600_000);
  });

  it('a raw partition left behind by the wall clock (idle) makes none of a tenant’s events late', () => {
    // Raw partition 1 falls silent for 40 s of wall time while 0 runs 2 minutes ahead; the partition's
    // watermark stops waiting for 1, but a tenant it carries keeps waiting for it.
    const h = new Harness(OPTIONS);
    const start = 1_000_000;
    let wall = 0;
    for (let t = start; t < start + 20_000; t += 1_000) {
      h.feed(eventFrom(detailsOf(2), t), { source: '0/2', wallMs: wall });
      h.feed(eventFrom(detailsOf(2), t), { source: '1/2', wallMs: wall });
      wall += 100;
    }
    for (let t = start + 20_000; t < start + 140_000; t += 1_000) {
      h.feed(eventFrom(detailsOf(2), t), { source: '0/2', wallMs: wall });
      wall += 400;
    }
    expect(h.operator.watermark(0)).toBeGreaterThan(start + 60_000);
    for (let t = start + 20_000; t < start + 140_000; t += 1_000)
      h.feed(eventFrom(detailsOf(2), t), { source: '1/2', wallMs: wall });
    h.context.advanceWallTimeMs(3_600_000);
    expect(h.late()).toEqual([]);
  });

  it('a tenant that stops closes its last windows once the partition moved the idle timeout past it', () => {
    const h = new Harness(OPTIONS);
    h.feed(eventFrom(detailsOf(2), 1_000_000));
    for (let t = 1_000_000; t <= 1_000_000 + 60_000; t += 1_000) h.feed(eventFrom(detailsOf(0), t));
    const stopped = h.aggregates().filter((a) => a.tenant_id === 't2');
    expect(stopped.map((a) => a.window_end - a.window_start).sort()).toEqual([10_000, 30_000]);
    expect(stopped.every((a) => a.events === 1)).toBe(true);
  });

  it('restarted at any point from its checkpoints, gives the uninterrupted run with lagging tenants (property)', () => {
    fc.assert(
      fc.property(
        tenantStream('t1', 0),
        tenantStream('t2', 5 * MINUTE),
        fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        (a, b, cuts) => {
          const events = interleave(a, b);
          const whole = run(events);
          const expected = dedupEmissions(whole.aggregates());
          const kills = [...cuts.map((c) => c % (events.length + 1)), events.length].sort((x, y) => x - y);
          let committed: Checkpoint | null = null;
          const emitted: WindowAggregate[] = [];
          for (const [i, kill] of kills.entries()) {
            const h = new Harness(OPTIONS);
            if (committed !== null) h.operator.resume(0, committed.position ?? committed.watermark);
            const from = committed?.offset ?? 0;
            for (let offset = from; offset < kill; offset++) h.feed(events[offset]!, { offset });
            if (i === kills.length - 1) h.context.advanceWallTimeMs(3_600_000);
            emitted.push(...h.aggregates());
            committed = h.operator.checkpoint(0) ?? committed;
          }
          expect(dedupEmissions(emitted)).toEqual(expected);
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);

  it('commits under 200 bytes per tenant spread over 6 raw partitions, and leaves out what cannot fit', () => {
    const clocks = new TenantClocks({ maxOutOfOrdernessMs: 5_000, idleTimeoutMs: 30_000 });
    const observeTenants = (from: number, to: number) => {
      for (let i = from; i < to; i++)
        for (let s = 0; s < 6; s++)
          clocks.observe(`tenant-${i}`, 1_700_000_000_000 + i * 1_000 - s, 1_700_000_000_000, {
            id: String(s),
            count: 6,
          });
    };
    observeTenants(0, 20);
    const position = { watermarkMs: 0, sources: [], expectedSources: 6, unseenGivenUp: false };
    const tenants = clocks.committablePosition();
    expect(tenants).toHaveLength(20);
    const committed = JSON.stringify(committedPosition({ ...position, tenants: tenants! })).length;
    expect((committed - JSON.stringify(committedPosition(position)).length) / 20).toBeLessThan(200);
    // A window copies the clocks when it opens: with hundreds of tenants that would be quadratic, for
    // clocks the 4 KB commit metadata could not hold anyway.
    observeTenants(20, 200);
    expect(clocks.committablePosition()).toBeUndefined();
    expect(clocks.position()).toHaveLength(200);
  });
});

function detailsOf(series: number) {
  return {
    series,
    error: null,
    errorWithoutType: false,
    duration: 100,
    ttft: null,
    inputTokens: 10,
    outputTokens: 5,
    cost: 1,
    priced: false,
    scores: {},
    feedback: null,
    flags: [],
  } satisfies Parameters<typeof eventFrom>[0];
}
