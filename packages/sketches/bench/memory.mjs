// Heap cost of one latency sketch, ours against @datadog/sketches-js' DDSketch.
// Run: npx tsc -b packages/sketches && node --expose-gc packages/sketches/bench/memory.mjs
import { seededRandom as prng } from '@aiops/core';
import { DDSketch } from '@datadog/sketches-js';
import { QuantileSketch } from '../dist/index.js';

const SKETCHES = 2000;

/** Latencies spread log-uniformly over 200 ms – 20 s, the first two pinned to the ends of the spread. */
function latencies(n, random) {
  return Array.from({ length: n }, (_, i) => (i === 0 ? 200 : i === 1 ? 20_000 : 200 * 100 ** random()));
}

function used() {
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function measure(make, add, n) {
  const random = prng(n + 1);
  const inputs = Array.from({ length: SKETCHES }, () => latencies(n, random));
  const before = used();
  const kept = inputs.map((values) => {
    const sketch = make();
    for (const v of values) add(sketch, v);
    return sketch;
  });
  const after = used();
  if (kept.length !== SKETCHES) throw new Error('unreachable');
  return Math.round((after - before) / SKETCHES);
}

console.log('values per sketch | QuantileSketch bytes | DDSketch bytes');
for (const n of [1, 2, 10, 60, 300, 1000, 10_000]) {
  const ours = measure(
    () => new QuantileSketch(),
    (s, v) => s.add(v),
    n,
  );
  const theirs = measure(
    () => new DDSketch({ relativeAccuracy: 0.01 }),
    (s, v) => s.accept(v),
    n,
  );
  console.log(`${String(n).padStart(17)} | ${String(ours).padStart(20)} | ${String(theirs).padStart(14)}`);
}
