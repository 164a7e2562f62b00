import type { TelemetryEvent } from '@aiops/contract';
import { DEFAULT_SERIES } from './series.js';

/**
 * A complete, valid canonical event (an OK call of DEFAULT_SERIES) with `overrides` applied: tests state
 * only the fields they are about.
 */
export function telemetryEvent(overrides: Partial<TelemetryEvent> = {}): TelemetryEvent {
  return {
    event_id: 'e-1',
    event_type: 'llm_call',
    timestamp: Date.UTC(2026, 10, 20, 12, 0, 0),
    ...DEFAULT_SERIES,
    response_model: null,
    trace_id: null,
    span_id: null,
    parent_span_id: null,
    session_id: null,
    user_id: null,
    agent_name: null,
    tool_name: null,
    prompt_name: null,
    prompt_version: null,
    status: 'ok',
    error_type: null,
    duration_ms: 800,
    time_to_first_token_ms: 200,
    input_tokens: 1000,
    output_tokens: 200,
    cache_read_input_tokens: null,
    reasoning_output_tokens: null,
    cache_creation_input_tokens: null,
    tool_call_arguments_hash: null,
    cost_usd: 0.001,
    cost_source: 'reported',
    scores: {},
    feedback: null,
    guardrail_flags: [],
    attributes: {},
    ...overrides,
  };
}
