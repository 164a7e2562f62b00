import { Rng } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { createDetectionEngine } from '../src/index.js';
import { binomial, feed, MIN, normalWindow, T0 } from './helpers.js';

describe('guardrail detector', () => {
  function run(spike: (i: number) => number, flag = 'prompt_injection', minutes = 600, config?: unknown) {
    const r = new Rng(51);
    return feed(
      createDetectionEngine(config),
      Array.from({ length: minutes }, (_, i) => {
        const w = normalWindow(r, i);
        const flags: Record<string, number> = {};
        const pii = binomial(r, w.events, 0.01);
        if (pii) flags.pii = pii;
        const injected = binomial(r, w.events, spike(i));
        if (injected) flags[flag] = injected;
        return { ...w, guardrail_flags: flags };
      }),
    ).filter((a) => a.detector === 'guardrail');
  }

  it('stays quiet on steady flag rates', () => {
    expect(run(() => 0.002)).toEqual([]);
  });

  it('fires on a spike of prompt-injection flags and resolves after it', () => {
    const alerts = run((i) => (i >= 500 && i < 515 ? 0.08 : 0.002));
    // a warning at 5.3% of events (z 5.2), escalated a window later at 10.1% (z 8.75 ≥ 2 × z_threshold: critical),
    // one alert, resolved after the spike
    expect(alerts.map((a) => [a.status, a.severity, a.evidence.flag])).toEqual([
      ['firing', 'warning', 'prompt_injection'],
      ['firing', 'critical', 'prompt_injection'],
      ['resolved', 'critical', 'prompt_injection'],
    ]);
    expect(new Set(alerts.map((a) => a.alert_id)).size).toBe(1);
    expect(alerts[0]!.summary).toMatch(
      /^'prompt_injection' guardrail flags on .* jumped to [\d.]+% of events/,
    );
  });

  it('judges a flag never seen before against the whole history at rate 0', () => {
    const alerts = run((i) => (i >= 500 && i < 510 ? 0.1 : 0), 'jailbreak');
    // the burst is judged from its first window (the alert starts there), not after a fresh warm-up
    expect(alerts[0]).toMatchObject({
      status: 'firing',
      started_at: T0 + 500 * MIN,
      evidence: { flag: 'jailbreak' },
    });
    expect(Number(alerts[0]!.evidence.baseline_rate)).toBeLessThan(0.001);
  });

  it('watches only the configured flags when a list is given', () => {
    expect(
      run((i) => (i >= 500 && i < 510 ? 0.1 : 0), 'jailbreak', 600, { guardrail: { flags: ['pii'] } }),
    ).toEqual([]);
  });
});
