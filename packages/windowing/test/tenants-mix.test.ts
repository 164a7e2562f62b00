import type { TelemetryEvent } from '@aiops/contract';
import { expect, it } from 'vitest';
import { Harness, makeEvent } from './helpers.js';

const MINUTE = 60_000;
/**
 * The integration test's traffic (test/integration/tenants.test.ts) through one events partition fed by
 * three raw partitions a validator drains in random chunks: a live tenant, one 3 minutes late, one that
 * backfills 100 minutes at once, one that stops. No event is late.
 */
it('a mix of live, lagging, backfilling and stopping tenants through three raw partitions drained in random chunks loses nothing', () => {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const base = 100 * 60 * MINUTE;
  const at = (m: number) => base + m * MINUTE;
  const sent: Array<{ arrival: number; event: TelemetryEvent }> = [];
  const traffic = (tenant: string, from: number, to: number, arrivalOf: (t: number) => number) => {
    for (let t = from; t < to; t += 2000)
      for (const model of ['a', 'b'])
        sent.push({
          arrival: arrivalOf(t),
          event: makeEvent({ tenant_id: tenant, model, timestamp: t + Math.floor(random() * 1000) }),
        });
  };
  traffic('live', at(0), at(58), (t) => t);
  traffic('lagging', at(-3), at(55), (t) => t + 3 * MINUTE);
  traffic('backfill', at(-100), at(20), () => at(20));
  traffic('backfill', at(20), at(58), (t) => t);
  traffic('stopping', at(-15), at(30), (t) => t);
  const ordered = sent
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.arrival - b.s.arrival || a.i - b.i)
    .map((x) => x.s.event);
  const queues: TelemetryEvent[][] = [[], [], []];
  for (const e of ordered) queues[Math.floor(random() * 3)]!.push(e);
  const h = new Harness({
    windowSizesMs: [60_000],
    maxOutOfOrdernessMs: 5_000,
    allowedLatenessMs: 60_000,
    idleTimeoutMs: 30_000,
  });
  const cursors = [0, 0, 0];
  let wall = 0;
  while (cursors.some((c, i) => c < queues[i]!.length)) {
    const q = Math.floor(random() * 3);
    const n = Math.floor(random() * 3000);
    for (let k = 0; k < n && cursors[q]! < queues[q]!.length; k++) {
      const e = queues[q]![cursors[q]!++]!;
      if (e.model !== 'a') continue;
      h.feed(e, { source: `${q}/3`, wallMs: wall });
    }
    wall += 200;
  }
  h.context.advanceWallTimeMs(3_600_000);
  const late = h.late();
  const byTenant: Record<string, number> = {};
  for (const e of late) byTenant[e.tenant_id] = (byTenant[e.tenant_id] ?? 0) + 1;
  console.log(
    JSON.stringify(byTenant),
    late.slice(0, 3).map((e) => [e.tenant_id, (e.timestamp - base) / MINUTE]),
  );
  expect(late.length).toBe(0);
});
