import type { Alert } from '@aiops/contract';
import { Rng } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { createDetectionEngine } from '../src/index.js';
import { MIN, normalWindow, T0 } from './helpers.js';

/**
 * A bursty series (an agent's tool calls: 3 busy minutes, then 6 quiet ones) next to a steady peer of the
 * same application, minute by minute, with a tick after every minute. `silentFrom`: the bursty series stops.
 */
function run(minutes: number, silentFrom: number, config?: unknown): Alert[] {
  const r = new Rng(5);
  const engine = createDetectionEngine(config);
  const alerts: Alert[] = [];
  for (let i = 0; i < minutes; i++) {
    alerts.push(...engine.process(normalWindow(r, i)));
    if (i < silentFrom && i % 9 < 3) {
      alerts.push(...engine.process(normalWindow(r, i, { operation: 'execute_tool', events: 20 })));
    }
    alerts.push(...engine.tick(T0 + (i + 1) * MIN + 30_000));
  }
  return alerts.filter((a) => a.detector === 'outage' && a.operation === 'execute_tool');
}

describe('no-data detection on a bursty series', () => {
  it('does not call the usual pauses of a bursty series an outage', () => {
    expect(run(400, 400)).toEqual([]);
    // Without the learned pauses (gap_factor 0), the 6-minute pauses would page.
    expect(run(400, 400, { outage: { gap_factor: 0 } }).length).toBeGreaterThan(0);
  });

  it('still pages when it stays silent for twice its longest pause', () => {
    const alerts = run(400, 300);
    expect(alerts.map((a) => a.status)).toEqual(['firing']);
    // last data at the end of minute 300 − (300 % 9) + 2 = 300; the longest pause is 6 min: paged after 12
    const lastEnd = T0 + 300 * MIN;
    const silentMin = (alerts[0]!.notified_at - lastEnd) / MIN;
    expect(silentMin).toBeGreaterThanOrEqual(12);
    expect(silentMin).toBeLessThan(14);
  });
});
