import { type Alert, seriesKey, type WindowAggregate } from '@aiops/contract';
import { Rng } from '@aiops/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DetectionSnapshot } from '../src/index.js';
import { createDetectionEngine } from '../src/index.js';
import { binomial, MIN, normalWindow, T0 } from './helpers.js';

type Step = { kind: 'window'; window: WindowAggregate } | { kind: 'tick'; at: number };

/** Three models over 600 minutes with a latency regression, an error burst and a silence; a tick per minute. */
function scenario(): Step[] {
  const r = new Rng(61);
  const steps: Step[] = [];
  for (let i = 0; i < 600; i++) {
    for (const model of ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet']) {
      if (model === 'claude-sonnet' && i >= 500 && i < 530) continue;
      let w = normalWindow(r, i, { model });
      if (model === 'gpt-4o' && i >= 400 && i < 430) w = { ...w, latency_p95_ms: w.latency_p95_ms! * 3 };
      if (model === 'gpt-4o-mini' && i >= 450 && i < 470) {
        const errors = binomial(r, w.events, 0.3);
        w = { ...w, errors, errors_by_type: { rate_limited: errors } };
      }
      steps.push({ kind: 'window', window: w });
    }
    steps.push({ kind: 'tick', at: T0 + (i + 1) * MIN + 30_000 });
  }
  return steps;
}

const STEPS = scenario();
/** Minute 410 (three windows and a tick per minute): the latency regression is firing. */
const MID_INCIDENT = 410 * 4 + 2;

function play(engine: ReturnType<typeof createDetectionEngine>, steps: readonly Step[]): Alert[] {
  const out: Alert[] = [];
  for (const s of steps) out.push(...(s.kind === 'window' ? engine.process(s.window) : engine.tick(s.at)));
  return out;
}

describe('detection engine', () => {
  const reference = play(createDetectionEngine(), STEPS);

  it('detects the three incidents of the scenario, each fired once and resolved once', () => {
    const byCondition = new Map<string, string[]>();
    for (const a of reference)
      byCondition.set(`${a.detector}/${a.model}`, [
        ...(byCondition.get(`${a.detector}/${a.model}`) ?? []),
        a.status,
      ]);
    expect(byCondition.get('latency/gpt-4o')?.[0]).toBe('firing');
    expect(byCondition.get('latency/gpt-4o')?.at(-1)).toBe('resolved');
    expect(byCondition.get('errors/gpt-4o-mini')).toEqual(['firing', 'resolved']);
    expect(byCondition.get('outage/claude-sonnet')).toEqual(['firing', 'resolved']);
    expect(reference.filter((a) => a.window_start < T0 + 390 * MIN)).toEqual([]); // nothing before the incidents
  });

  it('is deterministic: a fresh engine fed the same stream gives byte-identical notifications', () => {
    expect(JSON.stringify(play(createDetectionEngine(), STEPS))).toBe(JSON.stringify(reference));
  });

  it('ignores duplicated windows (replays): no second alert, counted as duplicates', () => {
    const engine = createDetectionEngine();
    const doubled = STEPS.flatMap((s): Step[] => (s.kind === 'window' ? [s, s] : [s]));
    expect(play(engine, doubled)).toEqual(reference);
    const windows = STEPS.filter((s) => s.kind === 'window').length;
    expect(engine.stats()).toMatchObject({ windows, duplicates: windows });
  });

  it('replaying an already-applied stretch of the stream notifies nothing', () => {
    const engine = createDetectionEngine();
    play(engine, STEPS);
    const again = play(
      engine,
      STEPS.filter((s) => s.kind === 'window'),
    );
    expect(again).toEqual([]);
  });

  it('snapshot → JSON → restore at any point, even mid-incident, gives identical subsequent notifications', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: STEPS.length - 1 }), (cut) => {
        const first = createDetectionEngine();
        const before = play(first, STEPS.slice(0, cut));
        const snapshot = JSON.parse(JSON.stringify(first.snapshot())) as DetectionSnapshot;
        const second = createDetectionEngine();
        second.restore(snapshot);
        const after = play(second, STEPS.slice(cut));
        expect([...before, ...after]).toEqual(reference);
      }),
      { numRuns: 12, seed: 3, examples: [[MID_INCIDENT]] },
    );
  });

  it('keys its series by the contract series key, and restores checkpoints keyed the older way', () => {
    const engine = createDetectionEngine();
    const before = play(engine, STEPS.slice(0, MID_INCIDENT));
    const snapshot = JSON.parse(JSON.stringify(engine.snapshot())) as DetectionSnapshot;
    expect(snapshot.series.map((s) => s.key)).toEqual(snapshot.series.map((s) => seriesKey(s.series)));
    // A checkpoint from before the one series key (dimensions joined by U+001F) goes on where it stopped.
    for (const s of snapshot.series) {
      const x = s.series;
      s.key = [x.tenant_id, x.application, x.environment, x.provider, x.model, x.operation].join('\u001f');
    }
    const restored = createDetectionEngine();
    restored.restore(snapshot);
    expect([...before, ...play(restored, STEPS.slice(MID_INCIDENT))]).toEqual(reference);
  });

  it('(the mid-incident cut of the property above does fall inside a firing alert)', () => {
    const engine = createDetectionEngine();
    play(engine, STEPS.slice(0, MID_INCIDENT));
    expect(engine.stats().alerts.firing).toBeGreaterThanOrEqual(1);
  });

  describe('late corrections (revisions)', () => {
    const r = new Rng(62);
    const base = Array.from({ length: 120 }, (_, i) => normalWindow(r, i));

    it('a higher revision of the latest window replaces it: judged again, and only it is learned', () => {
      const corrected = { ...base[100]!, revision: 1, latency_p95_ms: 5000, latency_p99_ms: 8000 };
      const a = createDetectionEngine({ lifecycle: { pending_for_ms: 0 } });
      const b = createDetectionEngine({ lifecycle: { pending_for_ms: 0 } });
      for (const w of base.slice(0, 100)) {
        a.process(w);
        b.process(w);
      }
      expect(a.process(base[100]!)).toEqual([]);
      const onCorrection = a.process(corrected);
      expect(onCorrection.map((x) => [x.detector, x.status])).toContainEqual(['latency', 'firing']);
      expect(b.process(corrected).map((x) => x.alert_id)).toEqual(onCorrection.map((x) => x.alert_id));
      for (const w of base.slice(101)) expect(a.process(w)).toEqual(b.process(w));
      const strip = (s: DetectionSnapshot) => JSON.stringify(s.series);
      expect(strip(a.snapshot())).toBe(strip(b.snapshot()));
      expect(a.stats().revisions).toBe(1);
    });

    it('a revision of a window older than the latest is ignored (the baselines have moved on)', () => {
      const engine = createDetectionEngine();
      for (const w of base) engine.process(w);
      const before = JSON.stringify(engine.snapshot().series);
      expect(engine.process({ ...base[50]!, revision: 1, latency_p95_ms: 9000 })).toEqual([]);
      expect(JSON.stringify(engine.snapshot().series)).toBe(before);
      expect(engine.stats().late_ignored).toBe(1);
    });
  });

  it('reports counters, warm-up and alert states in stats()', () => {
    const engine = createDetectionEngine();
    play(engine, STEPS.slice(0, 40));
    expect(engine.stats()).toMatchObject({ series: 3, groups: 1, warming_up: 3, no_data: 0, duplicates: 0 });
  });
});
