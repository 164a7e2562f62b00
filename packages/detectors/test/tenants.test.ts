import type { Alert, WindowAggregate } from '@aiops/contract';
import { Rng } from '@aiops/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDetectionEngine } from '../src/index.js';
import { MIN, normalWindow, T0 } from './helpers.js';

/**
 * The engine on per-tenant clocks, as the detector drives it: each tenant's windows and absence checks
 * (`tick(now, tenant)`) in that tenant's own event-time order, tenants interleaved in any way.
 */
type Step = { kind: 'window'; window: WindowAggregate } | { kind: 'tick'; atMs: number; tenant: string };

/** Two models of one tenant, 150 minutes, a latency incident at 100–110 and model b silent from 120. */
function tenantSteps(tenant: string, seed: number): Step[] {
  const r = new Rng(seed);
  const steps: Step[] = [];
  for (let i = 0; i < 150; i++) {
    for (const model of ['a', 'b']) {
      if (model === 'b' && i >= 120) continue;
      const spike = model === 'a' && i >= 100 && i < 110;
      const w = normalWindow(r, i, { tenant_id: tenant, model });
      steps.push({
        kind: 'window',
        window: spike
          ? { ...w, latency_p95_ms: w.latency_p95_ms! * 6, latency_p99_ms: w.latency_p99_ms! * 6 }
          : w,
      });
    }
    for (let k = 1; k <= 6; k++) steps.push({ kind: 'tick', atMs: T0 + i * MIN + k * 10_000, tenant });
  }
  return steps;
}

function apply(steps: readonly Step[]): Alert[] {
  const engine = createDetectionEngine({});
  const out: Alert[] = [];
  for (const step of steps)
    out.push(...(step.kind === 'window' ? engine.process(step.window) : engine.tick(step.atMs, step.tenant)));
  return out;
}

describe('detection on per-tenant clocks', () => {
  const a = tenantSteps('in-step', 1);
  const b = tenantSteps('lagging', 2);
  const alone = { 'in-step': apply(a), lagging: apply(b) };

  it('gives each tenant the alerts it gets alone, however two tenants with different lags interleave (property)', () => {
    expect(alone.lagging.some((x) => x.detector === 'latency' && x.status === 'firing')).toBe(true);
    expect(alone.lagging.some((x) => x.detector === 'outage' && x.status === 'firing')).toBe(true);
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: a.length + b.length, maxLength: a.length + b.length }),
        (picks) => {
          const merged: Step[] = [];
          let i = 0;
          let j = 0;
          for (const pickA of picks) {
            if ((pickA && i < a.length) || j >= b.length) merged.push(a[i++]!);
            else merged.push(b[j++]!);
          }
          const alerts = apply(merged);
          for (const tenant of ['in-step', 'lagging'] as const)
            expect(alerts.filter((x) => x.tenant_id === tenant)).toEqual(alone[tenant]);
        },
      ),
      { numRuns: 30 },
    );
  }, 60_000);

  it('does not call a lagging tenant silent when ticks run on its own clock, even far behind another', () => {
    // The in-step tenant is a whole run ahead; the lagging one's ticks follow only its own windows.
    const alerts = apply([...a, ...b.filter((s) => s.kind === 'window' || s.atMs < T0 + 119 * MIN)]);
    expect(alerts.filter((x) => x.tenant_id === 'lagging' && x.detector === 'outage')).toEqual([]);
  });

  it('learns from backfilled windows without judging them, and judges the live ones on that baseline', () => {
    const engine = createDetectionEngine({});
    const r = new Rng(3);
    const history: Alert[] = [];
    for (let i = 0; i < 90; i++) {
      const w = normalWindow(r, i, { tenant_id: 'new' });
      // An incident in the history: learned from, never paged.
      const spiked = i >= 40 && i < 50 ? { ...w, latency_p95_ms: w.latency_p95_ms! * 6 } : w;
      history.push(...engine.process(spiked, true));
    }
    expect(history).toEqual([]);
    expect(engine.inspect({ ...normalWindow(r, 0), tenant_id: 'new' })!.warm).toBe(true);
    const live: Alert[] = [];
    for (let i = 90; i < 110; i++) {
      const w = normalWindow(r, i, { tenant_id: 'new' });
      live.push(...engine.process(i >= 100 ? { ...w, latency_p95_ms: w.latency_p95_ms! * 6 } : w));
    }
    expect(live.filter((x) => x.detector === 'latency' && x.status === 'firing').length).toBe(1);
  });
});
