import type { Alert, TelemetryEvent } from '@aiops/contract';
import { Rng } from '@aiops/core';
import { telemetryEvent } from '@aiops/testkit';
import { describe, expect, it } from 'vitest';
import {
  type ChangelogEntry,
  msprt,
  PROMPT_DETECTORS,
  PromptMonitor,
  type PromptMonitorOptionsInput,
  type PromptVersionAggregate,
  promptMonitorOptionsSchema,
} from '../src/index.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const MINUTE = 60_000;

function monitor(options: PromptMonitorOptionsInput = {}): PromptMonitor {
  return new PromptMonitor(promptMonitorOptionsSchema.parse(options));
}

interface Traffic {
  readonly seed: number;
  readonly minutes: number;
  /** LLM calls per minute (each may be followed by an evaluation and feedback). */
  readonly callsPerMinute: number;
  /** When v8 appears, and which share of the calls it takes from then on. */
  readonly newFromMinute: number;
  readonly newShare: number;
  /** How much lower v8's mean faithfulness is than v7's (0 = an A/A test). */
  readonly scoreDrop: number;
  /** Minute from which v8 gets no more traffic (rolled back). */
  readonly newUntilMinute?: number;
}

/** A support bot on prompt v7; v8 rolls out to a share of its calls. Events in event-time order. */
function traffic(t: Traffic): TelemetryEvent[] {
  const rng = new Rng(t.seed);
  const events: TelemetryEvent[] = [];
  let id = 0;
  const base = { prompt_name: 'support-answer', tenant_id: 'acme', application: 'support-bot' };
  for (let minute = 0; minute < t.minutes; minute++) {
    for (let i = 0; i < t.callsPerMinute; i++) {
      const at = T0 + minute * MINUTE + Math.floor(rng.next() * MINUTE);
      const rolledOut = minute >= t.newFromMinute && minute < (t.newUntilMinute ?? Number.POSITIVE_INFINITY);
      const version = rolledOut && rng.chance(t.newShare) ? 'v8' : 'v7';
      const drop = version === 'v8' ? t.scoreDrop : 0;
      events.push(
        telemetryEvent({
          ...base,
          event_id: `c-${id++}`,
          timestamp: at,
          prompt_version: version,
          duration_ms: Math.round(rng.lognormal(900, 0.5)),
          time_to_first_token_ms: Math.round(rng.lognormal(250, 0.4)),
          status: rng.chance(0.02) ? 'error' : 'ok',
          cost_usd: Number((0.002 * rng.lognormal(1, 0.4)).toFixed(6)),
        }),
      );
      const quality = 0.86 - drop + 0.07 * rng.normal();
      if (rng.chance(0.4)) {
        events.push(
          telemetryEvent({
            ...base,
            event_id: `e-${id++}`,
            event_type: 'evaluation',
            timestamp: at + 2000 + Math.floor(rng.next() * 20_000),
            prompt_version: version,
            duration_ms: null,
            time_to_first_token_ms: null,
            input_tokens: null,
            output_tokens: null,
            scores: { faithfulness: Math.min(1, Math.max(0, quality)) },
          }),
        );
      }
      if (rng.chance(0.08)) {
        events.push(
          telemetryEvent({
            ...base,
            event_id: `f-${id++}`,
            event_type: 'feedback',
            timestamp: at + 5000 + Math.floor(rng.next() * 30_000),
            prompt_version: version,
            duration_ms: null,
            time_to_first_token_ms: null,
            input_tokens: null,
            output_tokens: null,
            feedback: rng.chance(0.05 + 0.9 * quality * quality) ? 1 : -1,
          }),
        );
      }
    }
  }
  return events.sort((a, b) => a.timestamp - b.timestamp || (a.event_id < b.event_id ? -1 : 1));
}

interface Run {
  alerts: Alert[];
  aggregates: PromptVersionAggregate[];
}

/** Feeds events in order, advancing every `every` events (wall time = event time). */
function feed(m: PromptMonitor, events: readonly TelemetryEvent[], run: Run, every = 200): void {
  events.forEach((event, i) => {
    m.process(event, event.timestamp);
    if (i % every === every - 1) {
      const out = m.advance();
      run.alerts.push(...out.alerts);
      run.aggregates.push(...out.aggregates);
    }
  });
  const out = m.advance();
  run.alerts.push(...out.alerts);
  run.aggregates.push(...out.aggregates);
}

/** Closes everything: a far-future event on another prompt moves the watermark past every window. */
function drain(m: PromptMonitor, run: Run, atMs: number): void {
  m.process(telemetryEvent({ event_id: 'end', timestamp: atMs }), atMs);
  const out = m.advance();
  run.alerts.push(...out.alerts);
  run.aggregates.push(...out.aggregates);
}

const BASE: Omit<Traffic, 'seed' | 'scoreDrop'> = {
  minutes: 150,
  callsPerMinute: 400,
  newFromMinute: 45,
  newShare: 0.3,
};

describe('mixture SPRT', () => {
  it('is 1 (log 0) at no effect and grows with the effect and the samples', () => {
    expect(msprt([100, 50, 30], [100, 50, 30], 0.3).logLikelihoodRatio).toBeLessThan(0);
    const small = msprt([100, 40, 20], [100, 50, 30], 0.3);
    const large = msprt([400, 160, 80], [400, 200, 120], 0.3);
    expect(small.effect).toBeLessThan(0);
    expect(large.logLikelihoodRatio).toBeGreaterThan(small.logLikelihoodRatio);
    expect(msprt([10, 10, 10], [10, 10, 10], 0.3).logLikelihoodRatio).toBe(0);
  });
});

describe('PromptMonitor', () => {
  it('A/A: a new version identical to the old one never fires (20 seeds, 30 % on the new version for 45 min)', () => {
    let comparisons = 0;
    const fired: string[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const m = monitor();
      const run: Run = { alerts: [], aggregates: [] };
      feed(m, traffic({ ...BASE, seed, minutes: 90, callsPerMinute: 80, scoreDrop: 0 }), run, 500);
      comparisons += m.counters.comparisonsStarted;
      fired.push(...run.alerts.map((a) => `seed ${seed}: ${a.summary}`));
    }
    expect(comparisons).toBe(20);
    expect(fired).toEqual([]);
  }, 300_000);

  // ≈ 400 events/min: 270 calls, 40 % of them evaluated, 8 % with feedback.
  it('a 0.1 drop in mean score at 30 % traffic fires prompt_regression within 15 minutes, naming both versions', () => {
    const m = monitor();
    const run: Run = { alerts: [], aggregates: [] };
    feed(m, traffic({ ...BASE, seed: 7, minutes: 65, callsPerMinute: 270, scoreDrop: 0.1 }), run);
    const regressions = run.alerts.filter((a) => a.detector === PROMPT_DETECTORS.regression);
    const faithfulness = regressions.find((a) => a.evidence.metric === 'score:faithfulness');
    expect(faithfulness).toBeDefined();
    const alert = faithfulness!;
    expect(alert.status).toBe('firing');
    expect(alert.window_end - (T0 + BASE.newFromMinute * MINUTE)).toBeLessThanOrEqual(15 * MINUTE);
    expect(alert.summary).toMatch(
      /^support-answer v8 is worse than v7 on faithfulness \(0\.\d\d vs 0\.8\d, n=[\d,]+ vs [\d,]+, always-valid p < 0\.01\): roll back recommended$/,
    );
    expect(alert.evidence).toMatchObject({
      new_version: 'v8',
      old_version: 'v7',
      prompt_name: 'support-answer',
    });
    expect(Number(alert.evidence.p_value)).toBeLessThan(0.01 / Number(alert.evidence.metrics_compared));
    expect(Number(alert.evidence.difference)).toBeCloseTo(-0.1, 1);
    expect(alert.severity).toBe('critical');
    expect(alert).toMatchObject({ tenant_id: 'acme', application: 'support-bot' });
    // Nothing else in this traffic differs between the versions.
    expect(regressions.map((a) => a.evidence.metric).sort()).toEqual(
      expect.arrayContaining(['score:faithfulness']),
    );
    expect(run.alerts.filter((a) => a.detector === PROMPT_DETECTORS.improvement)).toEqual([]);
  }, 30_000);

  it('a better version gets an info prompt_improvement', () => {
    const m = monitor();
    const run: Run = { alerts: [], aggregates: [] };
    feed(m, traffic({ ...BASE, seed: 11, minutes: 65, callsPerMinute: 270, scoreDrop: -0.1 }), run);
    const improvement = run.alerts.find((a) => a.detector === PROMPT_DETECTORS.improvement);
    expect(improvement?.severity).toBe('info');
    expect(improvement?.summary).toMatch(/^support-answer v8 is better than v7 on faithfulness/);
    expect(run.alerts.filter((a) => a.detector === PROMPT_DETECTORS.regression)).toEqual([]);
  }, 30_000);

  it('a rollback ends the comparison: the alert resolves once v8 has had no traffic for retireAfterMs', () => {
    const m = monitor({ retireAfterMs: 10 * MINUTE });
    const run: Run = { alerts: [], aggregates: [] };
    feed(
      m,
      traffic({ ...BASE, seed: 3, minutes: 90, callsPerMinute: 150, scoreDrop: 0.15, newUntilMinute: 70 }),
      run,
    );
    const ids = new Set(run.alerts.filter((a) => a.status === 'firing').map((a) => a.alert_id));
    const resolved = run.alerts.filter((a) => a.status === 'resolved');
    expect(ids.size).toBeGreaterThan(0);
    expect(new Set(resolved.map((a) => a.alert_id))).toEqual(ids);
    // Resolved at the retire point: the last window with v8's events (minute 70: evaluations and feedback of
    // its last calls) + retireAfterMs.
    for (const alert of resolved) expect(alert.resolved_at).toBe(T0 + 70 * MINUTE + 10 * MINUTE);
    expect(m.stats().comparisons).toBe(0);
  }, 30_000);

  it('versions that ran side by side from the start are not compared', () => {
    const m = monitor();
    const run: Run = { alerts: [], aggregates: [] };
    feed(m, traffic({ ...BASE, seed: 5, minutes: 60, newFromMinute: 0, scoreDrop: 0.2 }), run);
    expect(m.counters.comparisonsStarted).toBe(0);
    expect(run.alerts).toEqual([]);
  }, 30_000);

  it('emits one aggregate per version and window, with calls, quantiles, scores and feedback', () => {
    const m = monitor();
    const run: Run = { alerts: [], aggregates: [] };
    const events = traffic({
      ...BASE,
      seed: 9,
      minutes: 10,
      callsPerMinute: 50,
      newFromMinute: 5,
      scoreDrop: 0,
    });
    feed(m, events, run);
    drain(m, run, T0 + 3_600_000);
    const mine = run.aggregates.filter((a) => a.prompt_name === 'support-answer');
    const keys = mine.map((a) => `${a.prompt_version}@${a.window_start}`);
    expect(new Set(keys).size).toBe(keys.length);
    const calls = events.filter((e) => e.event_type === 'llm_call').length;
    expect(mine.reduce((n, a) => n + a.calls, 0)).toBe(calls);
    const evaluations = events.filter((e) => e.event_type === 'evaluation').length;
    expect(mine.reduce((n, a) => n + a.evaluations, 0)).toBe(evaluations);
    expect(mine.reduce((n, a) => n + (a.scores.faithfulness?.[0] ?? 0), 0)).toBe(evaluations);
    const first = mine.find((a) => a.calls > 10)!;
    expect(first.latency_p95_ms!).toBeGreaterThan(first.latency_p50_ms!);
    expect(first.window_end - first.window_start).toBe(MINUTE);
  });

  it('snapshot/restore and the incremental changelog continue identically', () => {
    const events = traffic({ ...BASE, seed: 21, minutes: 70, callsPerMinute: 150, scoreDrop: 0.12 });
    const whole: Run = { alerts: [], aggregates: [] };
    feed(monitor(), events, whole);

    const cut = Math.floor(events.length * 0.6);
    const first = monitor();
    const split: Run = { alerts: [], aggregates: [] };
    // A changelog as the service keeps it: the latest value of every changed key.
    const changelog = new Map<string, ChangelogEntry>();
    const slices = [events.slice(0, cut / 2), events.slice(cut / 2, cut)];
    for (const slice of slices) {
      feed(first, slice, split);
      for (const entry of first.changes()) changelog.set(entry.key, entry);
    }
    expect([...changelog.values()].sort((a, b) => (a.key < b.key ? -1 : 1))).toEqual(first.snapshot());
    const second = monitor();
    second.restore(JSON.parse(JSON.stringify([...changelog.values()])) as ChangelogEntry[]);
    feed(second, events.slice(cut), split);

    // Batch boundaries differ (advance points), so compare what came out, not when.
    const ids = (r: Run) => r.alerts.map((a) => `${a.alert_id}/${a.status}/${a.window_end}`).sort();
    expect(ids(split)).toEqual(ids(whole));
    expect(whole.alerts.length).toBeGreaterThan(0);
    const keyOf = (a: PromptVersionAggregate) => JSON.stringify(a);
    expect(split.aggregates.map(keyOf).sort()).toEqual(whole.aggregates.map(keyOf).sort());
  }, 60_000);
});
