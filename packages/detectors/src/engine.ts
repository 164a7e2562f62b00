import type { AlertLabels, LifecycleSnapshot, LifecycleStats, TrackedAlertChange } from '@aiops/alerts';
import { createAlertLifecycle } from '@aiops/alerts';
import { type Alert, type Series, seriesKey, seriesOf, type WindowAggregate } from '@aiops/contract';
import type { DetectionConfig } from './config.js';
import { parseDetectionConfig, resolveRules } from './config.js';
import type { DetectorContext } from './context.js';
import type { CostGroupState, TokenState } from './cost/cost.js';
import { COST, costGroupAdd, costGroupInit, tokenEvaluate, tokenInit, tokenLearn } from './cost/cost.js';
import { describeScope, Emitter } from './emit.js';
import type { ErrorsState } from './errors/errors.js';
import { ERRORS, errorsEvaluate, errorsInit, errorsLearn } from './errors/errors.js';
import type { WindowFeatures } from './features.js';
import { addFeatures, extractFeatures } from './features.js';
import type { GuardrailState } from './guardrail/guardrail.js';
import { GUARDRAIL, guardrailEvaluate, guardrailInit, guardrailLearn } from './guardrail/guardrail.js';
import type { LatencyState } from './latency/latency.js';
import { LATENCY, latencyEvaluate, latencyInit, latencyLearn, latencyStatus } from './latency/latency.js';
import type { OutageState } from './outage/outage.js';
import { OUTAGE, outageEvaluate, outageInit, outageLearn, outageSeen, outageTick } from './outage/outage.js';
import type { QualityState } from './quality/quality.js';
import { QUALITY, qualityEvaluate, qualityInit, qualityLearn } from './quality/quality.js';
import type { CompiledRules } from './rules.js';
import { compileRules } from './rules.js';
import { rateExpected } from './stats/rate.js';

/**
 * The detectors this engine publishes alerts as. Other services share the alerts topic and table (the agent
 * monitor's `agent_*`, for one); a replay of windows (backtest) speaks only for these.
 */
export const ENGINE_DETECTORS: readonly string[] = [LATENCY, ERRORS, OUTAGE, COST, QUALITY, GUARDRAIL];

/**
 * The detection engine: the pure core the detector service drives. Windows in, alert notifications out.
 *
 * Per series it keeps the latest window *pending*: a window is judged as soon as it arrives, against
 * baselines learned from the windows before it, but folded into those baselines only when a later window of
 * the series arrives. So:
 * - a re-emitted revision of the pending window (a late correction) *replaces* it: judged again, and only
 *   the final revision is ever learned;
 * - a duplicate (same window, revision not higher) is ignored;
 * - a revision of an older window comes after the baselines moved on and is ignored for them (counted as
 *   `late_ignored`); its alerts would be stale anyway;
 * - a late correction (one event that came after the aggregator evicted its window) is added to the
 *   pending window when it is that window (so it is learned with it), and to its group's spend (budgets
 *   count every dollar) — once per event id, so the aggregator's replays change nothing. It is never
 *   judged on its own: one event is not a window.
 * Replaying windows already applied therefore changes nothing and notifies nothing; and because alert ids
 * are hashes of fingerprint + start window and the lifecycle runs on event time, replaying the same windows
 * into a fresh engine reproduces the same notifications, byte for byte.
 *
 * `tick(eventTimeMs)` is the punctuation: absence (no-data) detection, and resolution of conditions whose
 * series went silent. All state is plain JSON (`snapshot()` / `restore()`).
 */
export interface DetectionEngine {
  /**
   * Judges one window; returns the notifications to publish (firing, repeats, resolved). With
   * `learnOnly` (a backfilled window, far behind live data) it feeds the baselines like any other
   * window but judges nothing and notifies nothing.
   */
  process(window: WindowAggregate, learnOnly?: boolean): Alert[];
  /**
   * Punctuation at event time `nowMs` (e.g. the watermark, or wall-clock mapped to event time). With
   * `tenant`, on that tenant's own clock: only its series and alerts are judged.
   */
  tick(nowMs: number, tenant?: string): Alert[];
  snapshot(): DetectionSnapshot;
  restore(snapshot: DetectionSnapshot): void;
  /**
   * The series, groups, peers and tracked alerts created, changed or gone since the last call, with the
   * counters; forgets them. What an incremental checkpoint writes: it costs the keys a batch touched,
   * where `snapshot()` costs all of them. One taker only (the checkpoint): another would take its changes.
   */
  takeChanges(): DetectionChanges;
  stats(): DetectionStats;
  /** Baseline and warm-up state of one series, or null when it has not been seen. */
  inspect(series: Series): SeriesInspection | null;
  readonly config: DetectionConfig;
}

export interface SeriesState {
  key: string;
  series: Series;
  /** The latest window, judged but not yet learned. */
  pending: WindowFeatures | null;
  /** Windows folded into the baselines. */
  learned: number;
  latency: LatencyState;
  errors: ErrorsState;
  outage: OutageState;
  tokens: TokenState;
  quality: QualityState;
  guardrail: GuardrailState;
}

export interface GroupState {
  key: string;
  tenant_id: string;
  application: string;
  cost: CostGroupState;
  /** Event ids of the latest late corrections applied (at most RECENT_CORRECTIONS; absent before them). */
  corrections?: string[];
}

/** How many late-correction ids a group remembers: replays of the aggregator re-send only recent ones. */
const RECENT_CORRECTIONS = 256;

export interface PeerState {
  key: string;
  lastEnd: number;
}

export interface EngineCounters {
  windows: number;
  revisions: number;
  duplicates: number;
  late_ignored: number;
  /** Late corrections applied (replays of one already applied count as duplicates). Absent before them. */
  late_corrections?: number;
  ticks: number;
  notifications: number;
}

export interface DetectionSnapshot {
  version: 1;
  series: SeriesState[];
  groups: GroupState[];
  peers: PeerState[];
  lifecycle: LifecycleSnapshot;
  counters: EngineCounters;
}

/** One key's state (a copy, as in a snapshot), or null: the key is gone. */
export interface KeyedStateChange<T> {
  readonly key: string;
  readonly state: T | null;
}

/**
 * What changed since the last `takeChanges()`. Per kind, the keys the engine met since then are listed in
 * the order it met them, which is the order its snapshot lists them in (a checkpoint numbers them so).
 */
export interface DetectionChanges {
  /**
   * Every key, not only the changed ones: the first call after creation or a restore, when what the
   * caller stored is unknown. A key the caller holds that is not listed is gone.
   */
  readonly full: boolean;
  readonly series: readonly KeyedStateChange<SeriesState>[];
  readonly groups: readonly KeyedStateChange<GroupState>[];
  readonly peers: readonly KeyedStateChange<PeerState>[];
  readonly alerts: readonly TrackedAlertChange[];
  readonly counters: EngineCounters;
}

export interface DetectionStats extends EngineCounters {
  series: number;
  groups: number;
  /** Series whose baselines have not yet learned warmup_windows windows: they cannot alert on baselines. */
  warming_up: number;
  /** Series in the no-data state. */
  no_data: number;
  alerts: LifecycleStats;
}

export interface SeriesInspection {
  windows_learned: number;
  warm: boolean;
  pending_window_start: number | null;
  latency: Record<string, { windows: number; warm: boolean }>;
  errors: { windows: number; warm: boolean; expected_ratio: number };
  outage: { state: 'ok' | 'no_data'; expected_events_per_window: number; last_window_end: number };
  quality: Record<
    string,
    { reference: 'building' | 'frozen'; reference_windows: number; reference_scores: number }
  >;
  guardrail: Record<string, { expected_rate: number }>;
}

/** Separates the dimensions of the group (tenant, application) and peer (… environment) keys. */
const SEP = '\u001f';

function emptyCounters(): EngineCounters {
  return {
    windows: 0,
    revisions: 0,
    duplicates: 0,
    late_ignored: 0,
    late_corrections: 0,
    ticks: 0,
    notifications: 0,
  };
}

interface Runtime {
  ctx: DetectorContext;
  group: { state: GroupState; ctx: DetectorContext };
  peer: PeerState;
}

/** Creates an engine; `config` is validated (detectionConfigSchema), and `undefined` means all defaults. */
export function createDetectionEngine(config?: unknown): DetectionEngine {
  const cfg = parseDetectionConfig(config);
  const lifecycle = createAlertLifecycle();
  const sink: { alerts: Alert[] } = { alerts: [] };
  let series = new Map<string, SeriesState>();
  let groups = new Map<string, GroupState>();
  let peers = new Map<string, PeerState>();
  let counters = emptyCounters();
  let runtimes = new Map<string, Runtime>();
  /** Keys touched since the last takeChanges() (the lifecycle keeps its own). */
  const dirty = { series: new Set<string>(), groups: new Set<string>(), peers: new Set<string>() };
  /** Until the first takeChanges() after creation or a restore, which lists everything: nothing to mark. */
  let full = true;
  /** Marks a key that may change; when unsure, mark: a spurious one costs a comparison, a missed one state. */
  const touch = (keys: Set<string>, key: string): void => {
    if (!full) keys.add(key);
  };
  /** A new key goes to the end of its map, so its mark goes to the end too (see DetectionChanges). */
  const met = (keys: Set<string>, key: string): void => {
    if (full) return;
    keys.delete(key);
    keys.add(key);
  };

  const contextFor = (labels: AlertLabels, compiled: CompiledRules): DetectorContext => ({
    compiled,
    emit: new Emitter(labels, lifecycle, sink, () => compiled.lifecycle),
    scope: describeScope(labels),
  });

  const runtimeOf = (s: SeriesState): Runtime => {
    let rt = runtimes.get(s.key);
    if (rt !== undefined) return rt;
    const x = s.series;
    const groupKey = `${x.tenant_id}${SEP}${x.application}`;
    let group = groups.get(groupKey);
    if (group === undefined) {
      group = { key: groupKey, tenant_id: x.tenant_id, application: x.application, cost: costGroupInit() };
      groups.set(groupKey, group);
      met(dirty.groups, groupKey);
    }
    const peerKey = `${x.tenant_id}${SEP}${x.application}${SEP}${x.environment}`;
    let peer = peers.get(peerKey);
    if (peer === undefined) {
      peer = { key: peerKey, lastEnd: 0 };
      peers.set(peerKey, peer);
      met(dirty.peers, peerKey);
    }
    const groupSeries: Series = { ...x, environment: '', provider: '', model: '', operation: '' };
    const groupLabels: AlertLabels = {
      tenant_id: x.tenant_id,
      application: x.application,
      environment: null,
      provider: null,
      model: null,
      operation: null,
    };
    rt = {
      ctx: contextFor({ ...x }, compileRules(resolveRules(cfg, x))),
      group: { state: group, ctx: contextFor(groupLabels, compileRules(resolveRules(cfg, groupSeries))) },
      peer,
    };
    runtimes.set(s.key, rt);
    return rt;
  };

  const learn = (ctx: DetectorContext, s: SeriesState, f: WindowFeatures): void => {
    latencyLearn(ctx, s.latency, f);
    errorsLearn(ctx, s.errors, f);
    outageLearn(ctx, s.outage, f);
    tokenLearn(ctx, s.tokens, f);
    qualityLearn(ctx, s.quality, f);
    guardrailLearn(ctx, s.guardrail, f);
    s.learned++;
  };

  const applyCorrection = (s: SeriesState, rt: Runtime, w: WindowAggregate, eventId: string): Alert[] => {
    const group = rt.group.state;
    group.corrections ??= [];
    const recent = group.corrections;
    if (recent.includes(eventId)) {
      counters.duplicates++;
      return [];
    }
    recent.push(eventId);
    if (recent.length > RECENT_CORRECTIONS) recent.shift();
    counters.late_corrections = (counters.late_corrections ?? 0) + 1;
    const f = extractFeatures(w);
    if (s.pending !== null && s.pending.start === f.start) addFeatures(s.pending, f);
    const out: Alert[] = [];
    sink.alerts = out;
    costGroupAdd(rt.group.ctx, group.cost, f, f.cost);
    return finish(out);
  };

  const finish = (out: Alert[]): Alert[] => {
    counters.notifications += out.length;
    sink.alerts = [];
    return out;
  };

  return {
    config: cfg,

    process(w, learnOnly = false) {
      const key = seriesKey(w);
      let s = series.get(key);
      if (s === undefined) {
        s = {
          key,
          series: seriesOf(w),
          pending: null,
          learned: 0,
          latency: latencyInit(),
          errors: errorsInit(),
          outage: outageInit(),
          tokens: tokenInit(),
          quality: qualityInit(),
          guardrail: guardrailInit(),
        };
        series.set(key, s);
        met(dirty.series, key);
      }
      const rt = runtimeOf(s);
      // Before anything moves, even for a window ignored below: the series, its group's spend, its peers' end.
      touch(dirty.series, key);
      touch(dirty.groups, rt.group.state.key);
      touch(dirty.peers, rt.peer.key);
      if (w.correction_event_id !== null) return applyCorrection(s, rt, w, w.correction_event_id);
      const pending = s.pending;
      let costDelta = w.cost_usd;
      if (pending !== null) {
        if (w.window_start < pending.start) {
          counters.late_ignored++;
          return [];
        }
        if (w.window_start === pending.start) {
          if (w.revision <= pending.revision) {
            counters.duplicates++;
            return [];
          }
          counters.revisions++;
          costDelta = w.cost_usd - pending.cost;
        } else learn(rt.ctx, s, pending);
      }
      counters.windows++;
      const f = extractFeatures(w);
      if (learnOnly) {
        // Backfill: becomes the pending window (learned when the next one comes), judged never.
        s.pending = f;
        outageSeen(s.outage, f);
        s.outage.noData = false;
        if (f.end > rt.peer.lastEnd) rt.peer.lastEnd = f.end;
        return [];
      }
      const out: Alert[] = [];
      sink.alerts = out;
      const ctx = rt.ctx;
      outageEvaluate(ctx, s.outage, f, s.errors.rate);
      latencyEvaluate(ctx, s.latency, f);
      errorsEvaluate(ctx, s.errors, f);
      tokenEvaluate(ctx, s.tokens, f);
      qualityEvaluate(ctx, s.quality, f);
      guardrailEvaluate(ctx, s.guardrail, f);
      costGroupAdd(rt.group.ctx, rt.group.state.cost, f, costDelta);
      s.pending = f;
      outageSeen(s.outage, f);
      if (f.end > rt.peer.lastEnd) rt.peer.lastEnd = f.end;
      return finish(out);
    },

    tick(nowMs, tenant) {
      counters.ticks++;
      const out: Alert[] = [];
      sink.alerts = out;
      for (const s of series.values()) {
        if (tenant !== undefined && s.series.tenant_id !== tenant) continue;
        const rt = runtimeOf(s);
        if (outageTick(rt.ctx, s.outage, nowMs, rt.peer.lastEnd)) touch(dirty.series, s.key);
      }
      for (const a of lifecycle.advance(nowMs, tenant)) out.push(a);
      return finish(out);
    },

    snapshot() {
      return structuredClone({
        version: 1 as const,
        series: [...series.values()],
        groups: [...groups.values()],
        peers: [...peers.values()],
        lifecycle: lifecycle.snapshot(),
        counters,
      });
    },

    restore(snapshot) {
      if (snapshot.version !== 1)
        throw new Error(`unsupported detection snapshot version ${snapshot.version}`);
      const copy = structuredClone(snapshot);
      // Keyed by the contract's series key, recomputed so checkpoints written with an older key still match.
      series = new Map(copy.series.map((s) => [seriesKey(s.series), { ...s, key: seriesKey(s.series) }]));
      groups = new Map(copy.groups.map((g) => [g.key, g]));
      peers = new Map(copy.peers.map((p) => [p.key, p]));
      counters = copy.counters;
      lifecycle.restore(copy.lifecycle);
      runtimes = new Map();
      for (const keys of Object.values(dirty)) keys.clear();
      full = true;
    },

    takeChanges() {
      const tracked = lifecycle.takeChanges();
      // Both restore together, so both are full together; either alone would still list everything.
      const all = full || tracked.full;
      const pick = <T>(map: ReadonlyMap<string, T>, keys: ReadonlySet<string>) =>
        (all ? [...map.keys()] : [...keys]).map((key) => ({ key, state: map.get(key) ?? null }));
      const alerts =
        all && !tracked.full
          ? lifecycle.snapshot().alerts.map((t) => ({ key: t.key, state: t }))
          : tracked.alerts;
      const changes: DetectionChanges = {
        full: all,
        ...structuredClone({
          series: pick(series, dirty.series),
          groups: pick(groups, dirty.groups),
          peers: pick(peers, dirty.peers),
          counters,
        }),
        alerts,
      };
      for (const keys of Object.values(dirty)) keys.clear();
      full = false;
      return changes;
    },

    stats() {
      let warming = 0;
      let noData = 0;
      for (const s of series.values()) {
        if (s.learned < runtimeOf(s).ctx.compiled.warmup) warming++;
        if (s.outage.noData) noData++;
      }
      return {
        ...counters,
        series: series.size,
        groups: groups.size,
        warming_up: warming,
        no_data: noData,
        alerts: lifecycle.stats(),
      };
    },

    inspect(x) {
      const s = series.get(seriesKey(x));
      if (s === undefined) return null;
      const warmup = runtimeOf(s).ctx.compiled.warmup;
      const quality: SeriesInspection['quality'] = {};
      for (const [name, e] of Object.entries(s.quality.evaluators)) {
        quality[name] = {
          reference: e.frozen ? 'frozen' : 'building',
          reference_windows: e.refWindows,
          reference_scores: e.refCount,
        };
      }
      const guardrail: SeriesInspection['guardrail'] = {};
      for (const [flag, r] of Object.entries(s.guardrail.flags))
        guardrail[flag] = { expected_rate: rateExpected(r) };
      return {
        windows_learned: s.learned,
        warm: s.learned >= warmup,
        pending_window_start: s.pending?.start ?? null,
        latency: latencyStatus(s.latency, warmup),
        errors: {
          windows: s.errors.rate.windows,
          warm: s.errors.rate.windows >= warmup,
          expected_ratio: rateExpected(s.errors.rate),
        },
        outage: {
          state: s.outage.noData ? 'no_data' : 'ok',
          expected_events_per_window: s.outage.traffic,
          last_window_end: s.outage.lastEnd,
        },
        quality,
        guardrail,
      };
    },
  };
}
