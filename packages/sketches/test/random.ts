/** The distributions the accuracy tests draw from, over the project's one seeded PRNG. */
import { seededRandom } from '@aiops/core';

export const prng = seededRandom;

export function normal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** LLM-call-like latencies: median 2 s, most between 200 ms and 20 s. */
export function lognormalLatencies(n: number, seed: number): number[] {
  const random = prng(seed);
  return Array.from({ length: n }, () => Math.exp(Math.log(2000) + 0.9 * normal(random)));
}

export function uniformValues(n: number, seed: number, low = 0, high = 10_000): number[] {
  const random = prng(seed);
  return Array.from({ length: n }, () => low + (high - low) * random());
}

/** Cache hits around 40 ms and full generations around 6 s. */
export function bimodalLatencies(n: number, seed: number): number[] {
  const random = prng(seed);
  return Array.from({ length: n }, () =>
    random() < 0.3 ? Math.max(0, 40 + 8 * normal(random)) : Math.max(0, 6000 + 1500 * normal(random)),
  );
}

/** The exact lower quantile x⌊q(n−1)⌋, the definition the sketch's guarantee is stated against. */
export function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}
