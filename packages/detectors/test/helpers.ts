import type { Alert, WindowAggregate } from '@aiops/contract';
import { SCORE_HISTOGRAM_BINS } from '@aiops/contract';
import type { Rng } from '@aiops/core';
import { windowAggregate } from '@aiops/testkit';
import type { DetectionEngine } from '../src/index.js';

export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** Monday 2025-01-06 00:00 UTC. */
export const T0 = Date.UTC(2025, 0, 6);

export function binomial(r: Rng, n: number, p: number): number {
  if (n > 30) return Math.max(0, Math.min(n, Math.round(n * p + Math.sqrt(n * p * (1 - p)) * r.normal())));
  let k = 0;
  for (let i = 0; i < n; i++) if (r.next() < p) k++;
  return k;
}

export const SERIES = {
  tenant_id: 'acme',
  application: 'support-bot',
  environment: 'prod',
  provider: 'openai',
  model: 'gpt-4o',
  operation: 'chat',
} as const;

/** A busy, healthy one-minute window of SERIES (100 calls, 1 timeout, ~500 ms) with `fields` applied. */
export function window(start: number, fields: Partial<WindowAggregate> = {}, size = MIN): WindowAggregate {
  return windowAggregate({
    ...SERIES,
    window_start: start,
    window_end: start + size,
    events: 100,
    errors: 1,
    errors_by_type: { timeout: 1 },
    latency_count: 100,
    latency_min_ms: 100,
    latency_max_ms: 2000,
    latency_mean_ms: 500,
    latency_p50_ms: 450,
    latency_p90_ms: 700,
    latency_p95_ms: 800,
    latency_p99_ms: 1200,
    ttft_p50_ms: 150,
    ttft_p95_ms: 300,
    input_tokens: 50_000,
    output_tokens: 30_000,
    cost_usd: 0.2,
    emitted_at: start + size + 1000,
    ...fields,
  });
}

/** A score histogram of `n` scores drawn from a clipped normal(mean, sd). */
export function scores(
  r: Rng,
  n: number,
  mean: number,
  sd: number,
): { count: number; sum: number; histogram: number[] } {
  const histogram = new Array<number>(SCORE_HISTOGRAM_BINS).fill(0);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const s = Math.min(1, Math.max(0, mean + sd * r.normal()));
    sum += s;
    histogram[Math.min(SCORE_HISTOGRAM_BINS - 1, Math.floor(s * SCORE_HISTOGRAM_BINS))]! += 1;
  }
  return { count: n, sum, histogram };
}

/**
 * Normal seasonal traffic for minute i: a daily cycle (±50% events, ±20% latency), log-normal latency noise,
 * 1% errors, cost and tokens proportional to events.
 */
export function normalWindow(r: Rng, i: number, fields: Partial<WindowAggregate> = {}): WindowAggregate {
  const start = T0 + i * MIN;
  const phase = Math.sin((2 * Math.PI * (start % DAY)) / DAY);
  const events = Math.max(20, Math.round(100 * (1 + 0.5 * phase) + 8 * r.normal()));
  const p95 = 800 * (1 + 0.2 * phase) * Math.exp(0.08 * r.normal());
  const errors = binomial(r, events, 0.01);
  return window(start, {
    events,
    errors,
    errors_by_type: errors ? { timeout: errors } : {},
    latency_count: events,
    latency_p50_ms: p95 * 0.55,
    latency_p95_ms: p95,
    latency_p99_ms: p95 * 1.5 * Math.exp(0.1 * r.normal()),
    ttft_p95_ms: 300 * (1 + 0.2 * phase) * Math.exp(0.08 * r.normal()),
    output_tokens: Math.round(events * 300 * Math.exp(0.1 * r.normal())),
    cost_usd: events * 0.002 * Math.exp(0.1 * r.normal()),
    ...fields,
  });
}

export function feed(engine: DetectionEngine, windows: Iterable<WindowAggregate>): Alert[] {
  const out: Alert[] = [];
  for (const w of windows) out.push(...engine.process(w));
  return out;
}

/** Alerts of one detector/signal, as [status, minute index] pairs (minutes since T0 of notified_at). */
export function timeline(alerts: readonly Alert[], detector: string): [string, number][] {
  return alerts.filter((a) => a.detector === detector).map((a) => [a.status, (a.notified_at - T0) / MIN]);
}
