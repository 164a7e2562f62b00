import { describe, expect, it } from 'vitest';
import { cumulativeWeights, deriveSeed, Rng, seededRandom } from '../src/random.js';

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

describe('Rng', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = new Rng(12345);
    const b = new Rng(12345);
    const c = new Rng(12346);
    const seqA = Array.from({ length: 100 }, () => a.uint32());
    const seqB = Array.from({ length: 100 }, () => b.uint32());
    const seqC = Array.from({ length: 100 }, () => c.uint32());
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
    expect(seqA.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
  });

  it('is pinned: a known seed gives known values (so a replay on another machine matches)', () => {
    const rng = new Rng(1);
    expect([rng.uint32(), rng.uint32(), rng.uint32()]).toMatchInlineSnapshot(`
      [
        2442144158,
        3238099751,
        3819917871,
      ]
    `);
  });

  it('draws uniform, normal, lognormal, exponential and Poisson values with the right moments', () => {
    const rng = new Rng(99);
    const n = 100_000;
    const u = Array.from({ length: n }, () => rng.next());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(mean(u)).toBeCloseTo(0.5, 2);
    const z = Array.from({ length: n }, () => rng.normal());
    expect(mean(z)).toBeCloseTo(0, 1);
    expect(Math.sqrt(mean(z.map((x) => x * x)))).toBeCloseTo(1, 1);
    const l = Array.from({ length: n }, () => rng.lognormal(400, 0.5));
    expect(percentile(l, 0.5) / 400).toBeGreaterThan(0.97);
    expect(percentile(l, 0.5) / 400).toBeLessThan(1.03);
    const x = Array.from({ length: n }, () => rng.exponential(250));
    expect(mean(x) / 250).toBeCloseTo(1, 1);
    const small = Array.from({ length: n }, () => rng.poisson(3));
    const large = Array.from({ length: n }, () => rng.poisson(80));
    expect(mean(small)).toBeCloseTo(3, 1);
    expect(mean(large) / 80).toBeCloseTo(1, 2);
  });

  it('picks by cumulative weights in proportion', () => {
    const rng = new Rng(5);
    const cumulative = cumulativeWeights([1, 3, 6]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 60_000; i++) counts[rng.pickCumulative(cumulative)]!++;
    expect(counts[0]! / 60_000).toBeCloseTo(0.1, 1);
    expect(counts[1]! / 60_000).toBeCloseTo(0.3, 1);
    expect(counts[2]! / 60_000).toBeCloseTo(0.6, 1);
    expect(() => cumulativeWeights([0, 0])).toThrow(RangeError);
    expect(() => cumulativeWeights([1, -1])).toThrow(RangeError);
  });

  it('makes W3C trace and span ids and RFC 9562 v4 UUIDs', () => {
    const rng = new Rng(3);
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const uuid = rng.uuid();
      expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      ids.add(uuid);
    }
    expect(ids.size).toBe(10_000);
    expect(rng.hex32()).toMatch(/^[0-9a-f]{32}$/);
    expect(rng.hex16()).toMatch(/^[0-9a-f]{16}$/);
  });

  it('derives distinct stream seeds from one run seed', () => {
    expect(deriveSeed(7, 'app:acme/support-bot')).toBe(deriveSeed(7, 'app:acme/support-bot'));
    expect(deriveSeed(7, 'app:acme/support-bot')).not.toBe(deriveSeed(7, 'app:acme/code-agent'));
    expect(deriveSeed(7, 'noise')).not.toBe(deriveSeed(8, 'noise'));
    expect(deriveSeed(2 ** 40, 'x')).not.toBe(deriveSeed(0, 'x'));
  });
});

describe('seededRandom', () => {
  it('is the Rng stream as a plain function: same seed, same sequence', () => {
    const a = seededRandom(7);
    const rng = new Rng(7);
    const b = seededRandom(7);
    for (let i = 0; i < 100; i++) {
      const x = a();
      expect(x).toBe(rng.next());
      expect(x).toBe(b());
    }
  });
});
