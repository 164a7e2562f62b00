import type { WindowAggregate } from '@aiops/contract';
import { Rng } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import {
  type BacktestAlert,
  backtestAlertOf,
  diffBacktest,
  formatBacktest,
  replayWindows,
} from '../src/index.js';
import { MIN, normalWindow, T0 } from './helpers.js';

/** Two tenants, two models each, 150 minutes: a latency incident at 100–110 (acme/a), globex/b silent from 120. */
function history(): WindowAggregate[] {
  const out: WindowAggregate[] = [];
  for (const [tenant, seed] of [
    ['acme', 1],
    ['globex', 2],
  ] as const) {
    const r = new Rng(seed);
    for (let i = 0; i < 150; i++) {
      for (const model of ['a', 'b']) {
        if (tenant === 'globex' && model === 'b' && i >= 120) continue;
        const w = normalWindow(r, i, { tenant_id: tenant, model });
        const spike = tenant === 'acme' && model === 'a' && i >= 100 && i < 110;
        out.push(
          spike ? { ...w, latency_p95_ms: w.latency_p95_ms! * 6, latency_p99_ms: w.latency_p99_ms! * 6 } : w,
        );
      }
    }
  }
  return out;
}

const untilMs = T0 + 150 * MIN;

describe('replayWindows', () => {
  it('fires and resolves the incidents, and the order windows are read in changes nothing', () => {
    const windows = history();
    const { alerts, failed } = replayWindows({}, windows, { tickStepMs: 10_000, untilMs });
    expect(failed).toBe(0);
    const latency = alerts.filter((a) => a.detector === 'latency');
    expect(latency.some((a) => a.status === 'firing' && a.tenant_id === 'acme')).toBe(true);
    expect(latency.some((a) => a.status === 'resolved')).toBe(true);
    // Absence is judged on the tick grid: globex/b's silence is an outage (no data).
    expect(alerts.some((a) => a.detector === 'outage' && a.tenant_id === 'globex')).toBe(true);

    const shuffled = [...windows].reverse();
    const again = replayWindows({}, shuffled, { tickStepMs: 10_000, untilMs });
    expect(again.alerts).toEqual(alerts);
  });

  it('one engine per windows partition: keyed by tenant, the split changes nothing', () => {
    const windows = history();
    const whole = replayWindows({}, windows, { tickStepMs: 10_000, untilMs }).alerts;
    const split = replayWindows({}, windows, {
      tickStepMs: 10_000,
      untilMs,
      partitionOf: (w) => (w.tenant_id === 'acme' ? 1 : 0),
    }).alerts;
    const key = (a: { alert_id: string; status: string; notified_at: number }) =>
      `${a.alert_id}/${a.status}/${a.notified_at}`;
    expect(split.map(key).sort()).toEqual(whole.map(key).sort());
  });

  it('candidate rules change what fires; the diff names it per detector', () => {
    const windows = history();
    const live = replayWindows({}, windows, { tickStepMs: 10_000, untilMs }).alerts.map(backtestAlertOf);
    const quiet = replayWindows({ latency: { enabled: false } }, windows, {
      tickStepMs: 10_000,
      untilMs,
    }).alerts.map(backtestAlertOf);
    const report = diffBacktest(live, quiet, {
      fromMs: T0,
      toMs: untilMs,
      windows: windows.length,
      failed: 0,
    });
    expect(report.totals.added).toBe(0);
    expect(report.detectors.latency!.removed.length).toBeGreaterThan(0);
    expect(report.detectors.latency!.unchanged).toEqual([]);
    expect(report.detectors.outage!.removed).toEqual([]);
    expect(report.totals.removed).toBe(report.detectors.latency!.removed.length);
    const text = formatBacktest(report);
    expect(text[1]).toBe(
      `candidate vs current: +0 added, -${report.totals.removed} removed, ${report.totals.unchanged} unchanged`,
    );
    expect(text.some((l) => l.startsWith('latency: +0 -'))).toBe(true);
  });
});

describe('diffBacktest', () => {
  const alert = (
    id: string,
    status: 'firing' | 'resolved',
    atS: number,
    detector = 'latency',
  ): BacktestAlert => ({
    alert_id: id,
    status,
    detector,
    severity: 'warning',
    tenant_id: 'acme',
    summary: `${id} ${status}`,
    at_s: atS,
  });

  it('compares (alert id, status) pairs in the period only, one per pair as the alerts table keeps them', () => {
    const current = [
      alert('a', 'firing', 100),
      alert('a', 'firing', 100),
      alert('b', 'firing', 50),
      alert('c', 'firing', 150),
    ];
    const candidate = [
      alert('a', 'firing', 100),
      alert('a', 'resolved', 160),
      alert('d', 'firing', 120, 'errors'),
    ];
    const report = diffBacktest(current, candidate, { fromMs: 90_000, toMs: 200_000, windows: 1, failed: 0 });
    expect(report.totals).toEqual({ added: 2, removed: 1, unchanged: 1 });
    expect(Object.keys(report.detectors)).toEqual(['errors', 'latency']);
    expect(report.detectors.latency!.added.map((a) => `${a.alert_id}/${a.status}`)).toEqual(['a/resolved']);
    expect(report.detectors.latency!.removed.map((a) => a.alert_id)).toEqual(['c']);
  });

  it('leaves out the alerts other services publish to the table: a replay of windows cannot reproduce them', () => {
    const current = [alert('a', 'firing', 100), alert('t', 'firing', 110, 'agent_runaway')];
    const candidate = [alert('a', 'firing', 100)];
    const report = diffBacktest(current, candidate, { fromMs: 90_000, toMs: 200_000, windows: 1, failed: 0 });
    expect(report.totals).toEqual({ added: 0, removed: 0, unchanged: 1 });
    expect(Object.keys(report.detectors)).toEqual(['latency']);
  });
});
