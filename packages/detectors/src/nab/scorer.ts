import { parseTimestamp } from '../series/csv.js';

/**
 * The Numenta Anomaly Benchmark scorer, written from the description of NAB's code
 * (shared/nab/SCORING.md, NAB commit ea702d7): per-row sweep scores, the corpus-wide threshold sweep
 * and the 0–100 normalisation. Pure: callers bring the rows, the labels and the anomaly scores.
 */

export interface NabProfile {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
}

export const NAB_PROFILES = {
  standard: { tp: 1.0, fp: 0.11, fn: 1.0 },
  reward_low_FP_rate: { tp: 1.0, fp: 0.22, fn: 1.0 },
  reward_low_FN_rate: { tp: 1.0, fp: 0.11, fn: 2.0 },
} as const satisfies Record<string, NabProfile>;

export type NabProfileName = keyof typeof NAB_PROFILES;
export const NAB_PROFILE_NAMES = Object.keys(NAB_PROFILES) as NabProfileName[];

/** f(y) = 2σ(−5y) − 1 = −tanh(2.5y) for y ≤ 3, and −1 beyond. */
export function nabScaledSigmoid(y: number): number {
  return y > 3 ? -1 : -Math.tanh(2.5 * y);
}

/** f(−1): the score of a detection at the very first row of a window. */
export const NAB_MAX_TP = Math.tanh(2.5);

/** Rows before this index are not scored: min(floor(0.15 n), 750). */
export function nabProbationPeriod(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 750);
}

/** An anomaly window as inclusive row indices. */
export type NabWindow = readonly [start: number, end: number];

/**
 * The sweep score s_i of every row, and the window each row belongs to (−1 outside every window).
 * Windows must be sorted and disjoint, as they are in combined_windows.json.
 */
export function nabRowScores(
  rows: number,
  windows: readonly NabWindow[],
  profile: NabProfile,
): { weights: Float64Array; windowOf: Int32Array } {
  const weights = new Float64Array(rows);
  const windowOf = new Int32Array(rows).fill(-1);
  let prevEnd = -1;
  let prevWidth = 0;
  let k = 0;
  for (let i = 0; i < rows; i++) {
    const win = windows[k];
    if (win !== undefined && i >= win[0] && i <= win[1]) {
      const width = win[1] - win[0] + 1;
      weights[i] = (profile.tp * nabScaledSigmoid(-(win[1] - i + 1) / width)) / NAB_MAX_TP;
      windowOf[i] = k;
      if (i === win[1]) {
        prevEnd = win[1];
        prevWidth = width;
        k++;
      }
    } else if (prevEnd < 0) {
      weights[i] = -profile.fp;
    } else {
      weights[i] = profile.fp * nabScaledSigmoid((i - prevEnd) / (prevWidth - 1));
    }
  }
  return { weights, windowOf };
}

/** One labelled, scored file. */
export interface NabFileInput {
  readonly name: string;
  readonly scores: ArrayLike<number>;
  readonly windows: readonly NabWindow[];
}

export interface NabFileResult {
  readonly name: string;
  readonly score: number;
  readonly truePositives: number;
  readonly falseNegatives: number;
  readonly falsePositives: number;
}

export interface NabProfileResult {
  readonly profile: NabProfileName;
  /** θ*: the single corpus-wide threshold that maximises the raw score (ties go to the higher one). */
  readonly threshold: number;
  readonly rawScore: number;
  readonly nullScore: number;
  readonly perfectScore: number;
  /** 100 · (S − S_null) / (S_perfect − S_null). */
  readonly normalized: number;
  readonly files: readonly NabFileResult[];
}

/** Raw score of one file at threshold θ: detections are the scored rows with a_i ≥ θ. */
export function nabFileScore(
  file: NabFileInput,
  profile: NabProfile,
  threshold: number,
): NabFileResult & { weights: Float64Array } {
  const n = file.scores.length;
  const { weights, windowOf } = nabRowScores(n, file.windows, profile);
  const probation = nabProbationPeriod(n);
  const best = new Float64Array(file.windows.length).fill(Number.NEGATIVE_INFINITY);
  let fpSum = 0;
  let falsePositives = 0;
  for (let i = probation; i < n; i++) {
    if ((file.scores[i] as number) < threshold) continue;
    const w = windowOf[i] as number;
    const s = weights[i] as number;
    if (w < 0) {
      fpSum += s;
      falsePositives++;
    } else if (s > (best[w] as number)) {
      best[w] = s;
    }
  }
  let score = fpSum;
  let truePositives = 0;
  for (const b of best) {
    if (b === Number.NEGATIVE_INFINITY) {
      score -= profile.fn;
    } else {
      score += b;
      truePositives++;
    }
  }
  return {
    name: file.name,
    score,
    truePositives,
    falseNegatives: file.windows.length - truePositives,
    falsePositives,
    weights,
  };
}

/**
 * The corpus sweep for one profile (SCORING.md §7): every distinct anomaly score is a candidate threshold,
 * plus 1.1 (no detection); the best raw score wins and, on a tie, the higher threshold.
 */
export function nabSweep(files: readonly NabFileInput[], profileName: NabProfileName): NabProfileResult {
  const profile = NAB_PROFILES[profileName];
  let total = 0;
  let windowCount = 0;
  for (const f of files) {
    total += f.scores.length - nabProbationPeriod(f.scores.length);
    windowCount += f.windows.length;
  }
  // Pool the scored rows: anomaly score, sweep score and a corpus-wide window id.
  const values = new Float64Array(total);
  const weights = new Float64Array(total);
  const windowIds = new Int32Array(total);
  let p = 0;
  let windowBase = 0;
  for (const f of files) {
    const n = f.scores.length;
    const rows = nabRowScores(n, f.windows, profile);
    for (let i = nabProbationPeriod(n); i < n; i++) {
      const a = f.scores[i] as number;
      if (!(a >= 0 && a <= 1))
        throw new RangeError(`${f.name}: anomaly score of row ${i} is ${a}, not in [0, 1]`);
      values[p] = a;
      weights[p] = rows.weights[i] as number;
      const w = rows.windowOf[i] as number;
      windowIds[p] = w < 0 ? -1 : windowBase + w;
      p++;
    }
    windowBase += f.windows.length;
  }
  const order = orderByValueDescending(values);
  const best = new Float64Array(windowCount).fill(-profile.fn);
  let windowSum = -profile.fn * windowCount;
  let fpSum = 0;
  let bestScore = windowSum; // θ = 1.1: no detection at all
  let bestThreshold = 1.1;
  let i = 0;
  while (i < total) {
    const t = values[order[i] as number] as number;
    while (i < total) {
      const row = order[i] as number;
      if (values[row] !== t) break;
      const w = windowIds[row] as number;
      const s = weights[row] as number;
      if (w < 0) fpSum += s;
      else if (s > (best[w] as number)) {
        windowSum += s - (best[w] as number);
        best[w] = s;
      }
      i++;
    }
    const score = windowSum + fpSum;
    if (score > bestScore) {
      bestScore = score;
      bestThreshold = t;
    }
  }
  // Re-score every file at θ* for the per-file table (and an exact total, free of running-sum rounding).
  const fileResults = files.map((f) => {
    const { weights: _w, ...r } = nabFileScore(f, profile, bestThreshold);
    return r;
  });
  const rawScore = fileResults.reduce((sum, r) => sum + r.score, 0);
  const perfectScore = profile.tp * windowCount;
  const nullScore = -profile.fn * windowCount;
  return {
    profile: profileName,
    threshold: bestThreshold,
    rawScore,
    nullScore,
    perfectScore,
    normalized: (100 * (rawScore - nullScore)) / (perfectScore - nullScore),
    files: fileResults,
  };
}

/** Row indices sorted by value, highest first (ties in any order: they are swept together). */
function orderByValueDescending(values: Float64Array): Uint32Array {
  const n = values.length;
  // Native numeric sort of the values, then a counting sort of the rows by their rank among distinct values:
  // several times faster than sorting the indices with a comparator.
  const sorted = Float64Array.from(values).sort();
  let distinct = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[distinct++] = sorted[i] as number;
  }
  const ranks = new Uint32Array(n);
  const counts = new Uint32Array(distinct + 1);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    let lo = 0;
    let hi = distinct - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sorted[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    const rank = distinct - 1 - lo; // 0 = highest value
    ranks[i] = rank;
    counts[rank + 1] = (counts[rank + 1] as number) + 1;
  }
  for (let r = 1; r <= distinct; r++) counts[r] = (counts[r] as number) + (counts[r - 1] as number);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const r = ranks[i] as number;
    order[counts[r] as number] = i;
    counts[r] = (counts[r] as number) + 1;
  }
  return order;
}

/** Turns labelled windows (NAB's `YYYY-MM-DD HH:MM:SS.ffffff`, UTC) into inclusive row-index windows of a file. */
export function nabWindowRows(
  timestampsMs: ArrayLike<number>,
  windows: readonly (readonly [string, string])[],
): NabWindow[] {
  const index = new Map<number, number>();
  for (let i = 0; i < timestampsMs.length; i++) index.set(timestampsMs[i] as number, i);
  return windows.map(([from, to]) => {
    const l = index.get(parseTimestamp(from));
    const r = index.get(parseTimestamp(to));
    if (l === undefined || r === undefined)
      throw new RangeError(`window [${from}, ${to}] does not match rows`);
    return [l, r] as const;
  });
}
