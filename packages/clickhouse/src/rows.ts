import {
  type Alert,
  type TelemetryEvent,
  type WindowAggregate,
  windowAggregateSchema,
} from '@aiops/contract';

/**
 * Pure mappings from the contract's records to rows of the tables in schemas/clickhouse/migrations
 * (JSONEachRow objects keyed by column name). DateTime columns take epoch seconds; each keeps a
 * millisecond twin where precision matters (18.16 has no DateTime64). Maps become Nested columns, i.e.
 * parallel arrays under dotted keys.
 */

export const TABLES = {
  events: 'events',
  windowAggregates: 'window_aggregates',
  /** Late corrections (a WindowAggregate with correction_event_id): summed with their window's rows. */
  windowLateCorrections: 'window_late_corrections',
  alerts: 'alerts',
} as const;

/** The table a window aggregate is stored in: its window's, or the late corrections'. */
export function windowTableOf(window: WindowAggregate): string {
  return window.correction_event_id === null ? TABLES.windowAggregates : TABLES.windowLateCorrections;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

function nested<V>(map: Readonly<Record<string, V>>): [string[], V[]] {
  const keys = Object.keys(map);
  return [keys, keys.map((key) => map[key]!)];
}

/** `ingestedAtMs`: when the writer took the event (wall clock). */
export function eventToRow(event: TelemetryEvent, ingestedAtMs: number): Record<string, unknown> {
  const [scoreNames, scoreValues] = nested(event.scores);
  const [attributeKeys, attributeValues] = nested(event.attributes);
  return {
    event_id: event.event_id,
    event_type: event.event_type,
    timestamp: seconds(event.timestamp),
    timestamp_ms: event.timestamp,
    tenant_id: event.tenant_id,
    application: event.application,
    environment: event.environment,
    provider: event.provider,
    model: event.model,
    operation: event.operation,
    response_model: event.response_model,
    trace_id: event.trace_id,
    span_id: event.span_id,
    parent_span_id: event.parent_span_id,
    session_id: event.session_id,
    user_id: event.user_id,
    agent_name: event.agent_name,
    tool_name: event.tool_name,
    prompt_name: event.prompt_name,
    prompt_version: event.prompt_version,
    status: event.status,
    error_type: event.error_type,
    duration_ms: event.duration_ms,
    time_to_first_token_ms: event.time_to_first_token_ms,
    input_tokens: event.input_tokens,
    output_tokens: event.output_tokens,
    cache_read_input_tokens: event.cache_read_input_tokens,
    reasoning_output_tokens: event.reasoning_output_tokens,
    cache_creation_input_tokens: event.cache_creation_input_tokens,
    tool_call_arguments_hash: event.tool_call_arguments_hash,
    cost_usd: event.cost_usd,
    cost_source: event.cost_source,
    'scores.name': scoreNames,
    'scores.value': scoreValues,
    feedback: event.feedback,
    guardrail_flags: event.guardrail_flags,
    'attributes.key': attributeKeys,
    'attributes.value': attributeValues,
    ingested_at: seconds(ingestedAtMs),
  };
}

function base64(bytes: Uint8Array | null): string {
  return bytes === null
    ? ''
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function windowAggregateToRow(window: WindowAggregate): Record<string, unknown> {
  const [errorTypes, errorCounts] = nested(window.errors_by_type);
  const evaluators = Object.keys(window.quality);
  const quality = evaluators.map((name) => window.quality[name]!);
  const [flags, flagCounts] = nested(window.guardrail_flags);
  return {
    tenant_id: window.tenant_id,
    application: window.application,
    environment: window.environment,
    provider: window.provider,
    model: window.model,
    operation: window.operation,
    window_start: seconds(window.window_start),
    window_end: seconds(window.window_end),
    window_size_s: Math.round((window.window_end - window.window_start) / 1000),
    revision: window.revision,
    events: window.events,
    errors: window.errors,
    'errors_by_type.type': errorTypes,
    'errors_by_type.count': errorCounts,
    latency_count: window.latency_count,
    latency_min_ms: window.latency_min_ms,
    latency_max_ms: window.latency_max_ms,
    latency_mean_ms: window.latency_mean_ms,
    latency_p50_ms: window.latency_p50_ms,
    latency_p90_ms: window.latency_p90_ms,
    latency_p95_ms: window.latency_p95_ms,
    latency_p99_ms: window.latency_p99_ms,
    latency_sketch: base64(window.latency_sketch),
    ttft_p50_ms: window.ttft_p50_ms,
    ttft_p95_ms: window.ttft_p95_ms,
    input_tokens: window.input_tokens,
    output_tokens: window.output_tokens,
    cache_read_input_tokens: window.cache_read_input_tokens,
    reasoning_output_tokens: window.reasoning_output_tokens,
    cost_usd: window.cost_usd,
    cost_estimated_events: window.cost_estimated_events,
    'quality.evaluator': evaluators,
    'quality.count': quality.map((q) => q.count),
    'quality.sum': quality.map((q) => q.sum),
    'quality.histogram': quality.map((q) => q.histogram),
    quality_mean: window.quality_mean,
    feedback_positive: window.feedback_positive,
    feedback_negative: window.feedback_negative,
    feedback_total: window.feedback_total,
    'guardrail_flags.flag': flags,
    'guardrail_flags.count': flagCounts,
    late_events: window.late_events,
    emitted_at: seconds(window.emitted_at),
    emitted_at_ms: window.emitted_at,
    // Only the corrections table has the column (windowTableOf).
    ...(window.correction_event_id === null ? {} : { correction_event_id: window.correction_event_id }),
  };
}

export function alertToRow(alert: Alert): Record<string, unknown> {
  const [evidenceKeys, evidenceValues] = nested(alert.evidence);
  return {
    alert_id: alert.alert_id,
    fingerprint: alert.fingerprint,
    status: alert.status,
    severity: alert.severity,
    detector: alert.detector,
    tenant_id: alert.tenant_id,
    application: alert.application,
    environment: alert.environment,
    provider: alert.provider,
    model: alert.model,
    operation: alert.operation,
    window_start: seconds(alert.window_start),
    window_end: seconds(alert.window_end),
    observed: alert.observed,
    expected: alert.expected,
    threshold: alert.threshold,
    score: alert.score,
    started_at: seconds(alert.started_at),
    resolved_at: alert.resolved_at === null ? null : seconds(alert.resolved_at),
    summary: alert.summary,
    'evidence.key': evidenceKeys,
    'evidence.value': evidenceValues,
    notified_at: seconds(alert.notified_at),
    notified_at_ms: alert.notified_at,
  };
}

const num = (value: unknown): number => Number(value);
const numOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);
const list = (row: Record<string, unknown>, column: string): unknown[] => (row[column] as unknown[]) ?? [];

function zip<V>(keys: unknown[], values: unknown[], as: (v: unknown) => V): Record<string, V> {
  const out: Record<string, V> = {};
  keys.forEach((key, i) => {
    out[String(key)] = as(values[i]);
  });
  return out;
}

/**
 * What to select from `window_aggregates` for rowToWindowAggregate: every column, and the window's times
 * as epoch seconds (JSON output renders DateTime in the server's time zone).
 */
export const WINDOW_AGGREGATE_COLUMNS =
  '*, toUInt32(window_start) AS window_start_s, toUInt32(window_end) AS window_end_s';

/**
 * A `window_aggregates` row (JSONEachRow, 64-bit integers quoted) selected with WINDOW_AGGREGATE_COLUMNS
 * back to the window the writer stored: the inverse of windowAggregateToRow (times are whole seconds in the
 * table, as windows are). Read the latest revisions with FINAL. Checked by the contract's window schema.
 */
export function rowToWindowAggregate(row: Record<string, unknown>): WindowAggregate {
  const sketch = String(row.latency_sketch ?? '');
  const evaluators = list(row, 'quality.evaluator');
  const qCount = list(row, 'quality.count');
  const qSum = list(row, 'quality.sum');
  const qHistogram = list(row, 'quality.histogram');
  const quality: WindowAggregate['quality'] = {};
  evaluators.forEach((name, i) => {
    quality[String(name)] = {
      count: num(qCount[i]),
      sum: num(qSum[i]),
      histogram: ((qHistogram[i] as unknown[]) ?? []).map(num),
    };
  });
  return windowAggregateSchema.parse({
    tenant_id: row.tenant_id,
    application: row.application,
    environment: row.environment,
    provider: row.provider,
    model: row.model,
    operation: row.operation,
    window_start: num(row.window_start_s) * 1000,
    window_end: num(row.window_end_s) * 1000,
    revision: num(row.revision),
    events: num(row.events),
    errors: num(row.errors),
    errors_by_type: zip(list(row, 'errors_by_type.type'), list(row, 'errors_by_type.count'), num),
    latency_count: num(row.latency_count),
    latency_min_ms: numOrNull(row.latency_min_ms),
    latency_max_ms: numOrNull(row.latency_max_ms),
    latency_mean_ms: numOrNull(row.latency_mean_ms),
    latency_p50_ms: numOrNull(row.latency_p50_ms),
    latency_p90_ms: numOrNull(row.latency_p90_ms),
    latency_p95_ms: numOrNull(row.latency_p95_ms),
    latency_p99_ms: numOrNull(row.latency_p99_ms),
    latency_sketch: sketch === '' ? null : new Uint8Array(Buffer.from(sketch, 'base64')),
    ttft_p50_ms: numOrNull(row.ttft_p50_ms),
    ttft_p95_ms: numOrNull(row.ttft_p95_ms),
    input_tokens: num(row.input_tokens),
    output_tokens: num(row.output_tokens),
    cache_read_input_tokens: num(row.cache_read_input_tokens),
    reasoning_output_tokens: num(row.reasoning_output_tokens),
    cost_usd: num(row.cost_usd),
    cost_estimated_events: num(row.cost_estimated_events),
    quality,
    quality_mean: numOrNull(row.quality_mean),
    feedback_positive: num(row.feedback_positive),
    feedback_negative: num(row.feedback_negative),
    feedback_total: num(row.feedback_total),
    guardrail_flags: zip(list(row, 'guardrail_flags.flag'), list(row, 'guardrail_flags.count'), num),
    late_events: num(row.late_events),
    emitted_at: num(row.emitted_at_ms),
    correction_event_id: row.correction_event_id ? String(row.correction_event_id) : null,
  });
}
