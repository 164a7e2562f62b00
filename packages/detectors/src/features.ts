import type { ScoreAggregate, WindowAggregate } from '@aiops/contract';

/**
 * What the detectors read from a window aggregate: plain, JSON-able numbers (the latency sketch and the
 * wall-clock fields are left behind), so the latest window of a series can sit in a snapshot.
 */
export interface WindowFeatures {
  start: number;
  end: number;
  revision: number;
  events: number;
  errors: number;
  errorsByType: Record<string, number>;
  latencyCount: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  ttftP95: number | null;
  outputTokens: number;
  cost: number;
  quality: Record<string, ScoreAggregate>;
  feedbackNegative: number;
  feedbackTotal: number;
  flags: Record<string, number>;
}

export function extractFeatures(w: WindowAggregate): WindowFeatures {
  return {
    start: w.window_start,
    end: w.window_end,
    revision: w.revision,
    events: w.events,
    errors: w.errors,
    errorsByType: w.errors_by_type,
    latencyCount: w.latency_count,
    p50: w.latency_p50_ms,
    p95: w.latency_p95_ms,
    p99: w.latency_p99_ms,
    ttftP95: w.ttft_p95_ms,
    outputTokens: w.output_tokens,
    cost: w.cost_usd,
    quality: w.quality,
    feedbackNegative: w.feedback_negative,
    feedbackTotal: w.feedback_total,
    flags: w.guardrail_flags,
  };
}

/**
 * Adds what `extra` counted to `into` (a late correction of the same window): every count and sum; the
 * quantiles stay `into`'s, which one more event barely moves and which cannot be merged without sketches.
 */
export function addFeatures(into: WindowFeatures, extra: WindowFeatures): void {
  into.events += extra.events;
  into.errors += extra.errors;
  into.errorsByType = addCounts(into.errorsByType, extra.errorsByType);
  into.latencyCount += extra.latencyCount;
  into.outputTokens += extra.outputTokens;
  into.cost += extra.cost;
  const quality = { ...into.quality };
  for (const [name, q] of Object.entries(extra.quality)) {
    const mine = quality[name];
    quality[name] =
      mine === undefined
        ? q
        : {
            count: mine.count + q.count,
            sum: mine.sum + q.sum,
            histogram: mine.histogram.map((n, i) => n + (q.histogram[i] ?? 0)),
          };
  }
  into.quality = quality;
  into.feedbackNegative += extra.feedbackNegative;
  into.feedbackTotal += extra.feedbackTotal;
  into.flags = addCounts(into.flags, extra.flags);
}

function addCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [key, n] of Object.entries(b)) out[key] = (out[key] ?? 0) + n;
  return out;
}
