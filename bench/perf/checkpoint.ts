/**
 * The detector's per-transaction checkpoint, whole vs incremental, with no broker: `node
 * bench/dist/perf/checkpoint.js [series…]` (default 1000 10000; 100000 takes minutes, the whole way).
 * Per size, an engine holds that many series; each transaction then carries one window of one series, and
 * its state records are made both ways: whole (snapshot() + PartitionChangelog.changes, which serialises
 * every key to find the changed ones) and incremental (takeChanges() + recordsFor, only the keys the
 * window touched). Prints ms per transaction of each, and checks both give the same records.
 */
import type { DetectionEngine } from '@aiops/detectors';
import { createDetectionEngine } from '@aiops/detectors';
import { PartitionChangelog, type PartitionCheckpoint } from '@aiops/service-detector';
import { windowAggregate } from '@aiops/testkit';
import type { Message } from 'kafkajs';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 5);
const TRANSACTIONS = 5;
const aligner: PartitionCheckpoint['aligner'] = {
  clockMs: T0,
  lastTickMs: T0,
  sources: [],
  expectedSources: 1,
  held: [],
};

const windowOf = (i: number, minute: number) =>
  windowAggregate({
    application: `app-${i % 100}`,
    model: `model-${i}`,
    window_start: T0 + minute * MINUTE,
    events: 100,
    errors: 1,
    latency_count: 100,
    latency_p50_ms: 400,
    latency_p95_ms: 900,
    latency_p99_ms: 1_200,
    input_tokens: 50_000,
    output_tokens: 30_000,
    cost_usd: 0.2,
  });

const checkpointOf = (engine: DetectionEngine): PartitionCheckpoint => ({
  v: 2,
  partition: 0,
  engine: engine.snapshot(),
  aligner,
  backfilling: [],
});

const summary = (messages: readonly Message[]) =>
  messages.map((m) => `${String(m.key)}=${m.value === null ? 'null' : (m.value as Buffer).length}`).sort();

function measure(series: number): { series: number; wholeMs: number; incrementalMs: number } {
  const engine = createDetectionEngine({});
  for (let minute = 0; minute < 2; minute++)
    for (let i = 0; i < series; i++) engine.process(windowOf(i, minute));
  const whole = new PartitionChangelog('bench', 0);
  const incremental = new PartitionChangelog('bench', 0);
  whole.changes(checkpointOf(engine));
  incremental.recordsFor({ partition: 0, engine: engine.takeChanges(), aligner, backfilling: [] });
  let wholeMs = 0;
  let incrementalMs = 0;
  for (let t = 0; t < TRANSACTIONS; t++) {
    engine.process(windowOf((t * 7919) % series, 2 + t));
    const a = performance.now();
    const byWhole = whole.changes(checkpointOf(engine));
    const b = performance.now();
    const byChanges = incremental.recordsFor({
      partition: 0,
      engine: engine.takeChanges(),
      aligner,
      backfilling: [],
    });
    const c = performance.now();
    wholeMs += b - a;
    incrementalMs += c - b;
    if (summary(byWhole).join() !== summary(byChanges).join())
      throw new Error(`records differ at ${series} series, transaction ${t}`);
  }
  return { series, wholeMs: wholeMs / TRANSACTIONS, incrementalMs: incrementalMs / TRANSACTIONS };
}

const sizes = process.argv.slice(2).map(Number);
for (const series of sizes.length > 0 ? sizes : [1_000, 10_000]) {
  const r = measure(series);
  process.stdout.write(
    `${series.toLocaleString('en-US')} series: whole ${r.wholeMs.toFixed(2)} ms, incremental ` +
      `${r.incrementalMs.toFixed(3)} ms per transaction (×${(r.wholeMs / r.incrementalMs).toFixed(0)})\n`,
  );
}
