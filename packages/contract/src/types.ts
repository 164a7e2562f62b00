/**
 * The three records of the contract, as TypeScript sees them after decoding and validation.
 * The Avro schemas in schemas/avro/ and the zod schemas in this package describe exactly these.
 */

export const EVENT_TYPES = [
  'llm_call',
  'agent_step',
  'tool_call',
  'retrieval',
  'embedding',
  'evaluation',
  'feedback',
  'guardrail',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const EVENT_STATUSES = ['ok', 'error'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** How `cost_usd` came to be: sent by the producer, priced by the pipeline from the price table, or neither. */
export const COST_SOURCES = ['reported', 'price_table', 'unpriced'] as const;
export type CostSource = (typeof COST_SOURCES)[number];

/** The six dimensions that name a series; windows, detectors and Kafka keys all use them in this order. */
export const SERIES_DIMENSIONS = [
  'tenant_id',
  'application',
  'environment',
  'provider',
  'model',
  'operation',
] as const;
export type SeriesDimension = (typeof SERIES_DIMENSIONS)[number];
export type Series = { readonly [D in SeriesDimension]: string };

/** One LLM call, agent step, tool call, retrieval, embedding, evaluation, feedback or guardrail verdict. */
export interface TelemetryEvent extends Series {
  event_id: string;
  event_type: EventType;
  /** Event time (when the operation ended), epoch milliseconds. */
  timestamp: number;
  response_model: string | null;
  trace_id: string | null;
  span_id: string | null;
  parent_span_id: string | null;
  session_id: string | null;
  user_id: string | null;
  agent_name: string | null;
  tool_name: string | null;
  prompt_name: string | null;
  prompt_version: string | null;
  status: EventStatus;
  error_type: string | null;
  duration_ms: number | null;
  time_to_first_token_ms: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_input_tokens: number | null;
  reasoning_output_tokens: number | null;
  /** Tokens written to the provider's prompt cache (gen_ai.usage.cache_creation.input_tokens); since schema v1.1. */
  cache_creation_input_tokens: number | null;
  cost_usd: number | null;
  /** Set by the validator; producers leave it null. */
  cost_source: CostSource | null;
  /** evaluator name → score in [0, 1] */
  scores: Record<string, number>;
  feedback: -1 | 1 | null;
  guardrail_flags: string[];
  attributes: Record<string, string>;
}

/** Number of equal-width bins over [0, 1] in every score histogram. */
export const SCORE_HISTOGRAM_BINS = 10;

export interface ScoreAggregate {
  count: number;
  sum: number;
  /** SCORE_HISTOGRAM_BINS counts over [0, 1]; a score of exactly 1 goes in the last bin. */
  histogram: number[];
}

/** Everything known about one series in one event-time window. */
export interface WindowAggregate extends Series {
  window_start: number;
  window_end: number;
  /** 0 for the first emission; each late correction emits the whole window again with revision + 1. */
  revision: number;
  events: number;
  errors: number;
  errors_by_type: Record<string, number>;
  latency_count: number;
  latency_min_ms: number | null;
  latency_max_ms: number | null;
  latency_mean_ms: number | null;
  latency_p50_ms: number | null;
  latency_p90_ms: number | null;
  latency_p95_ms: number | null;
  latency_p99_ms: number | null;
  /** The serialised latency sketch, so that windows can be merged downstream without losing accuracy. */
  latency_sketch: Uint8Array | null;
  ttft_p50_ms: number | null;
  ttft_p95_ms: number | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  reasoning_output_tokens: number;
  cost_usd: number;
  /** Events whose cost the pipeline priced from the price table. */
  cost_estimated_events: number;
  quality: Record<string, ScoreAggregate>;
  /** Mean over every score of every evaluator in the window; null when there was none. */
  quality_mean: number | null;
  feedback_positive: number;
  feedback_negative: number;
  feedback_total: number;
  guardrail_flags: Record<string, number>;
  /** Events that arrived after the window first closed and were folded into a later revision. */
  late_events: number;
  /** Wall-clock ms when this revision was emitted (for latency measurement, not for results). */
  emitted_at: number;
}

export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export interface Alert {
  /** Deterministic: hash of fingerprint + start window, so a replay never creates a second alert. */
  alert_id: string;
  /** Deterministic: hash of detector + series (+ signal), the dedup key. */
  fingerprint: string;
  status: AlertStatus;
  severity: AlertSeverity;
  detector: string;
  tenant_id: string | null;
  application: string | null;
  environment: string | null;
  provider: string | null;
  model: string | null;
  operation: string | null;
  window_start: number;
  window_end: number;
  observed: number;
  expected: number;
  threshold: number;
  /** Anomaly score in [0, 1]. */
  score: number;
  started_at: number;
  resolved_at: number | null;
  /** One human sentence. */
  summary: string;
  evidence: Record<string, string>;
  /** Event time (window end) at which this notification was produced; repeats of a long incident advance it. */
  notified_at: number;
}
