import { describe, expect, it } from 'vitest';
import { createDetectionEngine } from '../src/index.js';
import { binomial, feed, MIN, normalWindow, rng, T0 } from './helpers.js';

describe('guardrail detector', () => {
  function run(spike: (i: number) => number, flag = 'prompt_injection', minutes = 600, config?: unknown) {
    const r = rng(51);
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
    expect(alerts.map((a) => [a.status, a.evidence.flag])).toEqual([
      ['firing', 'prompt_injection'],
      ['resolved', 'prompt_injection'],
    ]);
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
