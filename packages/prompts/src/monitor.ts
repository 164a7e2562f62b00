import {
  type AlertDescription,
  type AlertLabels,
  type AlertLifecycle,
  createAlertLifecycle,
  type LifecycleOptions,
  type TrackedAlert,
} from '@aiops/alerts';
import type { Alert, AlertSeverity, TelemetryEvent } from '@aiops/contract';
import type { RecordSource } from '@aiops/core';
import { QuantileSketch } from '@aiops/sketches';
import { ChangelogClock, CLOCK_KEY, type ClockState, isExpired } from '@aiops/windowing';
import type { PromptVersionAggregate } from './aggregate.js';
import { PROMPT_DETECTORS, type PromptMonitorOptions } from './config.js';
import { addMoments, emptyMoments, type Moments, mergeMoments, msprt } from './sprt.js';

const NEVER = Number.MAX_SAFE_INTEGER;
const SEP = '\u001f';

// The changelog keys: the clock's (CLOCK_KEY), prompts' starting with `p`.

export function promptStateKey(tenant: string, application: string, environment: string, prompt: string) {
  return `p${SEP}${tenant}${SEP}${application}${SEP}${environment}${SEP}${prompt}`;
}

/** The compared metrics besides one mean score per evaluator (`score:<evaluator>`). */
export const PROMPT_METRICS = ['error_rate', 'negative_feedback_rate', 'latency', 'cost_per_call'] as const;

/** One version in one open window: plain JSON (sketches as base64), so a key's state is one record. */
export interface VersionWindow {
  calls: number;
  errors: number;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  /** Per call: log(latency ms) and cost, for the sequential test. */
  log_latency: Moments;
  cost: Moments;
  latency_sketch: string | null;
  ttft_sketch: string | null;
  evaluations: number;
  scores: Record<string, Moments>;
  feedback: number;
  negative_feedback: number;
}

export interface VersionInfo {
  first_ms: number;
  last_ms: number;
  calls: number;
  events: number;
  /** Compared already, or there before the monitor knew the prompt: a baseline for later versions. */
  established: boolean;
}

/** One metric of a running comparison: both samples over matched time, and the test's verdict so far. */
export interface MetricTest {
  fresh: Moments;
  old: Moments;
  /** Always-valid p-value: the running minimum of 1 / Λ. */
  p: number;
  effect: number;
  verdict: 'regression' | 'improvement' | null;
}

/** A new version against the previous one, from the new version's first window on. */
export interface Comparison {
  new_version: string;
  old_version: string;
  started_ms: number;
  /** Start of the latest window with the new version's traffic. */
  last_new_ms: number;
  /** Call latencies of each version since the comparison started (base64 sketches), for the p95s it reports. */
  latency_new: string | null;
  latency_old: string | null;
  metrics: Record<string, MetricTest>;
}

/** One prompt of one application and environment: its versions, open windows and comparisons. */
export interface PromptState {
  v: 1;
  tenant_id: string;
  application: string;
  environment: string;
  prompt_name: string;
  first_ms: number;
  /** End of the latest closed window: events before it are too late. */
  closed_until: number;
  versions: Record<string, VersionInfo>;
  /** Window start → version → its aggregate so far. */
  windows: Record<string, Record<string, VersionWindow>>;
  comparisons: Comparison[];
  alerts: TrackedAlert[];
}

export interface ChangelogEntry {
  readonly key: string;
  readonly value: PromptState | ClockState | null;
}

export interface PromptMonitorOutput {
  readonly alerts: Alert[];
  readonly aggregates: PromptVersionAggregate[];
}

export interface PromptMonitorCounters {
  events: number;
  /** Events without a prompt version, or of a type that says nothing about one. */
  ignored: number;
  /** Events for a window already closed: counted, not applied. */
  tooLate: number;
  comparisonsStarted: number;
  comparisonsEnded: number;
}

export interface PromptMonitorStats {
  prompts: number;
  openWindows: number;
  comparisons: number;
  watermarkMs: number;
  counters: PromptMonitorCounters;
}

const ALERT_LIFECYCLE: LifecycleOptions = Object.freeze({
  pendingForMs: 0,
  recoveryForMs: 0,
  repeatIntervalMs: NEVER,
  resolveTimeoutMs: NEVER,
});

function emptyWindow(): VersionWindow {
  return {
    calls: 0,
    errors: 0,
    cost_usd: 0,
    input_tokens: 0,
    output_tokens: 0,
    log_latency: emptyMoments(),
    cost: emptyMoments(),
    latency_sketch: null,
    ttft_sketch: null,
    evaluations: 0,
    scores: {},
    feedback: 0,
    negative_feedback: 0,
  };
}

const toBase64 = (sketch: QuantileSketch): string => Buffer.from(sketch.toBytes()).toString('base64');
const fromBase64 = (text: string | null): QuantileSketch =>
  text === null ? new QuantileSketch() : QuantileSketch.fromBytes(Buffer.from(text, 'base64'));

function mergeSketch(into: string | null, other: string | null): string | null {
  if (other === null) return into;
  if (into === null) return other;
  const sketch = fromBase64(into);
  sketch.merge(fromBase64(other));
  return toBase64(sketch);
}

function quantile(text: string | null, q: number): number | null {
  if (text === null) return null;
  const value = fromBase64(text).quantile(q);
  return value === null ? null : Number(value.toFixed(3));
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Which way is worse for a metric: scores fall, everything else rises. */
const worseWhenLower = (metric: string) => metric.startsWith('score:');

function metricName(metric: string): string {
  if (metric.startsWith('score:')) return metric.slice('score:'.length);
  return {
    error_rate: 'error rate',
    negative_feedback_rate: 'negative feedback rate',
    latency: 'latency',
    cost_per_call: 'cost per call',
  }[metric]!;
}

const thousands = (n: number) => n.toLocaleString('en-US');
const fixed = (x: number, digits: number) => String(Number(x.toFixed(digits)));

/**
 * Prompt-version regression, in event time: the processor behind services/prompt-monitor.
 *
 * Aggregates LLM calls, evaluations and feedback per (tenant, application, environment, prompt name, prompt
 * version) in tumbling event-time windows (the windowing package's bounded-out-of-orderness watermark);
 * each window's per-version aggregate goes out when the watermark passes its end + the allowed lateness.
 *
 * A version first seen after the prompt's warm-up is new: it is compared with the previous version (the
 * established version with the most traffic among those active in the hour before), over matched time only
 * (both samples from the windows since the new version appeared), on the mean of every evaluator's score,
 * the negative feedback rate, the error rate, latency (mean log latency: a shift of the whole distribution,
 * reported as the p95s) and cost per call. Each metric is a two-sample mixture SPRT (sprt.ts) at
 * alpha / (metrics compared) — Bonferroni — whose always-valid p-value may be checked after every window.
 * A significant regression fires `prompt_regression` (critical when the standardised effect reaches
 * criticalEffect), a significant improvement `prompt_improvement` (info). The comparison ends when the new
 * version has had no traffic for retireAfterMs (rolled back) or after horizonMs; its alerts resolve then
 * and the new version becomes established.
 *
 * State is per key (each prompt, the clock) and every change is listed by `changes()`, so a shell can
 * checkpoint incrementally (a compacted changelog) and `restore` it after a restart.
 */
export class PromptMonitor {
  private readonly clock: ChangelogClock;
  private prompts = new Map<string, PromptState>();
  private readonly lifecycles = new Map<string, AlertLifecycle>();
  private readonly dirty = new Set<string>();
  /** Prompt key → the sketches events were added to since the state last took them (see sketchOf). */
  private readonly live = new Map<string, Map<string, QuantileSketch>>();
  readonly counters: PromptMonitorCounters = {
    events: 0,
    ignored: 0,
    tooLate: 0,
    comparisonsStarted: 0,
    comparisonsEnded: 0,
  };

  constructor(private readonly options: PromptMonitorOptions) {
    this.clock = new ChangelogClock(options);
  }

  watermark(): number {
    return this.clock.current();
  }

  stats(): PromptMonitorStats {
    let openWindows = 0;
    let comparisons = 0;
    for (const p of this.prompts.values()) {
      openWindows += Object.keys(p.windows).length;
      comparisons += p.comparisons.length;
    }
    return {
      prompts: this.prompts.size,
      openWindows,
      comparisons,
      watermarkMs: this.clock.current(),
      counters: { ...this.counters },
    };
  }

  /** Takes one event (any type: what says nothing about a prompt version only moves the clock). */
  process(event: TelemetryEvent, wallNowMs: number, source?: RecordSource): void {
    this.counters.events++;
    const type = event.event_type;
    const relevant = type === 'llm_call' || type === 'evaluation' || type === 'feedback';
    if (!relevant || event.prompt_name === null || event.prompt_version === null) {
      this.counters.ignored++;
      this.clock.observe(event.timestamp, wallNowMs, source);
      return;
    }
    const size = this.options.windowMs;
    const start = event.timestamp - (((event.timestamp % size) + size) % size);
    const key = promptStateKey(event.tenant_id, event.application, event.environment, event.prompt_name);
    let state = this.prompts.get(key);
    if (
      (state !== undefined && start + size <= state.closed_until) ||
      isExpired(start + size, this.clock.current(), this.options.allowedLatenessMs)
    ) {
      this.counters.tooLate++;
      this.clock.observe(event.timestamp, wallNowMs, source);
      return;
    }
    if (state === undefined) {
      state = {
        v: 1,
        tenant_id: event.tenant_id,
        application: event.application,
        environment: event.environment,
        prompt_name: event.prompt_name,
        first_ms: start,
        closed_until: Number.MIN_SAFE_INTEGER,
        versions: {},
        windows: {},
        comparisons: [],
        alerts: [],
      };
      this.prompts.set(key, state);
    }
    let versions = state.windows[start];
    if (versions === undefined) {
      versions = {};
      state.windows[start] = versions;
    }
    let w = versions[event.prompt_version];
    if (w === undefined) {
      w = emptyWindow();
      versions[event.prompt_version] = w;
    }
    if (type === 'llm_call') {
      w.calls++;
      const failed = event.status === 'error';
      if (failed) w.errors++;
      const cost = event.cost_usd ?? 0;
      w.cost_usd += cost;
      addMoments(w.cost, cost);
      w.input_tokens += event.input_tokens ?? 0;
      w.output_tokens += event.output_tokens ?? 0;
      if (event.duration_ms !== null) {
        addMoments(w.log_latency, Math.log1p(event.duration_ms));
        this.sketchOf(key, start, event.prompt_version, 'latency_sketch', w).add(event.duration_ms);
      }
      if (event.time_to_first_token_ms !== null)
        this.sketchOf(key, start, event.prompt_version, 'ttft_sketch', w).add(event.time_to_first_token_ms);
    } else if (type === 'evaluation') {
      w.evaluations++;
      for (const name of Object.keys(event.scores)) {
        const moments = w.scores[name] ?? emptyMoments();
        addMoments(moments, event.scores[name]!);
        w.scores[name] = moments;
      }
    } else if (event.feedback !== null) {
      w.feedback++;
      if (event.feedback < 0) w.negative_feedback++;
    }
    this.dirty.add(key);
    this.clock.observe(event.timestamp, wallNowMs, source);
  }

  /** The live sketch of one version's window (decoded once, written back to the state by flushSketches). */
  private sketchOf(
    key: string,
    start: number,
    version: string,
    which: 'latency_sketch' | 'ttft_sketch',
    w: VersionWindow,
  ): QuantileSketch {
    let sketches = this.live.get(key);
    if (sketches === undefined) {
      sketches = new Map();
      this.live.set(key, sketches);
    }
    const id = `${start}${SEP}${which}${SEP}${version}`;
    let sketch = sketches.get(id);
    if (sketch === undefined) {
      sketch = fromBase64(w[which]);
      sketches.set(id, sketch);
    }
    return sketch;
  }

  private flushSketches(key: string, state: PromptState): void {
    const sketches = this.live.get(key);
    if (sketches === undefined) return;
    for (const [id, sketch] of sketches) {
      const [start, which, version] = id.split(SEP) as [string, 'latency_sketch' | 'ttft_sketch', string];
      const w = state.windows[start]?.[version];
      if (w !== undefined) w[which] = toBase64(sketch);
    }
    this.live.delete(key);
  }

  /** Wall-clock punctuation: an idle input advances the watermark (see WatermarkTracker.onIdleCheck). */
  onIdleCheck(wallNowMs: number): void {
    this.clock.onIdleCheck(wallNowMs);
  }

  /** Closes the windows the watermark passed (aggregates out, tests updated) and ends retired comparisons. */
  advance(): PromptMonitorOutput {
    const alerts: Alert[] = [];
    const aggregates: PromptVersionAggregate[] = [];
    const { watermarkMs: watermark } = this.clock.advanceMarkingDirty(this.dirty);
    const { windowMs: size, allowedLatenessMs: lateness } = this.options;
    for (const key of [...this.prompts.keys()].sort(byString)) {
      const state = this.prompts.get(key)!;
      const due = Object.keys(state.windows)
        .map(Number)
        .filter((start) => isExpired(start + size, watermark, lateness))
        .sort((a, b) => a - b);
      if (due.length > 0) this.flushSketches(key, state);
      for (const start of due) {
        this.endComparisons(key, state, start, alerts);
        const window = state.windows[start]!;
        delete state.windows[start];
        state.closed_until = Math.max(state.closed_until, start + size);
        this.closeWindow(key, state, start, window, aggregates, alerts);
        this.dirty.add(key);
      }
      // No window can still bring the new version's traffic before the retire point: the comparison is over.
      const before = state.comparisons.length;
      this.endComparisons(key, state, watermark - size - lateness, alerts);
      if (state.comparisons.length !== before) this.dirty.add(key);
      if (state.comparisons.length === 0 && this.lifecycles.get(key)?.tracked().length === 0)
        this.lifecycles.delete(key);
    }
    return { alerts, aggregates };
  }

  private closeWindow(
    key: string,
    state: PromptState,
    start: number,
    window: Record<string, VersionWindow>,
    aggregates: PromptVersionAggregate[],
    alerts: Alert[],
  ): void {
    const names = Object.keys(window).sort(byString);
    for (const version of names) aggregates.push(this.aggregateOf(state, version, start, window[version]!));
    for (const version of names) {
      const w = window[version]!;
      const events = w.calls + w.evaluations + w.feedback;
      let info = state.versions[version];
      if (info === undefined) {
        info = { first_ms: start, last_ms: start, calls: 0, events: 0, established: true };
        state.versions[version] = info;
        if (start >= state.first_ms + this.options.warmupMs) this.startComparison(state, version, start);
      }
      info.last_ms = Math.max(info.last_ms, start);
      info.calls += w.calls;
      info.events += events;
    }
    for (const comparison of state.comparisons) {
      const fresh = window[comparison.new_version];
      const old = window[comparison.old_version];
      if (fresh === undefined) continue;
      comparison.last_new_ms = Math.max(comparison.last_new_ms, start);
      // Matched time: both samples come only from windows in which both versions ran.
      if (old === undefined) continue;
      comparison.latency_new = mergeSketch(comparison.latency_new, fresh.latency_sketch);
      comparison.latency_old = mergeSketch(comparison.latency_old, old.latency_sketch);
      this.addSamples(comparison, fresh, 'fresh');
      this.addSamples(comparison, old, 'old');
      this.test(key, state, comparison, start + this.options.windowMs, alerts);
    }
  }

  private startComparison(state: PromptState, version: string, start: number): void {
    let previous: [string, VersionInfo] | null = null;
    for (const name of Object.keys(state.versions).sort(byString)) {
      const info = state.versions[name]!;
      if (name === version || !info.established || info.last_ms < start - this.options.activeMs) continue;
      if (previous === null || info.calls > previous[1].calls) previous = [name, info];
    }
    if (previous === null) return; // nothing ran beside it: it simply becomes the prompt's version
    state.versions[version]!.established = false;
    state.comparisons.push({
      new_version: version,
      old_version: previous[0],
      started_ms: start,
      last_new_ms: start,
      latency_new: null,
      latency_old: null,
      metrics: {},
    });
    this.counters.comparisonsStarted++;
  }

  private addSamples(comparison: Comparison, w: VersionWindow, side: 'fresh' | 'old'): void {
    const metric = (id: string): MetricTest => {
      const test = comparison.metrics[id] ?? {
        fresh: emptyMoments(),
        old: emptyMoments(),
        p: 1,
        effect: 0,
        verdict: null,
      };
      comparison.metrics[id] = test;
      return test;
    };
    if (w.calls > 0) {
      // Bernoulli samples: n calls, sum = sum of squares = errors.
      mergeMoments(metric('error_rate')[side], [w.calls, w.errors, w.errors]);
      mergeMoments(metric('cost_per_call')[side], w.cost);
      if (w.log_latency[0] > 0) mergeMoments(metric('latency')[side], w.log_latency);
    }
    if (w.feedback > 0)
      mergeMoments(metric('negative_feedback_rate')[side], [
        w.feedback,
        w.negative_feedback,
        w.negative_feedback,
      ]);
    for (const name of Object.keys(w.scores)) mergeMoments(metric(`score:${name}`)[side], w.scores[name]!);
  }

  private test(key: string, state: PromptState, comparison: Comparison, atMs: number, alerts: Alert[]): void {
    const { alpha, tau, minSamples } = this.options.test;
    const ids = Object.keys(comparison.metrics).sort(byString);
    const perMetric = alpha / Math.max(1, ids.length);
    for (const id of ids) {
      const test = comparison.metrics[id]!;
      if (test.verdict !== null || test.fresh[0] < minSamples || test.old[0] < minSamples) continue;
      const result = msprt(test.fresh, test.old, tau);
      test.p = Math.min(test.p, Math.exp(-result.logLikelihoodRatio));
      test.effect = result.effect;
      if (test.p > perMetric) continue;
      const worse = worseWhenLower(id) ? result.effect < 0 : result.effect > 0;
      test.verdict = worse ? 'regression' : 'improvement';
      const alert = this.lifecycleFor(key).observe(
        this.signal(state, comparison, id, test, result.meanNew, result.meanOld, perMetric, ids.length, atMs),
      );
      if (alert !== null) alerts.push(alert);
    }
  }

  private signal(
    state: PromptState,
    comparison: Comparison,
    id: string,
    test: MetricTest,
    meanNew: number,
    meanOld: number,
    perMetricAlpha: number,
    metrics: number,
    atMs: number,
  ) {
    const regression = test.verdict === 'regression';
    const { alpha, criticalEffect } = this.options.test;
    const severity: AlertSeverity = !regression
      ? 'info'
      : Math.abs(test.effect) >= criticalEffect
        ? 'critical'
        : 'warning';
    const { new_version: fresh, old_version: old } = comparison;
    const shown = (mean: number, which: 'new' | 'old'): string => {
      if (id === 'latency') {
        const p95 = quantile(which === 'new' ? comparison.latency_new : comparison.latency_old, 0.95);
        return p95 === null ? `${fixed(Math.expm1(mean), 0)} ms` : `p95 ${fixed(p95, 0)} ms`;
      }
      if (id === 'cost_per_call') return `$${fixed(mean, 5)}`;
      if (id === 'error_rate' || id === 'negative_feedback_rate') return `${fixed(100 * mean, 1)}%`;
      return fixed(mean, 2);
    };
    const observed = id === 'latency' ? Math.expm1(meanNew) : meanNew;
    const expected = id === 'latency' ? Math.expm1(meanOld) : meanOld;
    const verdict = regression ? 'worse' : 'better';
    const advice = regression ? 'roll back recommended' : `${fresh} can replace ${old}`;
    return {
      detector: regression ? PROMPT_DETECTORS.regression : PROMPT_DETECTORS.improvement,
      signal: `${state.prompt_name}${SEP}${fresh}${SEP}${old}${SEP}${id}`,
      labels: this.labels(state),
      breached: true,
      severity,
      window_start: comparison.started_ms,
      window_end: atMs,
      observed,
      expected,
      threshold: perMetricAlpha,
      score: Math.min(1, Math.abs(test.effect) / (2 * criticalEffect)),
      describe: (): AlertDescription => ({
        summary:
          `${state.prompt_name} ${fresh} is ${verdict} than ${old} on ${metricName(id)} ` +
          `(${shown(meanNew, 'new')} vs ${shown(meanOld, 'old')}, n=${thousands(test.fresh[0])} vs ${thousands(test.old[0])}, ` +
          `always-valid p < ${alpha}): ${advice}`,
        evidence: {
          prompt_name: state.prompt_name,
          new_version: fresh,
          old_version: old,
          metric: id,
          new_value: fixed(observed, 6),
          old_value: fixed(expected, 6),
          difference: fixed(observed - expected, 6),
          effect_size: fixed(test.effect, 3),
          n_new: String(test.fresh[0]),
          n_old: String(test.old[0]),
          p_value: test.p.toExponential(2),
          alpha_per_metric: fixed(perMetricAlpha, 6),
          metrics_compared: String(metrics),
          method: `mSPRT tau=${this.options.test.tau}`,
          comparison_started_at: String(comparison.started_ms),
        },
      }),
    };
  }

  /** Ends the comparisons whose new version has been gone for retireAfterMs, or that ran for horizonMs, by `atMs`. */
  private endComparisons(key: string, state: PromptState, atMs: number, alerts: Alert[]): void {
    const { retireAfterMs, horizonMs } = this.options;
    const keep: Comparison[] = [];
    for (const comparison of state.comparisons) {
      const retiredAt = comparison.last_new_ms + retireAfterMs;
      const endsAt = Math.min(retiredAt, comparison.started_ms + horizonMs);
      if (endsAt > atMs) {
        keep.push(comparison);
        continue;
      }
      this.counters.comparisonsEnded++;
      state.versions[comparison.new_version]!.established = true;
      const lifecycle = this.lifecycles.get(key);
      if (lifecycle === undefined) continue;
      const prefix = `${state.prompt_name}${SEP}${comparison.new_version}${SEP}${comparison.old_version}${SEP}`;
      for (const tracked of lifecycle.tracked()) {
        if (!tracked.signal.startsWith(prefix)) continue;
        const reason =
          retiredAt <= comparison.started_ms + horizonMs
            ? `${comparison.new_version} has had no traffic since ${new Date(comparison.last_new_ms).toISOString()} (rolled back)`
            : `the comparison ran its ${Math.round(horizonMs / 3_600_000)} h`;
        const alert = lifecycle.observe({
          detector: tracked.detector,
          signal: tracked.signal,
          labels: tracked.labels,
          key: tracked.key,
          breached: false,
          severity: tracked.severity,
          window_start: endsAt,
          window_end: endsAt,
          observed: 0,
          expected: 0,
          threshold: tracked.last.threshold,
          score: 0,
          describe: () => ({
            summary: `${state.prompt_name} ${comparison.new_version} vs ${comparison.old_version}: comparison ended, ${reason}.`,
            evidence: {},
          }),
        });
        if (alert !== null) alerts.push(alert);
      }
    }
    state.comparisons = keep;
  }

  private aggregateOf(state: PromptState, version: string, start: number, w: VersionWindow) {
    const scores: Record<string, [number, number]> = {};
    for (const name of Object.keys(w.scores).sort(byString)) {
      const m = w.scores[name]!;
      scores[name] = [m[0], Number(m[1].toFixed(6))];
    }
    return {
      tenant_id: state.tenant_id,
      application: state.application,
      environment: state.environment,
      prompt_name: state.prompt_name,
      prompt_version: version,
      window_start: start,
      window_end: start + this.options.windowMs,
      calls: w.calls,
      errors: w.errors,
      latency_p50_ms: quantile(w.latency_sketch, 0.5),
      latency_p95_ms: quantile(w.latency_sketch, 0.95),
      ttft_p95_ms: quantile(w.ttft_sketch, 0.95),
      cost_usd: Number(w.cost_usd.toFixed(9)),
      input_tokens: w.input_tokens,
      output_tokens: w.output_tokens,
      evaluations: w.evaluations,
      scores,
      feedback: w.feedback,
      negative_feedback: w.negative_feedback,
    } satisfies PromptVersionAggregate;
  }

  private labels(state: PromptState): AlertLabels {
    return {
      tenant_id: state.tenant_id,
      application: state.application,
      environment: state.environment,
      provider: null,
      model: null,
      operation: null,
    };
  }

  private lifecycleFor(key: string): AlertLifecycle {
    let lifecycle = this.lifecycles.get(key);
    if (lifecycle === undefined) {
      lifecycle = createAlertLifecycle(ALERT_LIFECYCLE);
      this.lifecycles.set(key, lifecycle);
    }
    return lifecycle;
  }

  /** The keys changed since the last call, with their state, in key order; clears the list. */
  changes(): ChangelogEntry[] {
    const out = [...this.dirty].sort(byString).map((key) => ({ key, value: this.stateOf(key) }));
    this.dirty.clear();
    return out;
  }

  /** Every key's state (a full snapshot: the union of all changes). */
  snapshot(): ChangelogEntry[] {
    return [CLOCK_KEY, ...this.prompts.keys()]
      .sort(byString)
      .map((key) => ({ key, value: this.stateOf(key) }));
  }

  /** Restores from the latest state of every key (a compacted changelog read to its end); forgets all else. */
  restore(entries: Iterable<ChangelogEntry>): void {
    this.prompts = new Map();
    this.live.clear();
    this.lifecycles.clear();
    this.dirty.clear();
    for (const { key, value } of entries) {
      if (value === null) continue;
      if (key === CLOCK_KEY) this.clock.restore(value as ClockState);
      else if (key.startsWith('p')) {
        const state = structuredClone(value as PromptState);
        this.prompts.set(key, state);
        if (state.alerts.length > 0) {
          const lifecycle = createAlertLifecycle(ALERT_LIFECYCLE);
          lifecycle.restore({ version: 1, alerts: state.alerts });
          this.lifecycles.set(key, lifecycle);
        }
      }
    }
  }

  private stateOf(key: string): PromptState | ClockState {
    if (key === CLOCK_KEY) return this.clock.state();
    const state = this.prompts.get(key);
    if (state === undefined) throw new Error(`no state for key ${JSON.stringify(key)}`);
    this.flushSketches(key, state);
    state.alerts = [...(this.lifecycles.get(key)?.tracked() ?? [])];
    return structuredClone(state);
  }
}
