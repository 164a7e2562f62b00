import { Rng } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { createDetectionEngine } from '../src/index.js';
import { DAY, feed, MIN, normalWindow, T0, timeline } from './helpers.js';

const WEEK_OF_MINUTES = (7 * DAY) / MIN;

describe('latency detector', () => {
  it('stays quiet on a week of seasonal noise (three seeds)', { timeout: 60_000 }, () => {
    for (const seed of [1, 2, 3]) {
      const r = new Rng(seed);
      const engine = createDetectionEngine();
      const alerts = feed(
        engine,
        Array.from({ length: WEEK_OF_MINUTES }, (_, i) => normalWindow(r, i)),
      );
      expect(alerts.filter((a) => a.detector === 'latency')).toEqual([]);
    }
  });

  it('fires on a sustained p95 regression, with evidence, and resolves after recovery', () => {
    const r = new Rng(4);
    const engine = createDetectionEngine();
    const start = 2 * 24 * 60; // day 3
    const windows = Array.from({ length: 3 * 24 * 60 }, (_, i) => {
      const w = normalWindow(r, i);
      if (i >= start && i < start + 30) {
        return { ...w, latency_p95_ms: w.latency_p95_ms! * 3, latency_p99_ms: w.latency_p99_ms! * 3 };
      }
      return w;
    });
    const alerts = feed(engine, windows).filter((a) => a.detector === 'latency');
    const p95 = alerts.filter((a) => a.evidence.metric === 'p95' || a.summary.startsWith('P95 latency'));
    // pending for 2 minutes: fires at the end of the second breaching window; resolves after five clean minutes
    expect([p95[0]!.status, (p95[0]!.notified_at - T0) / MIN]).toEqual(['firing', start + 2]);
    expect([p95.at(-1)!.status, (p95.at(-1)!.notified_at - T0) / MIN]).toEqual(['resolved', start + 30 + 5]);
    // the first notification is already critical (the first window is 3.3× its baseline, ≥ critical_ratio):
    // nothing in between, all one alert
    expect(p95[0]!.severity).toBe('critical');
    expect(p95.slice(1, -1)).toEqual([]);
    expect(new Set(p95.map((a) => a.alert_id)).size).toBe(1);
    const firing = p95[0]!;
    expect(firing.started_at).toBe(T0 + start * MIN);
    expect(firing.observed / firing.expected).toBeGreaterThan(2.5);
    expect(firing.summary).toMatch(
      /^P95 latency of openai\/gpt-4o chat \(acme\/support-bot, prod\) is .* ms, .*× its baseline of .* ms\.$/,
    );
    expect(firing.evidence.z).toBeDefined();
    expect(firing.score).toBeGreaterThan(0.5);
    // p99 too, as its own alert (own fingerprint)
    const fingerprints = new Set(alerts.map((a) => a.fingerprint));
    expect(fingerprints.size).toBe(2);
  });

  it('suppresses learned-baseline alerts during warm-up and says so', () => {
    const r = new Rng(5);
    const engine = createDetectionEngine({ baseline: { warmup_windows: 30 } });
    const windows = Array.from({ length: 40 }, (_, i) => {
      const w = normalWindow(r, i);
      return i >= 10 && i < 25 ? { ...w, latency_p95_ms: w.latency_p95_ms! * 5 } : w;
    });
    expect(timeline(feed(engine, windows.slice(0, 25)), 'latency')).toEqual([]);
    const state = engine.inspect(windows[0]!)!;
    expect(state.warm).toBe(false);
    expect(state.latency.p95).toEqual({ windows: 24, warm: false });
    expect(engine.stats().warming_up).toBe(1);
  });

  it('alerts on a static SLO threshold from the first window, baseline or not', () => {
    const r = new Rng(6);
    const engine = createDetectionEngine({
      latency: { slo: { p95_ms: 1000 } },
      lifecycle: { pending_for_ms: 0 },
    });
    const alerts = feed(engine, [normalWindow(r, 0, { latency_p95_ms: 1500 })]);
    expect(alerts.map((a) => [a.detector, a.status, a.severity, a.threshold])).toEqual([
      ['latency', 'firing', 'critical', 1000],
    ]);
    expect(alerts[0]!.summary).toContain('above its SLO of 1000 ms');
  });

  it('learns a daily cycle: the evening peak stops looking anomalous once two days are in', {
    timeout: 60_000,
  }, () => {
    const r = new Rng(7);
    // a strong cycle: p95 doubles every evening (18:00–22:00 UTC) for a week
    const engine = createDetectionEngine({ lifecycle: { pending_for_ms: 0 } });
    const alerts = feed(
      engine,
      Array.from({ length: WEEK_OF_MINUTES }, (_, i) => {
        const w = normalWindow(r, i);
        const hour = ((w.window_start - T0) % DAY) / 3_600_000;
        return hour >= 18 && hour < 22 ? { ...w, latency_p95_ms: w.latency_p95_ms! * 2.2 } : w;
      }),
    ).filter((a) => a.detector === 'latency' && a.status === 'firing');
    // the first two evenings are anomalous at their onset (18:00, z ≥ 7)…
    const early = alerts.filter((a) => a.window_start < T0 + 3 * DAY);
    expect(early.map((a) => (a.window_start - T0) / 3_600_000)).toEqual([18, 42]);
    expect(early.every((a) => Number(a.evidence.z) >= 7)).toBe(true);
    // …the later ones not: no onset alert, and of 960 evening windows at most one single noisy window at the
    // edge of the threshold (z < 4.5; with the shared PRNG, 5 of seeds 1–8 show one such window with the
    // cycle and 1 of 8 without it, pending 0 as here)
    const late = alerts.filter((a) => a.window_start >= T0 + 3 * DAY);
    expect(late.length).toBeLessThanOrEqual(1);
    expect(
      late.every((a) => Number(a.evidence.z) < 4.5 && (a.window_start - T0) % DAY !== 18 * 3_600_000),
    ).toBe(true);
  });
});
