// Detection engine throughput: windows/s through createDetectionEngine, in process.
//   npx tsc -b packages/detectors && node packages/detectors/bench/throughput.mjs [windows] [series] [slo]
// Windows carry latency, errors, tokens, cost, one evaluator's score histogram, feedback and guardrail flags,
// with a daily cycle and noise (seeded). `slo` adds a 99% error SLO (burn-rate alerts on every series).
import { seededRandom } from '@aiops/core';
import { createDetectionEngine } from '../dist/index.js';

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 6);
const total = Number(process.argv[2] ?? 200_000);
const seriesCount = Number(process.argv[3] ?? 20);
const config = process.argv[4] === 'slo' ? { errors: { slo: { objective: 0.99 } } } : undefined;

const random = seededRandom(1);
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

const windows = [];
for (let i = 0; windows.length < total; i++) {
  for (let k = 0; k < seriesCount && windows.length < total; k++) {
    const start = T0 + i * MIN;
    const phase = Math.sin((2 * Math.PI * (start % DAY)) / DAY);
    const events = Math.max(20, Math.round(100 * (1 + 0.5 * phase) + 8 * gaussian()));
    const p95 = 800 * (1 + 0.2 * phase) * Math.exp(0.08 * gaussian());
    const errors = Math.max(0, Math.round(events * 0.01 + gaussian()));
    const histogram = new Array(10).fill(0);
    for (let j = 0; j < 20; j++)
      histogram[Math.min(9, Math.max(0, Math.floor((0.7 + 0.1 * gaussian()) * 10)))]++;
    windows.push({
      tenant_id: `tenant-${k % 4}`,
      application: 'app',
      environment: 'prod',
      provider: `provider-${k % 2}`,
      model: `model-${k}`,
      operation: 'chat',
      window_start: start,
      window_end: start + MIN,
      revision: 0,
      events,
      errors,
      errors_by_type: errors > 0 ? { timeout: errors } : {},
      latency_count: events,
      latency_min_ms: 50,
      latency_max_ms: p95 * 2,
      latency_mean_ms: p95 * 0.5,
      latency_p50_ms: p95 * 0.55,
      latency_p90_ms: p95 * 0.9,
      latency_p95_ms: p95,
      latency_p99_ms: p95 * 1.5,
      latency_sketch: null,
      ttft_p50_ms: 150,
      ttft_p95_ms: 300 * (1 + 0.2 * phase),
      input_tokens: events * 500,
      output_tokens: events * 300,
      cache_read_input_tokens: 0,
      reasoning_output_tokens: 0,
      cost_usd: events * 0.002,
      cost_estimated_events: 0,
      quality: { relevance: { count: 20, sum: 14, histogram } },
      quality_mean: 0.7,
      feedback_positive: 5,
      feedback_negative: 1,
      feedback_total: 6,
      guardrail_flags: random() < 0.1 ? { pii: 1 } : {},
      late_events: 0,
      emitted_at: start + MIN,
    });
  }
}

for (let run = 1; run <= 3; run++) {
  const engine = createDetectionEngine(config);
  const t0 = performance.now();
  let alerts = 0;
  for (const w of windows) alerts += engine.process(w).length;
  const ms = performance.now() - t0;
  console.log(
    `run ${run}: ${windows.length} windows over ${seriesCount} series in ${ms.toFixed(0)} ms = ` +
      `${Math.round((windows.length / ms) * 1000).toLocaleString('en-US')} windows/s (${alerts} notifications)`,
  );
}
