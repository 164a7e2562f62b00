/**
 * A shape-novelty view (after ARTime's design, written anew): how far the latest short window of the series'
 * *shape* is from every shape seen before.
 * - Downsample: each block of `downsample` points keeps its extreme (the point farthest from the block's
 *   first value), so a spike survives.
 * - Quantise against the running range [lo, hi] to `levels` steps; moves of one step are snapped to the
 *   previous value (small noise is not shape).
 * - The last `length` downsampled values, minus their mean (shape, not level: level novelty is the record
 *   views' job), with their first Haar detail coefficients appended, form the window.
 * - Memory: at most `prototypes` prototypes, fuzzy-ART-like: the nearest within `vigilance` (RMS distance in
 *   range units) learns the window (moves toward it at `learningRate`); otherwise the window becomes a new
 *   prototype, replacing the least used one when the memory is full.
 * The novelty is the RMS distance to the nearest prototype, once per block (NaN in between and until
 * `length` blocks are in); bounded memory, one pass, no look-ahead, JSON state.
 */
export interface ShapeOptions {
  readonly downsample: number;
  readonly levels: number;
  readonly length: number;
  readonly prototypes: number;
  readonly vigilance: number;
  readonly learningRate: number;
}

export const DEFAULT_SHAPE_OPTIONS: ShapeOptions = Object.freeze({
  downsample: 4,
  levels: 32,
  length: 8,
  prototypes: 64,
  vigilance: 0.08,
  learningRate: 0.1,
});

export interface ShapeState {
  lo: number;
  hi: number;
  seen: number;
  blockFirst: number;
  blockExtreme: number;
  blockN: number;
  lastLevel: number;
  window: number[];
  windowN: number;
  protos: number[][];
  uses: number[];
}

export function shapeInit(o: ShapeOptions): ShapeState {
  return {
    lo: 0,
    hi: 0,
    seen: 0,
    blockFirst: 0,
    blockExtreme: 0,
    blockN: 0,
    lastLevel: 0,
    window: new Array<number>(o.length).fill(0),
    windowN: 0,
    protos: [],
    uses: [],
  };
}

/** Feeds one point; returns the novelty of the window a completed block ends, else NaN. */
export function shapeStep(s: ShapeState, o: ShapeOptions, x: number): number {
  if (s.seen === 0) {
    s.lo = x;
    s.hi = x;
  } else {
    if (x < s.lo) s.lo = x;
    if (x > s.hi) s.hi = x;
  }
  s.seen++;
  if (s.blockN === 0) {
    s.blockFirst = x;
    s.blockExtreme = x;
  } else if (Math.abs(x - s.blockFirst) > Math.abs(s.blockExtreme - s.blockFirst)) s.blockExtreme = x;
  s.blockN++;
  if (s.blockN < o.downsample) return Number.NaN;
  s.blockN = 0;
  const range = s.hi - s.lo;
  let level = range > 0 ? Math.floor(((s.blockExtreme - s.lo) / range) * o.levels) : 0;
  if (level >= o.levels) level = o.levels - 1;
  if (Math.abs(level - s.lastLevel) <= 1) level = s.lastLevel;
  s.lastLevel = level;
  s.window[s.windowN % o.length] = level / o.levels;
  s.windowN++;
  if (s.windowN < o.length) return Number.NaN;
  const v = features(s, o);
  const m = o.length + (o.length >> 1);
  // Nearest prototype: the first index with the least distance; a prototype's sum stops once it is past
  // the best so far (partial sums only grow).
  const protos = s.protos;
  let best = Number.POSITIVE_INFINITY;
  let bestAt = -1;
  for (let p = 0; p < protos.length; p++) {
    const proto = protos[p] as number[];
    let d = 0;
    for (let i = 0; i < m && d < best; i++) {
      const e = (v[i] as number) - (proto[i] as number);
      d += e * e;
    }
    if (d < best) {
      best = d;
      bestAt = p;
    }
  }
  const novelty = bestAt < 0 ? 0 : Math.sqrt(best / m);
  if (bestAt >= 0 && novelty <= o.vigilance) {
    const proto = protos[bestAt] as number[];
    for (let i = 0; i < m; i++)
      proto[i] = (proto[i] as number) + o.learningRate * ((v[i] as number) - (proto[i] as number));
    s.uses[bestAt] = (s.uses[bestAt] as number) + 1;
  } else if (protos.length < o.prototypes) {
    protos.push(copy(v, m));
    s.uses.push(1);
  } else {
    let least = 0;
    for (let p = 1; p < s.uses.length; p++) if ((s.uses[p] as number) < (s.uses[least] as number)) least = p;
    protos[least] = copy(v, m);
    s.uses[least] = 1;
  }
  return novelty;
}

/** The first m values of v as a plain array (a prototype: JSON state). */
function copy(v: Float64Array, m: number): number[] {
  const out = new Array<number>(m);
  for (let i = 0; i < m; i++) out[i] = v[i] as number;
  return out;
}

/** Scratch for the latest window's features (copied only when it becomes a prototype). */
let scratch = new Float64Array(12);

/** The window in time order, minus its mean, then the Haar details of adjacent pairs. */
function features(s: ShapeState, o: ShapeOptions): Float64Array {
  const n = o.length;
  if (scratch.length < n + (n >> 1)) scratch = new Float64Array(n + (n >> 1));
  const v = scratch;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    const x = s.window[(s.windowN + i) % n] as number;
    v[i] = x;
    mean += x;
  }
  mean /= n;
  for (let i = 0; i < n; i++) v[i] = (v[i] as number) - mean;
  for (let i = 0; i < n >> 1; i++) v[n + i] = ((v[2 * i + 1] as number) - (v[2 * i] as number)) / Math.SQRT2;
  return v;
}
