import type { LevelParams, LevelState } from '../stats/level.js';
import { levelExpected, levelInit, levelLearn, levelSigma } from '../stats/level.js';
import type { LikelihoodOptions, LikelihoodState } from './likelihood.js';
import { DEFAULT_LIKELIHOOD_OPTIONS, likelihoodInit, likelihoodStep, logTail } from './likelihood.js';
import type { ShapeOptions, ShapeState } from './shape.js';
import { DEFAULT_SHAPE_OPTIONS, shapeInit, shapeStep } from './shape.js';

/**
 * A univariate streaming anomaly scorer: `score(t, x)` → [0, 1], causal (a point's score uses only the
 * points before it and itself), O(1) time and memory per point, state snapshot-able as JSON.
 *
 * It learns the same robust level baseline the latency detector uses (stats/level.ts) and asks, for a few
 * views of the point, "has the series ever been this far out before?" — a *record* against the whole
 * history, measured as the excess over the previous maximum relative to the range that view has covered:
 *   0, 1: the value itself, up and down ("spatial" novelty);
 *   2: |z| of the value against the fast level baseline (spikes);
 *   3: |EW-smoothed z| (sustained shifts) — weight 0 by default: it cost more false positives than it found;
 *   4: |EW-smoothed residual against the same point one season ago| (daily shape changes; the season is one
 *      day, found from the median spacing of the first timestamps);
 *   5, 6: the rolling mean over `meanWindow` points, up and down (level shifts hidden in noise).
 * The score is excess/(1 + excess) of the largest weighted excess, scaled by n/(n + historyHalf) (a record
 * means more after a long history). A record within `suppressPoints` of the previous one is scaled down by
 * `suppressFactor`, so one incident makes one detection, not a burst. A view scores only once it has seen
 * `warmupPoints` points; views standardised by a learned scale start once that scale has 30 points.
 *
 * The dense views listed in `likelihoodViews` (by default the seasonal residual) and the shape-novelty view
 * (shape.ts: distance of the latest downsampled window to a bounded memory of prototype shapes) also go
 * through an anomaly-likelihood layer (likelihood.ts) each: a tail probability Q of its recent average, fused
 * on one log scale (the largest weight × −log10 Q / 10) with the record score, with a suppression of its own
 * (`likelihoodWeight` / `shapeWeight` 0 turn them off).
 *
 * Every default was chosen by measurement on the whole NAB corpus with one parameter set (bench/nab/README.md).
 */
export interface SeriesScorerOptions {
  /** Points a view must have seen before it may score. */
  readonly warmupPoints: number;
  /** Level baseline of the spike view. */
  readonly alpha: number;
  readonly scaleAlpha: number;
  readonly clip: number;
  /** EW smoothing of the signed z (view 3). */
  readonly smoothing: number;
  /** EW smoothing of the seasonal residual (view 4). */
  readonly seasonSmoothing: number;
  readonly meanWindow: number;
  /** 'auto': one day, from the median spacing of the first timestamps; a number: a lag in points; 'none'. */
  readonly season: 'auto' | 'none' | number;
  readonly maxSeasonLag: number;
  readonly suppressPoints: number;
  readonly suppressFactor: number;
  /** Record excess (relative to the range) above which a detection starts a suppression period. */
  readonly suppressAbove: number;
  /** Weight of each view's excess, in the order above (0 disables a view). */
  readonly viewWeights: readonly number[];
  /** Excess is scaled by n/(n + historyHalf) (0: off). */
  readonly historyHalf: number;
  /** Weight of the anomaly-likelihood score in the fusion (0: off). */
  readonly likelihoodWeight: number;
  /** Views (indices as in viewWeights) fed to the likelihood layer. */
  readonly likelihoodViews: readonly number[];
  readonly likelihood: LikelihoodOptions;
  /** Weight of the shape-novelty view's likelihood in the same fusion (0: off). */
  readonly shapeWeight: number;
  readonly shape: ShapeOptions;
}

export const DEFAULT_SERIES_SCORER_OPTIONS: SeriesScorerOptions = Object.freeze({
  warmupPoints: 100,
  alpha: 0.1,
  scaleAlpha: 0.02,
  clip: 4,
  smoothing: 0.2,
  seasonSmoothing: 0.2,
  meanWindow: 12,
  season: 'auto',
  maxSeasonLag: 1440,
  suppressPoints: 30,
  suppressFactor: 0.01,
  suppressAbove: 0.005,
  viewWeights: Object.freeze([1, 1, 1, 0, 1, 1, 1]),
  historyHalf: 2000,
  likelihoodWeight: 0.01,
  likelihoodViews: Object.freeze([4]),
  likelihood: Object.freeze({ ...DEFAULT_LIKELIHOOD_OPTIONS, average: 20 }),
  shapeWeight: 0.01,
  shape: DEFAULT_SHAPE_OPTIONS,
});

const VIEWS = 7;
const AUTO_SAMPLES = 32;
const DAY = 86_400_000;
const Z_CAP = 8;
/** Points (or seasonal residuals) a scale needs before the views standardised by it are tracked. */
const STABLE_AFTER = 30;

export interface SeriesScorerState {
  version: 1;
  n: number;
  lastT: number;
  level: LevelState;
  smoothedZ: number;
  /** Spacing samples for the automatic season (until it is decided). */
  gaps: number[];
  seasonLag: number;
  seasonRing: number[];
  /** EW mean absolute seasonal residual, over `seasonResiduals` residuals so far. */
  seasonMad: number;
  seasonResiduals: number;
  smoothedSeason: number;
  meanRing: number[];
  meanSum: number;
  /** Per view: highest and lowest value seen, and how many values. */
  hi: number[];
  lo: number[];
  seen: number[];
  lastDetection: number;
  /** One likelihood layer per entry of likelihoodViews (absent in states saved before it existed). */
  likelihood?: LikelihoodState[];
  lastLikelihoodDetection?: number;
  shape?: ShapeState;
  shapeLikelihood?: LikelihoodState;
}

export interface SeriesScorer {
  score(timestampMs: number, value: number): number;
  snapshot(): SeriesScorerState;
  restore(state: SeriesScorerState): void;
}

export function createSeriesScorer(options: Partial<SeriesScorerOptions> = {}): SeriesScorer {
  const o: SeriesScorerOptions = {
    ...DEFAULT_SERIES_SCORER_OPTIONS,
    ...options,
    likelihood: { ...DEFAULT_SERIES_SCORER_OPTIONS.likelihood, ...options.likelihood },
    shape: { ...DEFAULT_SHAPE_OPTIONS, ...options.shape },
  };
  const suppressOut = o.suppressAbove / (1 + o.suppressAbove);
  const levelParams: LevelParams = {
    alpha: o.alpha,
    scaleAlpha: o.scaleAlpha,
    seasonality: 'none',
    seasonMinVisits: 1,
    clip: o.clip,
    robustAfter: 10,
    outlierWeight: 1,
    minScale: 1e-9,
    relMinScale: 1e-6,
  };
  let s = initialState(o, levelParams);
  const view = new Float64Array(VIEWS);

  return {
    score(t, x) {
      if (!Number.isFinite(x)) return 0;
      observeSpacing(s, o, t);
      // Views of this point, against the state before it.
      const expected = s.level.n === 0 ? x : levelExpected(s.level, levelParams, t);
      const z = (x - expected) / levelSigma(s.level, levelParams, expected);
      s.smoothedZ += o.smoothing * (clamp(z, Z_CAP) - s.smoothedZ);
      const mw = o.meanWindow;
      const slot = s.n % mw;
      if (s.n >= mw) s.meanSum -= s.meanRing[slot] as number;
      s.meanRing[slot] = x;
      s.meanSum += x;
      const mean = s.meanSum / Math.min(s.n + 1, mw);
      const stable = s.n >= STABLE_AFTER;
      view[0] = x;
      view[1] = -x;
      view[2] = stable ? Math.abs(z) : Number.NaN;
      view[3] = stable ? Math.abs(s.smoothedZ) : Number.NaN;
      view[4] = seasonalView(s, o, x, expected);
      view[5] = mean;
      view[6] = -mean;

      let best = 0;
      for (let k = 0; k < VIEWS; k++) {
        const v = view[k] as number;
        const weight = o.viewWeights[k] ?? 1;
        if (Number.isNaN(v) || weight === 0) continue;
        const seen = s.seen[k] as number;
        const hi = s.hi[k] as number;
        const lo = s.lo[k] as number;
        if (seen === 0) {
          s.hi[k] = v;
          s.lo[k] = v;
        } else {
          const range = hi - lo;
          if (seen >= o.warmupPoints && range > 0 && v > hi) {
            const excess = (weight * (v - hi)) / range;
            if (excess > best) best = excess;
          }
          if (v > hi) s.hi[k] = v;
          if (v < lo) s.lo[k] = v;
        }
        s.seen[k] = seen + 1;
      }
      if (o.historyHalf > 0) best *= s.n / (s.n + o.historyHalf);
      let out = best / (1 + best);
      if (out > suppressOut) {
        if (s.n - s.lastDetection < o.suppressPoints) out *= o.suppressFactor;
        else s.lastDetection = s.n;
      }
      if (o.likelihoodWeight > 0 || o.shapeWeight > 0) {
        let likely = 0;
        if (o.likelihoodWeight > 0) {
          s.likelihood ??= o.likelihoodViews.map(() => likelihoodInit(o.likelihood));
          for (let j = 0; j < o.likelihoodViews.length; j++) {
            const v = view[o.likelihoodViews[j] as number] as number;
            if (Number.isNaN(v)) continue;
            const l = logTail(likelihoodStep(s.likelihood[j] as LikelihoodState, o.likelihood, v));
            if (o.likelihoodWeight * l > likely) likely = o.likelihoodWeight * l;
          }
        }
        if (o.shapeWeight > 0) {
          s.shape ??= shapeInit(o.shape);
          s.shapeLikelihood ??= likelihoodInit(o.likelihood);
          const novelty = shapeStep(s.shape, o.shape, x);
          if (!Number.isNaN(novelty)) {
            const l = logTail(likelihoodStep(s.shapeLikelihood, o.likelihood, novelty));
            if (o.shapeWeight * l > likely) likely = o.shapeWeight * l;
          }
        }
        // Its own suppression: a run of unlikely values is one detection, and none just after a record
        // (but a likelihood detection never silences a later record).
        if (likely > suppressOut) {
          const last = s.lastLikelihoodDetection ?? -1e12;
          if (s.n - last < o.suppressPoints || s.n - s.lastDetection < o.suppressPoints)
            likely *= o.suppressFactor;
          else s.lastLikelihoodDetection = s.n;
        }
        if (likely > out) out = likely;
      }
      levelLearn(s.level, levelParams, t, x);
      s.n++;
      s.lastT = t;
      return out;
    },
    snapshot() {
      return structuredClone(s);
    },
    restore(state) {
      if (state.version !== 1) throw new Error(`unsupported series scorer state version ${state.version}`);
      s = structuredClone(state);
    },
  };
}

/** |EW-smoothed residual against one season ago|, standardised; NaN until the season's scale is learned. */
function seasonalView(s: SeriesScorerState, o: SeriesScorerOptions, x: number, expected: number): number {
  if (s.seasonLag <= 0) return Number.NaN;
  const ring = s.seasonRing;
  if (ring.length < s.seasonLag) {
    ring.push(x);
    return Number.NaN;
  }
  const at = s.n % s.seasonLag;
  const residual = x - (ring[at] as number);
  ring[at] = x;
  const k = s.seasonResiduals;
  let out = Number.NaN;
  let bounded = Math.abs(residual);
  if (k >= STABLE_AFTER) {
    const scale = s.seasonMad + 1e-9 + 1e-6 * Math.abs(expected);
    s.smoothedSeason += o.seasonSmoothing * (clamp(residual / scale, Z_CAP) - s.smoothedSeason);
    out = Math.abs(s.smoothedSeason);
    bounded = Math.min(bounded, o.clip * scale);
  }
  s.seasonMad += Math.max(o.scaleAlpha, 1 / (k + 1)) * (bounded - s.seasonMad);
  s.seasonResiduals = k + 1;
  return out;
}

function initialState(o: SeriesScorerOptions, p: LevelParams): SeriesScorerState {
  return {
    version: 1,
    n: 0,
    lastT: 0,
    level: levelInit(p),
    smoothedZ: 0,
    gaps: [],
    seasonLag: typeof o.season === 'number' ? Math.max(0, Math.floor(o.season)) : 0,
    seasonRing: [],
    seasonMad: 0,
    seasonResiduals: 0,
    smoothedSeason: 0,
    meanRing: new Array<number>(o.meanWindow).fill(0),
    meanSum: 0,
    hi: new Array<number>(VIEWS).fill(0),
    lo: new Array<number>(VIEWS).fill(0),
    seen: new Array<number>(VIEWS).fill(0),
    lastDetection: -1e12,
  };
}

/** Decides the automatic season lag (one day in points) from the median of the first spacings. */
function observeSpacing(s: SeriesScorerState, o: SeriesScorerOptions, t: number): void {
  if (o.season !== 'auto' || s.gaps.length >= AUTO_SAMPLES || s.n === 0) return;
  s.gaps.push(t - s.lastT);
  if (s.gaps.length < AUTO_SAMPLES) return;
  const sorted = [...s.gaps].sort((a, b) => a - b);
  const median = sorted[AUTO_SAMPLES >> 1] as number;
  const lag = median > 0 ? Math.round(DAY / median) : 0;
  s.seasonLag = lag >= 24 && lag <= o.maxSeasonLag ? lag : 0;
}

function clamp(v: number, cap: number): number {
  return Math.min(Math.max(v, -cap), cap);
}
