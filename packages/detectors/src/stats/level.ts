/**
 * A robust, optionally seasonal, level baseline for one metric.
 *
 * - Level: EWMA of the deseasonalised value; scale: EW mean absolute deviation (× 1.2533 ≈ σ for Gaussian
 *   noise). Residuals beyond `clip`·σ are clipped, and such outlying points are learned with only
 *   `outlierWeight` of the usual step: an incident neither drags the level nor inflates the scale, while a
 *   lasting shift is still absorbed, slowly (hours to days, depending on the half-life).
 * - Seasonality (hour of day or hour of week, UTC): each visit of a phase (one calendar hour) leaves its mean
 *   residual over the level; the phase's offset is the *median* of its last `SEASON_VISITS` visits, used once
 *   it has `seasonMinVisits`. A peak that recurs every day is learned in two days, and one bad hour cannot
 *   move a median of three: "seasonality-aware where history allows", robust to incidents.
 * State is a plain object (JSON-able); the hot path does not allocate.
 */
export type Seasonality = 'none' | 'daily' | 'weekly';

export interface LevelParams {
  /** Smoothing of the level per learned point (early points use 1/(n+1), a running mean). */
  readonly alpha: number;
  readonly scaleAlpha: number;
  readonly seasonality: Seasonality;
  /** Visits (calendar hours) a phase needs before its offset is used. */
  readonly seasonMinVisits: number;
  /** Residuals are clipped to ±clip·σ once `robustAfter` points are in… */
  readonly clip: number;
  readonly robustAfter: number;
  /** …and points beyond that are learned with this fraction of the step. */
  readonly outlierWeight: number;
  /** σ never goes below max(minScale, relMinScale·|expected|). */
  readonly minScale: number;
  readonly relMinScale: number;
}

/** Visits remembered per phase: the last 5 days (daily) or weeks (weekly). */
export const SEASON_VISITS = 5;

export interface LevelState {
  n: number;
  level: number;
  /** EW mean absolute deviation of the (clipped) residuals. */
  mad: number;
  /** Seasonal memory, null without seasonality. */
  season: SeasonState | null;
}

export interface SeasonState {
  /** Offset per phase: median of its remembered visits (0 until it has enough). */
  offset: number[];
  /** Mean residual of the last SEASON_VISITS visits of each phase, ring by phase. */
  visits: number[];
  count: number[];
  head: number[];
  /** The visit being accumulated: hour index (t / 1h), residual sum and points. */
  hour: number;
  sum: number;
  points: number;
}

const HOUR = 3_600_000;

const MAD_TO_SIGMA = 1.2533141373155001; // sqrt(pi/2)
const scratch = new Float64Array(SEASON_VISITS);

function phases(p: LevelParams): number {
  return p.seasonality === 'daily' ? 24 : p.seasonality === 'weekly' ? 168 : 0;
}

export function levelInit(p: LevelParams): LevelState {
  const k = phases(p);
  return {
    n: 0,
    level: 0,
    mad: 0,
    season:
      k === 0
        ? null
        : {
            offset: new Array<number>(k).fill(0),
            visits: new Array<number>(k * SEASON_VISITS).fill(0),
            count: new Array<number>(k).fill(0),
            head: new Array<number>(k).fill(0),
            hour: -1,
            sum: 0,
            points: 0,
          },
  };
}

function phaseOfHour(p: LevelParams, hourIndex: number): number {
  if (p.seasonality === 'daily') return hourIndex % 24;
  // 1970-01-01 was a Thursday: shift so that phase 0 is Monday 00:00 UTC.
  return (hourIndex + 72) % 168;
}

function seasonalOffset(s: LevelState, p: LevelParams, t: number): number {
  const season = s.season;
  if (season === null) return 0;
  const ph = phaseOfHour(p, Math.floor(t / HOUR));
  return (season.count[ph] as number) >= p.seasonMinVisits ? (season.offset[ph] as number) : 0;
}

/** The baseline's expectation at time t (NaN before the first point). */
export function levelExpected(s: LevelState, p: LevelParams, t: number): number {
  return s.n === 0 ? Number.NaN : s.level + seasonalOffset(s, p, t);
}

/** σ used to standardise a residual at a given expectation. */
export function levelSigma(s: LevelState, p: LevelParams, expected: number): number {
  return Math.max(MAD_TO_SIGMA * s.mad, p.minScale, p.relMinScale * Math.abs(expected));
}

/** Standardised residual of x at time t against the baseline (0 before the first point). */
export function levelZ(s: LevelState, p: LevelParams, t: number, x: number): number {
  if (s.n === 0) return 0;
  const expected = levelExpected(s, p, t);
  return (x - expected) / levelSigma(s, p, expected);
}

/** Folds x observed at t into the baseline. */
export function levelLearn(s: LevelState, p: LevelParams, t: number, x: number): void {
  if (!Number.isFinite(x)) return;
  if (s.n === 0) {
    s.n = 1;
    s.level = x;
    s.mad = 0;
    if (s.season !== null) accumulate(s.season, p, t, 0);
    return;
  }
  const expected = s.level + seasonalOffset(s, p, t);
  let e = x - expected;
  let weight = 1;
  if (s.n >= p.robustAfter) {
    const bound = p.clip * levelSigma(s, p, expected);
    if (e > bound || e < -bound) {
      e = e > 0 ? bound : -bound;
      weight = p.outlierWeight;
    }
  }
  s.level += weight * Math.max(p.alpha, 1 / (s.n + 1)) * e;
  s.mad += weight * Math.max(p.scaleAlpha, 1 / (s.n + 1)) * (Math.abs(e) - s.mad);
  if (s.season !== null) accumulate(s.season, p, t, x - s.level);
  s.n++;
}

/** Adds one point's residual over the level to the current visit, closing the previous visit if it ended. */
function accumulate(season: SeasonState, p: LevelParams, t: number, residual: number): void {
  const hour = Math.floor(t / HOUR);
  if (hour !== season.hour) {
    if (season.hour >= 0 && season.points > 0)
      closeVisit(season, phaseOfHour(p, season.hour), season.sum / season.points);
    season.hour = hour;
    season.sum = 0;
    season.points = 0;
  }
  season.sum += residual;
  season.points++;
}

function closeVisit(season: SeasonState, ph: number, mean: number): void {
  const head = season.head[ph] as number;
  season.visits[ph * SEASON_VISITS + head] = mean;
  season.head[ph] = (head + 1) % SEASON_VISITS;
  const count = Math.min(SEASON_VISITS, (season.count[ph] as number) + 1);
  season.count[ph] = count;
  for (let i = 0; i < count; i++) scratch[i] = season.visits[ph * SEASON_VISITS + i] as number;
  season.offset[ph] = median(scratch, count);
}

function median(values: Float64Array, n: number): number {
  // insertion sort of at most SEASON_VISITS values
  for (let i = 1; i < n; i++) {
    const v = values[i] as number;
    let j = i - 1;
    while (j >= 0 && (values[j] as number) > v) {
      values[j + 1] = values[j] as number;
      j--;
    }
    values[j + 1] = v;
  }
  return n % 2 === 1
    ? (values[n >> 1] as number)
    : ((values[n / 2 - 1] as number) + (values[n / 2] as number)) / 2;
}

/** Smoothing factor for a half-life given in points: 1 − 2^(−1/h). */
export function alphaForHalfLife(halfLife: number): number {
  return 1 - 2 ** (-1 / halfLife);
}
