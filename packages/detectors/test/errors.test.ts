import { Rng } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { createDetectionEngine } from '../src/index.js';
import { binomial, DAY, feed, MIN, normalWindow, T0 } from './helpers.js';

describe('error-rate detector', () => {
  it('stays quiet on three days of 1% errors with a daily traffic cycle', () => {
    const r = new Rng(11);
    const alerts = feed(
      createDetectionEngine(),
      Array.from({ length: (3 * DAY) / MIN }, (_, i) => normalWindow(r, i)),
    );
    expect(alerts.filter((a) => a.detector === 'errors')).toEqual([]);
  });

  it('fires on an error-ratio jump and names the top error types', () => {
    const r = new Rng(12);
    const at = 600;
    const windows = Array.from({ length: 700 }, (_, i) => {
      const w = normalWindow(r, i);
      if (i < at || i >= at + 20) return w;
      const errors = binomial(r, w.events, 0.12);
      return { ...w, errors, errors_by_type: { rate_limited: errors - 2, timeout: 2 } };
    });
    const alerts = feed(createDetectionEngine(), windows).filter((a) => a.detector === 'errors');
    expect(alerts[0]).toMatchObject({ status: 'firing', started_at: T0 + at * MIN });
    expect(alerts[0]!.evidence.top_error_types).toMatch(/^rate_limited:\d+,timeout:2$/);
    expect(alerts[0]!.summary).toMatch(
      /^Error ratio of .* is \d+(\.\d+)?% \(\d+ of \d+ events\), against a baseline of 1(\.\d+)?%\.$/,
    );
    expect(alerts.at(-1)!.status).toBe('resolved');
  });

  describe('multi-window multi-burn-rate SLO alerts (99% over 30 days)', () => {
    const config = { errors: { slo: { objective: 0.99 } }, lifecycle: { pending_for_ms: 0 } };

    function run(errorRatio: (i: number) => number, minutes: number) {
      const r = new Rng(13);
      const windows = Array.from({ length: minutes }, (_, i) => {
        const w = normalWindow(r, i);
        const errors = binomial(r, w.events, errorRatio(i));
        return { ...w, errors, errors_by_type: { upstream: errors } };
      });
      return feed(createDetectionEngine(config), windows).filter(
        (a) => a.detector === 'errors' && a.evidence.objective,
      );
    }

    it('pages when 2% of the monthly budget burns within the hour (14.4× over 1h and 5m)', () => {
      // 0.3% errors for a day, then 20% (burn 20×)
      const alerts = run((i) => (i < 1440 ? 0.003 : 0.2), 1440 + 90);
      const page = alerts.find((a) => a.evidence.long_window === '1h')!;
      expect(page).toMatchObject({ status: 'firing', severity: 'critical', threshold: 14.4 });
      // the 1h window must itself reach 14.4×: 0.003·(60−k) + 0.2·k ≥ 0.144·60 → k ≥ 43 minutes in, give or
      // take one 5-minute bucket of the rolling sum (the horizon covers 55 to 60 minutes)
      const minutesIn = (page.window_end - (T0 + 1440 * MIN)) / MIN;
      expect(minutesIn).toBeGreaterThanOrEqual(38);
      expect(minutesIn).toBeLessThanOrEqual(48);
      expect(page.summary).toContain('burning its 99% SLO error budget');
    });

    it('opens a ticket on a slow burn (1× over 3 days and 6h) and never pages for it', () => {
      // 1.5% errors: burn 1.5× — slow, but the budget will not last the month
      const alerts = run(() => 0.015, 4 * 1440);
      // one ticket, first judged once 6h (its short window) of history exist, repeated every 4h while it lasts
      expect(new Set(alerts.map((a) => `${a.evidence.long_window} ${a.severity} ${a.status}`))).toEqual(
        new Set(['3d warning firing']),
      );
      expect(new Set(alerts.map((a) => a.alert_id)).size).toBe(1);
      const minutes = alerts.map((a) => (a.notified_at - T0) / MIN);
      expect(minutes[0]).toBe(360);
      expect(minutes.slice(1).map((m, i) => m - minutes[i]!)).toEqual(
        new Array(minutes.length - 1).fill(240),
      );
    });

    it('stays quiet while errors stay within budget (0.5%)', () => {
      expect(run(() => 0.005, 4 * 1440)).toEqual([]);
    });
  });
});
