import type { Alert } from '@aiops/contract';
import { Rng } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { createDetectionEngine } from '../src/index.js';
import { binomial, MIN, normalWindow, SERIES, T0 } from './helpers.js';

const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet'];

/** Three models of one application, minute by minute; `tick` after every minute, like a punctuator. */
function run(
  minutes: number,
  shape: (model: string, i: number) => 'normal' | 'silent' | 'failing',
  config?: unknown,
) {
  const r = new Rng(21);
  const engine = createDetectionEngine(config);
  const alerts: Alert[] = [];
  for (let i = 0; i < minutes; i++) {
    for (const model of MODELS) {
      const kind = shape(model, i);
      if (kind === 'silent') continue;
      const w = normalWindow(r, i, { model, provider: model.startsWith('claude') ? 'anthropic' : 'openai' });
      if (kind === 'failing') {
        const errors = binomial(r, w.events, 0.97);
        alerts.push(...engine.process({ ...w, errors, errors_by_type: { server_error: errors } }));
      } else alerts.push(...engine.process(w));
    }
    alerts.push(...engine.tick(T0 + (i + 1) * MIN + 30_000));
  }
  return { engine, alerts: alerts.filter((a) => a.detector === 'outage') };
}

describe('outage detector', () => {
  it('fires at once (critical) when a model starts failing nearly every call, and resolves when it recovers', () => {
    const { alerts } = run(200, (m, i) =>
      m === 'gpt-4o-mini' && i >= 100 && i < 120 ? 'failing' : 'normal',
    );
    expect(alerts.map((a) => [a.status, a.severity, a.model, (a.notified_at - T0) / MIN])).toEqual([
      ['firing', 'critical', 'gpt-4o-mini', 102], // two failing minutes (pending_for 2 min)
      ['resolved', 'critical', 'gpt-4o-mini', 125],
    ]);
    expect(alerts[0]!.summary).toMatch(
      /^openai\/gpt-4o-mini chat \(acme\/support-bot, prod\) looks down: \d+(\.\d+)?% of its \d+ calls failed\.$/,
    );
  });

  it('enters an explicit no-data state when a model goes silent while its peers keep reporting', () => {
    const { engine, alerts } = run(200, (m, i) =>
      m === 'claude-sonnet' && i >= 100 && i < 150 ? 'silent' : 'normal',
    );
    const claude = { ...SERIES, provider: 'anthropic', model: 'claude-sonnet' };
    expect(
      alerts.map((a) => [
        a.status,
        a.model,
        a.status === 'firing' ? a.evidence.peers_active : a.evidence.resolution,
      ]),
    ).toEqual([
      ['firing', 'claude-sonnet', 'true'],
      ['resolved', 'claude-sonnet', 'recovered'],
    ]);
    // silent from minute 100 (end of the last window); the first tick past 5 minutes of silence fires at once:
    // the silence itself has lasted longer than the 2-minute pending duration
    expect((alerts[0]!.notified_at - T0) / MIN).toBeCloseTo(105.5, 5);
    expect(alerts[0]!.started_at).toBe(T0 + 100 * MIN);
    expect(alerts[0]!.summary).toContain('has sent no telemetry for');
    expect(engine.inspect(claude)!.outage.state).toBe('ok');
  });

  it('shows the no-data state while silent', () => {
    const { engine } = run(120, (m, i) => (m === 'claude-sonnet' && i >= 100 ? 'silent' : 'normal'));
    const claude = { ...SERIES, provider: 'anthropic', model: 'claude-sonnet' };
    expect(engine.inspect(claude)!.outage.state).toBe('no_data');
    expect(engine.stats().no_data).toBe(1);
  });

  it('does not alert on absence when the whole application goes quiet (require_peers)', () => {
    const { alerts, engine } = run(200, (_m, i) => (i >= 100 && i < 150 ? 'silent' : 'normal'));
    expect(alerts).toEqual([]);
    expect(engine.stats().windows).toBe(150 * 3);
  });

  it('alerts on every silent series when require_peers is off', () => {
    const { alerts } = run(130, (_m, i) => (i >= 100 ? 'silent' : 'normal'), {
      outage: { require_peers: false },
    });
    expect(
      alerts
        .filter((a) => a.status === 'firing')
        .map((a) => a.model)
        .sort(),
    ).toEqual([...MODELS].sort());
  });
});
