import type { LevelParams, LevelState } from '../stats/level.js';
import { levelExpected, levelInit, levelLearn, levelSigma } from '../stats/level.js';

/**
 * A univariate streaming anomaly scorer: `score(t, x)` → [0, 1], causal (a point's score uses only the
 * points before it and itself), O(1) time and memory per point, state snapshot-able as JSON.
 *
 * It learns the same robust level baseline the latency detector uses (stats/level.ts) and asks, for a few
 * views of the point, "has the series ever been this far out before?" — a *record* against the whole
 * history, measured as the excess over the previous maximum relative to the range seen so far:
 *   - the value itself, up and down ("spatial" novelty);
 *   - |z| of the value against the fast level baseline (spikes), and its EW-smoothed signed z (shifts);
 *   - the smoothed residual against the same point one season ago (daily seasonality, from the timestamps);
 *   - the rolling mean over `meanWindow` points, up and down (level shifts hidden in noise).
 * The score is excess/(1 + excess). A record within `suppressPoints` of the previous one is scaled down by
 * `suppressFactor`, so one incident makes one detection, not a burst. Views that have not yet seen
 * `warmupPoints` points score 0: no records are claimed before the history means something.
 *
 * Measured on NAB (bench/nab): see the report in bench/nab/README.md.
 */
export interface SeriesScorerOptions {
  /** Points a view must have seen before it may score. */
  readonly warmupPoints: number;
  /** Level baseline of the spike view. */
  readonly alpha: number;
  readonly scaleAlpha: number;
  readonly clip: number;
  /** EW smoothing of the signed z (and of the seasonal residual). */
  readonly smoothing: number;
  readonly meanWindow: number;
  /** 'auto': one day, from the median spacing of the first timestamps; a number: a lag in points; 'none'. */
  readonly season: 'auto' | 'none' | number;
  readonly maxSeasonLag: number;
  readonly suppressPoints: number;
  readonly suppressFactor: number;
  /** Record excess (relative to the range) above which a detection starts a suppression period. */
  readonly suppressAbove: number;
}

export const DEFAULT_SERIES_SCORER_OPTIONS: SeriesScorerOptions = Object.freeze({
  warmupPoints: 100,
  alpha: 0.1,
  scaleAlpha: 0.02,
  clip: 4,
  smoothing: 0.2,
  meanWindow: 12,
  season: 'auto',
  maxSeasonLag: 1440,
  suppressPoints: 30,
  suppressFactor: 0.01,
  suppressAbove: 0.005,
});

const VIEWS = 7; // x, −x, |z|, |smoothed z|, |seasonal residual|, mean, −mean
const AUTO_SAMPLES = 32;
const DAY = 86_400_000;
const Z_CAP = 8;

export interface SeriesScorerState {
  version: 1;
  n: number;
  lastT: number;
  level: LevelState;
  smoothedZ: number;
  /** Spacing samples for the automatic season (cleared once decided). */
  gaps: number[];
  seasonLag: number;
  seasonRing: number[];
  /** EW mean absolute seasonal residual. */
  seasonMad: number;
  smoothedSeason: number;
  meanRing: number[];
  meanSum: number;
  hi: number[];
  lo: number[];
  seen: number[];
  lastDetection: number;
}

export interface SeriesScorer {
  score(timestampMs: number, value: number): number;
  snapshot(): SeriesScorerState;
  restore(state: SeriesScorerState): void;
}

export function createSeriesScorer(options: Partial<SeriesScorerOptions> = {}): SeriesScorer {
  const o: SeriesScorerOptions = { ...DEFAULT_SERIES_SCORER_OPTIONS, ...options };
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
      const sigma = levelSigma(s.level, levelParams, expected);
      const z = (x - expected) / sigma;
      s.smoothedZ += o.smoothing * (clamp(z, Z_CAP) - s.smoothedZ);
      const mw = o.meanWindow;
      const slot = s.n % mw;
      if (s.n >= mw) s.meanSum -= s.meanRing[slot] as number;
      s.meanRing[slot] = x;
      s.meanSum += x;
      const mean = s.meanSum / Math.min(s.n + 1, mw);
      let seasonal = Number.NaN;
      if (s.seasonLag > 0) {
        const ring = s.seasonRing;
        const at = s.n % s.seasonLag;
        if (ring.length === s.seasonLag) {
          const residual = x - (ring[at] as number);
          const ss = s.seasonMad + 1e-9 + 1e-6 * Math.abs(expected);
          s.smoothedSeason += o.smoothing * (clamp(residual / ss, Z_CAP) - s.smoothedSeason);
          seasonal = Math.abs(s.smoothedSeason);
          s.seasonMad += o.scaleAlpha * (Math.min(Math.abs(residual), o.clip * ss) - s.seasonMad);
          ring[at] = x;
        } else ring.push(x);
      }
      view[0] = x;
      view[1] = -x;
      view[2] = Math.abs(z);
      view[3] = Math.abs(s.smoothedZ);
      view[4] = seasonal;
      view[5] = mean;
      view[6] = -mean;
      let best = 0;
      for (let k = 0; k < VIEWS; k++) {
        const v = view[k] as number;
        if (Number.isNaN(v)) continue;
        const seen = s.seen[k] as number;
        const hi = s.hi[k] as number;
        const lo = s.lo[k] as number;
        if (seen === 0) {
          s.hi[k] = v;
          s.lo[k] = v;
        } else {
          const range = hi - lo;
          if (seen >= o.warmupPoints && range > 0 && v > hi) {
            const excess = (v - hi) / range;
            if (excess > best) best = excess;
          }
          if (v > hi) s.hi[k] = v;
          if (v < lo) s.lo[k] = v;
        }
        s.seen[k] = seen + 1;
      }
      let out = best / (1 + best);
      if (best > o.suppressAbove) {
        if (s.n - s.lastDetection < o.suppressPoints) out *= o.suppressFactor;
        else s.lastDetection = s.n;
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
  return v > cap ? cap : v < -cap ? -cap : v;
}
