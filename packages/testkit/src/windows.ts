import type { WindowAggregate } from '@aiops/contract';
import { DEFAULT_SERIES } from './series.js';

/**
 * A complete one-minute window aggregate of DEFAULT_SERIES without traffic, with `overrides` applied: tests
 * state only the fields they are about. `window_end` defaults to a minute after `window_start`, `emitted_at`
 * to the end.
 */
export function windowAggregate(
  overrides: Partial<WindowAggregate> & Pick<WindowAggregate, 'window_start'>,
): WindowAggregate {
  const windowEnd = overrides.window_end ?? overrides.window_start + 60_000;
  return {
    ...DEFAULT_SERIES,
    window_end: windowEnd,
    revision: 0,
    events: 0,
    errors: 0,
    errors_by_type: {},
    latency_count: 0,
    latency_min_ms: null,
    latency_max_ms: null,
    latency_mean_ms: null,
    latency_p50_ms: null,
    latency_p90_ms: null,
    latency_p95_ms: null,
    latency_p99_ms: null,
    latency_sketch: null,
    ttft_p50_ms: null,
    ttft_p95_ms: null,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_input_tokens: 0,
    reasoning_output_tokens: 0,
    cost_usd: 0,
    cost_estimated_events: 0,
    quality: {},
    quality_mean: null,
    feedback_positive: 0,
    feedback_negative: 0,
    feedback_total: 0,
    guardrail_flags: {},
    late_events: 0,
    correction_event_id: null,
    emitted_at: windowEnd,
    ...overrides,
  };
}
