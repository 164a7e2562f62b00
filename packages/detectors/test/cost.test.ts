import type { Alert } from '@aiops/contract';
import { Rng } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { createDetectionEngine } from '../src/index.js';
import { DAY, feed, HOUR, MIN, normalWindow, T0 } from './helpers.js';

const MODELS = ['gpt-4o', 'gpt-4o-mini'];

function run(minutes: number, edit: (model: string, i: number, cost: number) => number, config?: unknown) {
  const r = new Rng(31);
  const engine = createDetectionEngine(config);
  const alerts: Alert[] = [];
  for (let i = 0; i < minutes; i++) {
    for (const model of MODELS) {
      const w = normalWindow(r, i, { model });
      alerts.push(...engine.process({ ...w, cost_usd: edit(model, i, w.cost_usd) }));
    }
  }
  return alerts.filter((a) => a.detector === 'cost');
}

describe('cost detector', () => {
  it('stays quiet on two days of normal spend', () => {
    expect(run(2 * 1440, (_m, _i, c) => c)).toEqual([]);
  });

  it('fires on a spend-rate spike of one tenant/application, as a tenant/application alert', () => {
    const at = 1440 + 600;
    const alerts = run(at + 60, (m, i, c) => (m === 'gpt-4o' && i >= at && i < at + 20 ? c * 8 : c));
    const spend = alerts.filter((a) => a.evidence.spend_usd !== undefined || a.summary.includes('spent $'));
    expect(spend[0]).toMatchObject({
      status: 'firing',
      tenant_id: 'acme',
      application: 'support-bot',
      model: null,
      provider: null,
      started_at: T0 + at * MIN,
    });
    expect(spend[0]!.summary).toMatch(
      /^acme\/support-bot spent \$[\d.]+ in one window, [\d.]+× its usual \$[\d.]+\.$/,
    );
    expect(spend.at(-1)!.status).toBe('resolved');
  });

  it('projects budget exhaustion before the end of the day, then reports the budget spent', () => {
    // about $0.55/min across both models (with a daily cycle): a $300 daily budget runs out around 09:00 UTC
    const alerts = run(1440, (_m, _i, c) => c, { cost: { budget: { daily_usd: 300 } } });
    const budget = alerts.filter(
      (a) => a.fingerprint === alerts.find((x) => x.evidence.budget_usd)?.fingerprint,
    );
    const warning = budget[0]!;
    const critical = budget.find((a) => a.severity === 'critical')!;
    expect([warning.status, warning.severity]).toEqual(['firing', 'warning']);
    expect(new Set(budget.map((a) => a.alert_id)).size).toBe(1); // one alert per budget period, escalated
    // warned as soon as 5% of the day had passed (min_elapsed_fraction), hours before the money ran out
    expect(warning.notified_at - T0).toBeLessThanOrEqual(0.05 * DAY + 2 * MIN);
    expect(Date.parse(warning.evidence.exhausted_at!)).toBeLessThan(T0 + DAY);
    expect(warning.summary).toMatch(/will exhaust its \$300 daily budget around .*, before the period ends/);
    expect(critical.summary).toMatch(/has spent \$[\d.]+ of its \$300 daily budget\./);
    const spentAt = critical.notified_at - T0;
    expect(spentAt).toBeGreaterThan(8 * HOUR);
    expect(spentAt).toBeLessThan(10 * HOUR);
    // then repeated every 4 hours while over budget, never resolved within the day
    expect(budget.every((a) => a.status === 'firing')).toBe(true);
  });

  it('flags token runaway: output tokens per call far above baseline', () => {
    const r = new Rng(32);
    const engine = createDetectionEngine();
    const windows = Array.from({ length: 400 }, (_, i) => {
      const w = normalWindow(r, i);
      return i >= 300 && i < 310 ? { ...w, output_tokens: w.output_tokens * 6 } : w;
    });
    const alerts = feed(engine, windows).filter((a) => a.detector === 'cost');
    // critical from its first window (≥ 2 × token_runaway_ratio while pending; notified at 5.9×), resolved
    // after the runaway
    expect(alerts.map((a) => [a.status, a.severity, a.model])).toEqual([
      ['firing', 'critical', 'gpt-4o'],
      ['resolved', 'critical', 'gpt-4o'],
    ]);
    expect(Number(alerts[0]!.evidence.ratio)).toBeGreaterThan(4);
    expect(alerts[0]!.summary).toMatch(
      /is producing [\d.]+ output tokens per call, [\d.]+× its usual [\d.]+\.$/,
    );
  });
});
