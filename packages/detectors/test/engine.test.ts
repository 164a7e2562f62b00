import { type Alert, seriesKey, type WindowAggregate } from '@aiops/contract';
import { Rng } from '@aiops/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DetectionChanges, DetectionSnapshot, KeyedStateChange } from '../src/index.js';
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

    /** One event that came after the aggregator evicted window `w`: a row of its own. */
    const correctionOf = (w: WindowAggregate, eventId: string): WindowAggregate => ({
      ...w,
      revision: 0,
      events: 1,
      errors: 1,
      errors_by_type: { timeout: 1 },
      latency_count: 1,
      cost_usd: 0.25,
      late_events: 1,
      correction_event_id: eventId,
    });

    it('a late correction of the latest window is added to it (learned with it) and to the spend, once per event', () => {
      const engine = createDetectionEngine();
      for (const w of base.slice(0, 101)) engine.process(w);
      const pendingBefore = engine.snapshot().series[0]!.pending!;
      const spentBefore = engine.snapshot().groups[0]!.cost.daySpent;
      expect(engine.process(correctionOf(base[100]!, 'late-1'))).toEqual([]);
      const pending = engine.snapshot().series[0]!.pending!;
      expect(pending.start).toBe(base[100]!.window_start);
      expect(pending.events).toBe(pendingBefore.events + 1);
      expect(pending.errors).toBe(pendingBefore.errors + 1);
      expect(pending.errorsByType.timeout).toBe((pendingBefore.errorsByType.timeout ?? 0) + 1);
      expect(pending.p95).toBe(pendingBefore.p95); // one event does not make a distribution
      expect(engine.snapshot().groups[0]!.cost.daySpent).toBeCloseTo(spentBefore + 0.25, 9);
      // The aggregator re-sends it after a restart: nothing changes.
      const after = JSON.stringify(engine.snapshot());
      expect(engine.process(correctionOf(base[100]!, 'late-1'))).toEqual([]);
      expect(JSON.stringify({ ...engine.snapshot(), counters: null })).toBe(
        JSON.stringify({ ...JSON.parse(after), counters: null }),
      );
      expect(engine.stats()).toMatchObject({ late_corrections: 1, duplicates: 1 });
    });

    it('a late correction of an older window counts towards the spend only (the baselines have moved on)', () => {
      const engine = createDetectionEngine();
      for (const w of base) engine.process(w);
      const before = engine.snapshot();
      expect(engine.process(correctionOf(base[50]!, 'late-2'))).toEqual([]);
      const after = engine.snapshot();
      expect(JSON.stringify(after.series)).toBe(JSON.stringify(before.series));
      expect(after.groups[0]!.cost.daySpent).toBeCloseTo(before.groups[0]!.cost.daySpent + 0.25, 9);
      expect(after.groups[0]!.corrections).toEqual(['late-2']);
      expect(engine.stats()).toMatchObject({ late_corrections: 1, windows: base.length });
    });
  });

  it('reports counters, warm-up and alert states in stats()', () => {
    const engine = createDetectionEngine();
    play(engine, STEPS.slice(0, 40));
    expect(engine.stats()).toMatchObject({ series: 3, groups: 1, warming_up: 3, no_data: 0, duplicates: 0 });
  });
});

/** What a keyed changelog holds, per kind: a key keeps its place; a key new to it goes to the end. */
type Store = Record<'series' | 'groups' | 'peers' | 'alerts', Map<string, unknown>>;

const newStore = (): Store => ({ series: new Map(), groups: new Map(), peers: new Map(), alerts: new Map() });

function apply(store: Store, changes: DetectionChanges): void {
  for (const kind of ['series', 'groups', 'peers', 'alerts'] as const) {
    const map = store[kind];
    const items: readonly KeyedStateChange<unknown>[] = changes[kind];
    for (const { key, state } of items) {
      if (state === null) map.delete(key);
      else map.set(key, state);
    }
    if (changes.full) {
      const listed = new Set(items.map((x) => x.key));
      for (const key of [...map.keys()]) if (!listed.has(key)) map.delete(key);
    }
  }
}

/** A snapshot as changes listing everything: what a checkpoint of the whole state writes. */
function everything(snapshot: DetectionSnapshot): DetectionChanges {
  const all = <T extends { key: string }>(items: readonly T[]) =>
    items.map((state) => ({ key: state.key, state }));
  return {
    full: true,
    series: all(snapshot.series),
    groups: all(snapshot.groups),
    peers: all(snapshot.peers),
    alerts: all(snapshot.lifecycle.alerts),
    counters: snapshot.counters,
  };
}

describe('incremental changes (takeChanges)', () => {
  it('applied one after another, hold exactly what whole snapshots hold, in the same order, through the incidents and a restore', () => {
    const r = new Rng(5);
    let engine = createDetectionEngine();
    const incremental = newStore();
    const whole = newStore();
    let gone = 0;
    let at = 0;
    let restored = false;
    while (at < STEPS.length) {
      // Batches of 1 to 60 steps: an alert may be met and dropped, or dropped and met again, within one.
      const size = 1 + r.int(60);
      play(engine, STEPS.slice(at, at + size));
      at += size;
      if (!restored && at >= MID_INCIDENT) {
        restored = true;
        const snapshot = JSON.parse(JSON.stringify(engine.snapshot())) as DetectionSnapshot;
        engine = createDetectionEngine();
        engine.restore(snapshot);
      }
      const changes = engine.takeChanges();
      const snapshot = engine.snapshot();
      expect(changes.full).toBe(at === size || (restored && at - size < MID_INCIDENT));
      expect(changes.counters).toEqual(snapshot.counters);
      apply(incremental, changes);
      apply(whole, everything(snapshot));
      for (const kind of ['series', 'groups', 'peers', 'alerts'] as const)
        expect([...incremental[kind]], `${kind} after step ${at}`).toEqual([...whole[kind]]);
      if (!changes.full) gone += changes.alerts.filter((x) => x.state === null).length;
    }
    expect(restored).toBe(true);
    // Alerts resolved or dropped between two takes were listed as gone.
    expect(gone).toBeGreaterThan(0);
  });

  it('lists only the series a step touched: a window its series, group and peers; a silent tick the silent series', () => {
    const engine = createDetectionEngine();
    const silentTick = STEPS.findIndex((s) => s.kind === 'tick' && s.at > T0 + 510 * MIN);
    play(engine, STEPS.slice(0, silentTick));
    engine.takeChanges();
    expect(engine.takeChanges()).toMatchObject({
      full: false,
      series: [],
      groups: [],
      peers: [],
      alerts: [],
    });

    play(engine, STEPS.slice(silentTick, silentTick + 1));
    const tick = engine.takeChanges();
    expect(tick.series.map((x) => x.state?.series.model)).toEqual(['claude-sonnet']);
    expect(tick.series[0]!.state?.outage.noData).toBe(true);
    expect([tick.groups, tick.peers]).toEqual([[], []]);
    // Its no-data alert (firing by now) observed again: the tracked alert is listed too.
    expect(tick.alerts.map((x) => x.key)).toEqual([expect.stringContaining('outage')]);

    const window = STEPS[silentTick + 1]!;
    expect(window.kind).toBe('window');
    play(engine, [window]);
    const one = engine.takeChanges();
    expect(one.series).toHaveLength(1);
    expect(one.series[0]!.state).toEqual(engine.snapshot().series.find((s) => s.key === one.series[0]!.key));
    expect([one.groups.length, one.peers.length]).toEqual([1, 1]);
  });
});
