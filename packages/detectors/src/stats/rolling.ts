/**
 * Sums of two counters over a sliding event-time horizon, kept in 12 buckets of horizon/12: constant
 * memory whatever the window size, exact to within one bucket (1/12 of the horizon) at the trailing edge.
 * Used for the multi-window burn rates (5 minutes to 3 days) and recent spend.
 */
export const ROLLING_BUCKETS = 12;

export interface RollingState {
  bucketMs: number;
  ids: number[];
  a: number[];
  b: number[];
}

export function rollingInit(horizonMs: number): RollingState {
  return {
    bucketMs: Math.max(1, Math.floor(horizonMs / ROLLING_BUCKETS)),
    ids: new Array<number>(ROLLING_BUCKETS).fill(-1),
    a: new Array<number>(ROLLING_BUCKETS).fill(0),
    b: new Array<number>(ROLLING_BUCKETS).fill(0),
  };
}

/** Adds (a, b) at event time t. */
export function rollingAdd(s: RollingState, t: number, a: number, b: number): void {
  const id = Math.floor(t / s.bucketMs);
  const slot = id % ROLLING_BUCKETS;
  if (s.ids[slot] !== id) {
    if ((s.ids[slot] as number) > id) return; // older than the horizon: nothing to add to
    s.ids[slot] = id;
    s.a[slot] = 0;
    s.b[slot] = 0;
  }
  s.a[slot] = (s.a[slot] as number) + a;
  s.b[slot] = (s.b[slot] as number) + b;
}

/** Sums over the buckets of the horizon that ends at `now`; writes [sumA, sumB] into `out`. */
export function rollingSum(s: RollingState, now: number, out: [number, number]): [number, number] {
  const idNow = Math.floor(now / s.bucketMs);
  let a = 0;
  let b = 0;
  for (let i = 0; i < ROLLING_BUCKETS; i++) {
    const id = s.ids[i] as number;
    if (id > idNow - ROLLING_BUCKETS && id <= idNow) {
      a += s.a[i] as number;
      b += s.b[i] as number;
    }
  }
  out[0] = a;
  out[1] = b;
  return out;
}
