import type { DetectorContext } from '../context.js';
import type { WindowFeatures } from '../features.js';
import type { LevelState } from '../stats/level.js';
import { levelExpected, levelInit, levelLearn, levelSigma } from '../stats/level.js';
import { excessScore, fmt } from '../stats/score.js';

/**
 * Latency: p50/p95/p99/TTFT-p95 of each window against a robust learned baseline of *log* latency
 * (stats/level.ts: clipped EWMA level, EW-MAD scale, hour-of-day or hour-of-week offsets once two
 * periods are in). A breach needs both z ≥ z_threshold and latency ≥ min_ratio × baseline, after warm-up;
 * the lifecycle's pending duration makes it "sustained for N windows". Optional static SLO thresholds
 * alert from the first window, baseline or not.
 */
export const LATENCY = 'latency';

export type LatencyMetric = 'p50' | 'p95' | 'p99' | 'ttft_p95';

export interface LatencyState {
  baselines: Partial<Record<LatencyMetric, LevelState>>;
}

export function latencyInit(): LatencyState {
  return { baselines: {} };
}

function metricValue(f: WindowFeatures, m: LatencyMetric): number | null {
  switch (m) {
    case 'p50':
      return f.p50;
    case 'p95':
      return f.p95;
    case 'p99':
      return f.p99;
    case 'ttft_p95':
      return f.ttftP95;
  }
}

function sloOf(ctx: DetectorContext, m: LatencyMetric): number | null {
  const slo = ctx.compiled.rules.latency.slo;
  return m === 'p95' ? slo.p95_ms : m === 'p99' ? slo.p99_ms : m === 'ttft_p95' ? slo.ttft_p95_ms : null;
}

const LABEL: Record<LatencyMetric, string> = {
  p50: 'median latency',
  p95: 'p95 latency',
  p99: 'p99 latency',
  ttft_p95: 'p95 time to first token',
};

export function latencyEvaluate(ctx: DetectorContext, s: LatencyState, f: WindowFeatures): void {
  const r = ctx.compiled.rules.latency;
  if (!r.enabled || f.latencyCount < r.min_count) return;
  const p = ctx.compiled.logLevel;
  for (const m of r.metrics) {
    const v = metricValue(f, m);
    if (v === null || !(v > 0)) continue;
    const slo = sloOf(ctx, m);
    if (slo !== null) {
      if (v > slo) {
        ctx.emit.breach(
          LATENCY,
          `${m}_slo`,
          'critical',
          f,
          v,
          slo,
          slo,
          excessScore(v / slo - 1, 0.5),
          () => ({
            summary: `${capitalise(LABEL[m])} of ${ctx.scope} is ${fmt(v)} ms, above its SLO of ${fmt(slo)} ms.`,
            evidence: {
              metric: m,
              observed_ms: fmt(v),
              slo_ms: fmt(slo),
              latency_count: String(f.latencyCount),
            },
          }),
        );
      } else ctx.emit.clear(LATENCY, `${m}_slo`, f, v, slo, slo, 0);
    }
    const b = s.baselines[m];
    if (b === undefined) continue;
    const logExpected = levelExpected(b, p, f.start);
    const sigma = levelSigma(b, p, logExpected);
    const z = (Math.log(v) - logExpected) / sigma;
    const expected = Math.exp(logExpected);
    const ratio = v / expected;
    const threshold = Math.max(expected * r.min_ratio, Math.exp(logExpected + r.z_threshold * sigma));
    const warm = b.n >= ctx.compiled.warmup;
    if (warm && z >= r.z_threshold && ratio >= r.min_ratio) {
      ctx.emit.breach(
        LATENCY,
        m,
        ratio >= r.critical_ratio ? 'critical' : 'warning',
        f,
        v,
        expected,
        threshold,
        excessScore(z, r.z_threshold),
        () => ({
          summary: `${capitalise(LABEL[m])} of ${ctx.scope} is ${fmt(v)} ms, ${fmt(ratio, 2)}× its baseline of ${fmt(expected)} ms.`,
          evidence: {
            metric: m,
            observed_ms: fmt(v),
            baseline_ms: fmt(expected),
            ratio: fmt(ratio),
            z: fmt(z),
            latency_count: String(f.latencyCount),
            baseline_windows: String(b.n),
          },
        }),
      );
    } else ctx.emit.clear(LATENCY, m, f, v, expected, threshold, warm ? excessScore(z, r.z_threshold) : 0);
  }
}

export function latencyLearn(ctx: DetectorContext, s: LatencyState, f: WindowFeatures): void {
  const r = ctx.compiled.rules.latency;
  if (!r.enabled || f.latencyCount < r.min_count) return;
  for (const m of r.metrics) {
    const v = metricValue(f, m);
    if (v === null || !(v > 0)) continue;
    let b = s.baselines[m];
    if (b === undefined) {
      b = levelInit(ctx.compiled.logLevel);
      s.baselines[m] = b;
    }
    levelLearn(b, ctx.compiled.logLevel, f.start, Math.log(v));
  }
}

/** Windows learned per metric, and whether each is still warming up. */
export function latencyStatus(
  s: LatencyState,
  warmup: number,
): Record<string, { windows: number; warm: boolean }> {
  const out: Record<string, { windows: number; warm: boolean }> = {};
  for (const [m, b] of Object.entries(s.baselines)) out[m] = { windows: b.n, warm: b.n >= warmup };
  return out;
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
