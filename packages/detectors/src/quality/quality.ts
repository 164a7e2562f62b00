import { SCORE_HISTOGRAM_BINS } from '@aiops/contract';
import type { DetectorContext } from '../context.js';
import { pct } from '../errors/errors.js';
import type { WindowFeatures } from '../features.js';
import { jensenShannon, psi } from '../stats/divergence.js';
import type { RateState } from '../stats/rate.js';
import { rateExpected, rateInit, rateLearn, rateZ } from '../stats/rate.js';
import { excessScore, fmt } from '../stats/score.js';

/**
 * Quality drift, per series and evaluator.
 * - Reference: the score histograms of the first `reference_windows` windows that carry scores (and at least
 *   `min_reference_scores` scores), then frozen. Until then the evaluator is warming up and never alerts.
 * - `drift:<evaluator>`: PSI between the reference and the recent distribution (an exponentially decayed
 *   histogram, half-life `current_half_life_windows` windows, judged once it holds `min_scores` scores).
 *   PSI ≥ psi_threshold (0.2) warns, ≥ psi_critical (0.5) is critical, and never below 3.5× the PSI that
 *   sampling noise alone gives on average, (bins − 1)(1/n_ref + 1/n_recent), which keeps the false-alarm
 *   rate under 0.1% per window even with few scores. Measured (test/quality.test.ts): at equal false-alarm
 *   rates PSI and Jensen-Shannon have the same power (they are both χ²-like for small shifts), so PSI is
 *   used for its customary reading (0.1 / 0.25) and JS (bits) is reported as evidence.
 * - `mean_drop:<evaluator>`: one-sided CUSUM on the window mean score x̄ of n scores, standardised by its
 *   standard error under the reference: u = (μ₀ − x̄)/√(σ²/n + τ²), S = max(0, S + u − k), alert at S ≥ h.
 *   σ is the spread of single reference scores, from the reference histogram with Sheppard's correction
 *   (σ² − w²/12 for bins of width w: the bin centres alone inflate σ by ~6 % at σ ≈ 0.08 with 10 bins);
 *   τ² is the between-window variance of the reference windows' means beyond what σ²/n explains, counted
 *   only when it is significant (real series whose quality wanders from window to window), else 0.
 *   k = 1, h = 6.5 (the defaults) were calibrated on the simulator's traffic without incidents (seeds 1–12,
 *   12 h each from 06:00 UTC, every evaluator series, 357k judged windows): 1 false alarm per ~30,000
 *   windows per series, against 1 per ~20,000 for the previous rule (k = 0.5, h = 8, σ from the 10 bin
 *   centres, at least the spread of the reference means) on the same windows. The h ≈ 4.1 that normal
 *   window means would need is far too low here: the scores have a heavy lower tail (P(u > 3) is 4–8× the
 *   normal 0.13 % at 1–5 scores a window), and h = 4.1 gives 1 false alarm per ~1,200 windows. The
 *   sequential test is its own persistence rule, so `mean_drop` fires at the window that crosses h
 *   (`mean_drop_pending_for_ms`, default 0) instead of waiting out the lifecycle's pending time.
 *   It catches a slow slide that no single window shows. S is capped at CUSUM_CAP·h: beyond the alarm line
 *   more evidence changes nothing, and an uncapped S that a deep drop pushed into the hundreds would keep
 *   the alert firing for hours after the scores came back (it only falls by k per window); capped, it is
 *   back under h within (CUSUM_CAP − 1)·h/k windows of normal scores, and then restarts from 0.
 * - `negative_feedback`: share of negative feedback against its learned rate (binomial z, as error rates).
 */
export const QUALITY = 'quality';
const MAX_EVALUATORS = 32;
const CUSUM_CAP = 1.25;

export interface EvaluatorState {
  refWindows: number;
  refHist: number[];
  refCount: number;
  refSum: number;
  /** Welford over the reference windows' mean scores. */
  refMeansN: number;
  refMeansMean: number;
  refMeansM2: number;
  /** Σ 1/n over the reference windows (n: scores in the window), for the between-window variance τ². */
  refInvCount?: number;
  frozen: boolean;
  current: number[];
  cusum: number;
}

export interface QualityState {
  evaluators: Record<string, EvaluatorState>;
  feedback: RateState;
}

export function qualityInit(): QualityState {
  return { evaluators: {}, feedback: rateInit() };
}

function evaluatorInit(): EvaluatorState {
  return {
    refWindows: 0,
    refHist: new Array<number>(SCORE_HISTOGRAM_BINS).fill(0),
    refCount: 0,
    refSum: 0,
    refMeansN: 0,
    refMeansMean: 0,
    refMeansM2: 0,
    refInvCount: 0,
    frozen: false,
    current: new Array<number>(SCORE_HISTOGRAM_BINS).fill(0),
    cusum: 0,
  };
}

const scratch = new Array<number>(SCORE_HISTOGRAM_BINS).fill(0);

/** Signal names per evaluator, built once: the hot path then looks them up without building strings. */
const signalNames = new Map<string, { drift: string; drop: string }>();
function namesOf(evaluator: string): { drift: string; drop: string } {
  let names = signalNames.get(evaluator);
  if (names === undefined) {
    names = { drift: `drift:${evaluator}`, drop: `mean_drop:${evaluator}` };
    if (signalNames.size < 10_000) signalNames.set(evaluator, names);
  }
  return names;
}

/**
 * Variance of a single score from the reference histogram: bin centres, with Sheppard's correction for the
 * grouping (− w²/12), floored at a quarter of the uncorrected variance. Measured on the simulator's
 * evaluator series (σ 0.07–0.11): bin centres give σ 0–8 % too high (mean +4 %), corrected −5…+4 % (mean
 * −1 %). Limitation: scores piled against 1 (mean ≥ 0.87 at σ 0.08) sit above their bin centre, where the
 * centres already underestimate σ and the correction makes it worse (−8 %); the exact answer needs Σx² in
 * the window aggregate (a contract change).
 */
export function histogramVariance(h: readonly number[], count: number): number {
  if (count <= 0) return 0;
  let mean = 0;
  for (let i = 0; i < h.length; i++) mean += (h[i] as number) * ((i + 0.5) / h.length);
  mean /= count;
  let v = 0;
  for (let i = 0; i < h.length; i++) {
    const d = (i + 0.5) / h.length - mean;
    v += (h[i] as number) * d * d;
  }
  v /= count;
  return Math.max(v - 1 / (12 * h.length * h.length), v / 4);
}

/**
 * Variance of a window mean of `count` scores under the reference: σ²/n + τ², where τ² (between-window
 * variance beyond sampling) counts only when the reference windows' means spread more than sampling alone
 * explains, by more than two standard errors of that spread.
 */
export function meanVariance(e: EvaluatorState, count: number): number {
  const sigma2 = histogramVariance(e.refHist, e.refCount);
  let tau2 = 0;
  const w = e.refMeansN;
  if (w > 2 && e.refInvCount !== undefined) {
    const observed = e.refMeansM2 / (w - 1);
    const sampling = (sigma2 * e.refInvCount) / w;
    if (observed > sampling * (1 + 2 * Math.sqrt(2 / (w - 1)))) tau2 = observed - sampling;
  }
  return Math.max(sigma2 / count + tau2, 1e-6);
}

/** One CUSUM step: the standardised drop u of this window's mean and the next statistic. */
export function cusumStep(
  previous: number,
  mu0: number,
  variance: number,
  mean: number,
  k: number,
  h: number,
): { s: number; u: number } {
  const u = (mu0 - mean) / Math.sqrt(variance);
  let s = Math.min(CUSUM_CAP * h, Math.max(0, previous + u - k));
  // Back under the alarm line: the drop is over; restart from 0, so that a new alarm needs new evidence
  // rather than flapping on the tail of the old one.
  if (previous >= h && s < h) s = 0;
  return { s, u };
}

function nextCusum(
  ctx: DetectorContext,
  e: EvaluatorState,
  mean: number,
  count: number,
): { s: number; u: number } {
  const q = ctx.compiled.rules.quality;
  return cusumStep(e.cusum, e.refSum / e.refCount, meanVariance(e, count), mean, q.cusum_k, q.cusum_h);
}

export function qualityEvaluate(ctx: DetectorContext, s: QualityState, f: WindowFeatures): void {
  const q = ctx.compiled.rules.quality;
  if (!q.enabled) return;
  const decay = 2 ** (-1 / q.current_half_life_windows);
  for (const name in f.quality) {
    const agg = f.quality[name];
    const e = s.evaluators[name];
    if (agg === undefined || e === undefined || !e.frozen || agg.count <= 0) continue;
    let total = 0;
    for (let i = 0; i < SCORE_HISTOGRAM_BINS; i++) {
      const v = (e.current[i] as number) * decay + (agg.histogram[i] ?? 0);
      scratch[i] = v;
      total += v;
    }
    const { drift, drop } = namesOf(name);
    // Fewer than min_scores recent scores cannot raise a drift, but may clear one already tracked (the
    // noise floor of the threshold grows as the sample shrinks): otherwise a series whose recent sample
    // hovers around min_scores would keep a drift firing long after its scores came back.
    if (total >= q.min_scores || (total > 0 && ctx.emit.tracks(QUALITY, drift))) {
      const shift = psi(e.refHist, scratch);
      const threshold = psiThreshold(q.psi_threshold, e.refCount, total);
      if (total < q.min_scores) {
        if (shift < threshold) ctx.emit.clear(QUALITY, drift, f, shift, 0, threshold, 0);
      } else if (shift >= threshold) {
        const js = jensenShannon(e.refHist, scratch);
        ctx.emit.breach(
          QUALITY,
          drift,
          shift >= Math.max(q.psi_critical, threshold) ? 'critical' : 'warning',
          f,
          shift,
          0,
          threshold,
          excessScore(shift, threshold),
          () => ({
            summary: `The distribution of '${name}' scores of ${ctx.scope} has shifted from its reference (PSI ${fmt(shift, 2)}, mean ${fmt(meanOf(scratch, total), 2)} vs ${fmt(e.refSum / e.refCount, 2)}).`,
            evidence: {
              evaluator: name,
              psi: fmt(shift),
              jensen_shannon_bits: fmt(js),
              recent_scores: fmt(total),
              reference_scores: String(e.refCount),
              recent_histogram: scratch.map((v) => fmt(v, 3)).join(','),
              reference_histogram: e.refHist.join(','),
            },
          }),
        );
      } else ctx.emit.clear(QUALITY, drift, f, shift, 0, threshold, 0);
    }
    const mean = agg.sum / agg.count;
    const { s: next } = nextCusum(ctx, e, mean, agg.count);
    if (next >= q.cusum_h) {
      ctx.emit.breach(
        QUALITY,
        drop,
        'warning',
        f,
        mean,
        e.refSum / e.refCount,
        q.cusum_h,
        excessScore(next, q.cusum_h),
        () => ({
          summary: `Mean '${name}' score of ${ctx.scope} has been sliding down: ${fmt(mean, 2)} now against ${fmt(e.refSum / e.refCount, 2)} in the reference (CUSUM ${fmt(next, 2)}).`,
          evidence: {
            evaluator: name,
            cusum: fmt(next),
            window_mean: fmt(mean),
            reference_mean: fmt(e.refSum / e.refCount),
            window_scores: String(agg.count),
          },
        }),
        q.mean_drop_pending_for_ms,
      );
    } else ctx.emit.clear(QUALITY, drop, f, mean, e.refSum / e.refCount, q.cusum_h, 0);
  }
  const fb = q.feedback;
  if (f.feedbackTotal >= fb.min_total && f.feedbackTotal > 0) {
    const ratio = f.feedbackNegative / f.feedbackTotal;
    const expected = rateExpected(s.feedback);
    const z = rateZ(s.feedback, f.feedbackNegative, f.feedbackTotal);
    const threshold = Math.max(expected * fb.min_ratio, expected + fb.min_increase);
    const warm = s.feedback.windows >= ctx.compiled.warmup;
    if (warm && z >= fb.z_threshold && ratio >= threshold) {
      ctx.emit.breach(
        QUALITY,
        'negative_feedback',
        'warning',
        f,
        ratio,
        expected,
        threshold,
        excessScore(z, fb.z_threshold),
        () => ({
          summary: `Users of ${ctx.scope} gave negative feedback on ${pct(ratio)} of ${f.feedbackTotal} answers, against a usual ${pct(expected)}.`,
          evidence: {
            negative: String(f.feedbackNegative),
            total: String(f.feedbackTotal),
            negative_ratio: fmt(ratio),
            baseline_ratio: fmt(expected),
            z: fmt(z),
          },
        }),
      );
    } else ctx.emit.clear(QUALITY, 'negative_feedback', f, ratio, expected, threshold, 0);
  }
}

/** The PSI a drift needs: the configured threshold, but at least 3.5× the mean PSI of sampling noise. */
export function psiThreshold(configured: number, referenceScores: number, recentScores: number): number {
  const noise = (SCORE_HISTOGRAM_BINS - 1) * (1 / referenceScores + 1 / recentScores);
  return Math.max(configured, 3.5 * noise);
}

export function qualityLearn(ctx: DetectorContext, s: QualityState, f: WindowFeatures): void {
  const q = ctx.compiled.rules.quality;
  if (!q.enabled) return;
  const decay = 2 ** (-1 / q.current_half_life_windows);
  for (const name in f.quality) {
    const agg = f.quality[name];
    if (agg === undefined || agg.count <= 0) continue;
    let e = s.evaluators[name];
    if (e === undefined) {
      if (Object.keys(s.evaluators).length >= MAX_EVALUATORS) continue;
      e = evaluatorInit();
      s.evaluators[name] = e;
    }
    if (!e.frozen) {
      for (let i = 0; i < SCORE_HISTOGRAM_BINS; i++)
        e.refHist[i] = (e.refHist[i] as number) + (agg.histogram[i] ?? 0);
      e.refCount += agg.count;
      e.refSum += agg.sum;
      e.refWindows++;
      const mean = agg.sum / agg.count;
      e.refMeansN++;
      const d = mean - e.refMeansMean;
      e.refMeansMean += d / e.refMeansN;
      e.refMeansM2 += d * (mean - e.refMeansMean);
      e.refInvCount = (e.refInvCount ?? 0) + 1 / agg.count;
      if (e.refWindows >= q.reference_windows && e.refCount >= q.min_reference_scores) e.frozen = true;
      continue;
    }
    e.cusum = nextCusum(ctx, e, agg.sum / agg.count, agg.count).s;
    for (let i = 0; i < SCORE_HISTOGRAM_BINS; i++) {
      e.current[i] = (e.current[i] as number) * decay + (agg.histogram[i] ?? 0);
    }
  }
  if (f.feedbackTotal > 0) rateLearn(s.feedback, ctx.compiled.rate, f.feedbackNegative, f.feedbackTotal);
}

function meanOf(h: readonly number[], total: number): number {
  let m = 0;
  for (let i = 0; i < h.length; i++) m += (h[i] as number) * ((i + 0.5) / h.length);
  return total > 0 ? m / total : 0;
}
