import type { Series, WindowAggregate } from '@aiops/contract';
import { seededRandom } from '@aiops/core';
import { windowAggregate } from '@aiops/testkit';

export const WINDOW_MS = 60_000;

/** A realistic one-minute window of a chat series; `latencyFactor` scales every latency figure. */
export function makeWindow(
  series: Series,
  windowStart: number,
  latencyFactor: number,
  random: () => number,
): WindowAggregate {
  const noise = 1 + (random() - 0.5) * 0.1;
  const p50 = 700 * latencyFactor * noise;
  const events = 120 + Math.floor(random() * 20);
  const errors = Math.floor(random() * 2);
  return windowAggregate({
    ...series,
    window_start: windowStart,
    window_end: windowStart + WINDOW_MS,
    events,
    errors,
    errors_by_type: errors > 0 ? { timeout: errors } : {},
    latency_count: events,
    latency_min_ms: p50 * 0.3,
    latency_max_ms: p50 * 4,
    latency_mean_ms: p50 * 1.2,
    latency_p50_ms: p50,
    latency_p90_ms: p50 * 1.8,
    latency_p95_ms: p50 * 2.2,
    latency_p99_ms: p50 * 3,
    ttft_p50_ms: p50 * 0.3,
    ttft_p95_ms: p50 * 0.6,
    input_tokens: events * 900,
    output_tokens: events * 200,
    cost_usd: events * 0.002,
    emitted_at: windowStart + WINDOW_MS + 1000,
  });
}

/** `normal` quiet windows, then `spike` windows at `factor`× latency, then `after` quiet windows. */
export function latencyIncident(
  series: Series,
  startMs: number,
  shape: { normal: number; spike: number; after: number; factor: number },
  seed = 1,
): WindowAggregate[] {
  const random = seededRandom(seed);
  const out: WindowAggregate[] = [];
  const total = shape.normal + shape.spike + shape.after;
  for (let i = 0; i < total; i++) {
    const inSpike = i >= shape.normal && i < shape.normal + shape.spike;
    out.push(makeWindow(series, startMs + i * WINDOW_MS, inSpike ? shape.factor : 1, random));
  }
  return out;
}
