import { Rng } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SHAPE_OPTIONS, shapeInit, shapeStep } from '../src/index.js';

describe('shape-novelty view', () => {
  const o = DEFAULT_SHAPE_OPTIONS;
  /** A repeating 64-point pattern (a ramp up, a plateau, a sharp fall) with small noise. */
  const pattern = (i: number) => {
    const k = i % 64;
    return k < 32 ? k : k < 48 ? 32 : 0;
  };

  it('speaks once per block of `downsample` points, after `length` blocks', () => {
    const s = shapeInit(o);
    const out = Array.from({ length: 100 }, (_, i) => shapeStep(s, o, pattern(i)));
    const spoken = out.flatMap((v, i) => (Number.isNaN(v) ? [] : [i]));
    expect(spoken[0]).toBe(o.downsample * o.length - 1);
    expect(spoken.every((i) => (i + 1) % o.downsample === 0)).toBe(true);
  });

  it('learns a repeated shape, and finds a new shape inside the range novel', () => {
    const r = new Rng(91);
    const s = shapeInit(o);
    const novelty: number[] = [];
    // 40 repetitions of the pattern, then the pattern reversed in time (same values, same range), then back
    for (let i = 0; i < 64 * 44; i++) {
      const rep = Math.floor(i / 64);
      const k = i % 64;
      const x = rep === 40 ? pattern(63 - k) : pattern(i);
      novelty[i] = shapeStep(s, o, x + 0.2 * r.normal());
    }
    const max = (from: number, to: number) =>
      Math.max(...novelty.slice(from, to).filter((v) => !Number.isNaN(v)));
    const learned = max(64 * 30, 64 * 40);
    const reversed = max(64 * 40, 64 * 41);
    expect(learned).toBeLessThan(o.vigilance);
    expect(reversed).toBeGreaterThan(2 * learned);
    expect(reversed).toBeGreaterThan(o.vigilance);
    // the memory stays bounded, and the state is plain JSON
    expect(s.protos.length).toBeLessThanOrEqual(o.prototypes);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});
