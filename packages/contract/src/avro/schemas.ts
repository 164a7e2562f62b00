/**
 * The Avro schemas of the contract, as data. schemas/avro/*.avsc hold the same JSON (a unit test keeps
 * them identical), for other languages and for a schema registry. Nullable fields are ["null", T] with
 * default null; time fields are longs with the timestamp-millis logical type.
 */

export const AVRO_NAMESPACE = 'aiops.telemetry';

type AvroSchema = Readonly<Record<string, unknown>>;

const nullable = (type: unknown) => ({ type: ['null', type], default: null });
const timestampMillis = { type: 'long', logicalType: 'timestamp-millis' } as const;

const seriesFields = [
  { name: 'tenant_id', type: 'string' },
  { name: 'application', type: 'string' },
  { name: 'environment', type: 'string' },
  { name: 'provider', type: 'string' },
  { name: 'model', type: 'string' },
];

const eventFieldsV1 = [
  { name: 'event_id', type: 'string', doc: 'Unique id of this event (producer-generated).' },
  {
    name: 'event_type',
    type: {
      type: 'enum',
      name: 'EventType',
      symbols: [
        'llm_call',
        'agent_step',
        'tool_call',
        'retrieval',
        'embedding',
        'evaluation',
        'feedback',
        'guardrail',
      ],
    },
  },
  { name: 'timestamp', type: timestampMillis, doc: 'Event time: when the operation ended.' },
  ...seriesFields,
  { name: 'response_model', ...nullable('string') },
  { name: 'operation', type: 'string', doc: 'gen_ai.operation.name: chat, embeddings, execute_tool, …' },
  { name: 'trace_id', ...nullable('string') },
  { name: 'span_id', ...nullable('string') },
  { name: 'parent_span_id', ...nullable('string') },
  { name: 'session_id', ...nullable('string') },
  { name: 'user_id', ...nullable('string') },
  { name: 'agent_name', ...nullable('string') },
  { name: 'tool_name', ...nullable('string') },
  { name: 'prompt_name', ...nullable('string') },
  { name: 'prompt_version', ...nullable('string') },
  { name: 'status', type: { type: 'enum', name: 'EventStatus', symbols: ['ok', 'error'] } },
  { name: 'error_type', ...nullable('string') },
  { name: 'duration_ms', ...nullable('double') },
  { name: 'time_to_first_token_ms', ...nullable('double') },
  { name: 'input_tokens', ...nullable('long') },
  { name: 'output_tokens', ...nullable('long') },
  { name: 'cache_read_input_tokens', ...nullable('long') },
  { name: 'reasoning_output_tokens', ...nullable('long') },
  { name: 'cost_usd', ...nullable('double') },
  {
    name: 'cost_source',
    ...nullable({ type: 'enum', name: 'CostSource', symbols: ['reported', 'price_table', 'unpriced'] }),
    doc: 'Set by the validator; producers leave it null.',
  },
  {
    name: 'scores',
    type: { type: 'map', values: 'double' },
    default: {},
    doc: 'evaluator → score in [0, 1]',
  },
  { name: 'feedback', ...nullable('int'), doc: '-1 or 1' },
  { name: 'guardrail_flags', type: { type: 'array', items: 'string' }, default: [] },
  { name: 'attributes', type: { type: 'map', values: 'string' }, default: {} },
];

export const TELEMETRY_EVENT_V1_SCHEMA: AvroSchema = {
  type: 'record',
  name: 'TelemetryEvent',
  namespace: AVRO_NAMESPACE,
  doc: 'One LLM call, agent step, tool call, retrieval, embedding, evaluation, feedback or guardrail verdict (v1).',
  fields: eventFieldsV1,
};

/**
 * The current event schema: v1 plus `cache_creation_input_tokens` (OpenTelemetry's
 * gen_ai.usage.cache_creation.input_tokens), optional with a default, so that a v1 reader reads v1.1
 * events (the field is skipped) and a v1.1 reader reads v1 events (the default fills it). Readers take
 * both; producers write v1.1. (This was the evolution fixture before it became real: same canonical form.)
 */
export const TELEMETRY_EVENT_V1_1_SCHEMA: AvroSchema = {
  type: 'record',
  name: 'TelemetryEvent',
  namespace: AVRO_NAMESPACE,
  doc: 'One LLM call, agent step, tool call, retrieval, embedding, evaluation, feedback or guardrail verdict (v1.1).',
  fields: [
    ...eventFieldsV1,
    {
      name: 'cache_creation_input_tokens',
      ...nullable('long'),
      doc: 'Tokens written to the prompt cache. Added in v1.1.',
    },
  ],
};

/**
 * v1.1 plus `tool_call_arguments_hash` (a producer-side fingerprint of a tool call's arguments, for
 * tool-call loop detection), optional with a default: v1 and v1.1 readers skip it, a v1.2 reader fills
 * it with null for older events.
 */
export const TELEMETRY_EVENT_V1_2_SCHEMA: AvroSchema = {
  type: 'record',
  name: 'TelemetryEvent',
  namespace: AVRO_NAMESPACE,
  doc: 'One LLM call, agent step, tool call, retrieval, embedding, evaluation, feedback or guardrail verdict (v1.2).',
  fields: [
    ...(TELEMETRY_EVENT_V1_1_SCHEMA.fields as object[]),
    {
      name: 'tool_call_arguments_hash',
      ...nullable('string'),
      doc: "Producer-side hash of a tool call's arguments (never the arguments). Added in v1.2.",
    },
  ],
};

/** The event schema producers write and readers resolve to. */
export const TELEMETRY_EVENT_SCHEMA: AvroSchema = TELEMETRY_EVENT_V1_2_SCHEMA;
/** Older event schemas every reader still accepts. */
export const TELEMETRY_EVENT_OLDER_SCHEMAS: readonly AvroSchema[] = [
  TELEMETRY_EVENT_V1_SCHEMA,
  TELEMETRY_EVENT_V1_1_SCHEMA,
];

const optionalMs = nullable('double');

export const WINDOW_AGGREGATE_V1_SCHEMA: AvroSchema = {
  type: 'record',
  name: 'WindowAggregate',
  namespace: AVRO_NAMESPACE,
  doc: 'Everything known about one series in one event-time window (v1).',
  fields: [
    ...seriesFields,
    { name: 'operation', type: 'string' },
    { name: 'window_start', type: timestampMillis },
    { name: 'window_end', type: timestampMillis },
    { name: 'revision', type: 'int' },
    { name: 'events', type: 'long' },
    { name: 'errors', type: 'long' },
    { name: 'errors_by_type', type: { type: 'map', values: 'long' } },
    { name: 'latency_count', type: 'long' },
    { name: 'latency_min_ms', ...optionalMs },
    { name: 'latency_max_ms', ...optionalMs },
    { name: 'latency_mean_ms', ...optionalMs },
    { name: 'latency_p50_ms', ...optionalMs },
    { name: 'latency_p90_ms', ...optionalMs },
    { name: 'latency_p95_ms', ...optionalMs },
    { name: 'latency_p99_ms', ...optionalMs },
    { name: 'latency_sketch', ...nullable('bytes') },
    { name: 'ttft_p50_ms', ...optionalMs },
    { name: 'ttft_p95_ms', ...optionalMs },
    { name: 'input_tokens', type: 'long' },
    { name: 'output_tokens', type: 'long' },
    { name: 'cache_read_input_tokens', type: 'long' },
    { name: 'reasoning_output_tokens', type: 'long' },
    { name: 'cost_usd', type: 'double' },
    { name: 'cost_estimated_events', type: 'long' },
    {
      name: 'quality',
      type: {
        type: 'map',
        values: {
          type: 'record',
          name: 'ScoreAggregate',
          fields: [
            { name: 'count', type: 'long' },
            { name: 'sum', type: 'double' },
            { name: 'histogram', type: { type: 'array', items: 'long' } },
          ],
        },
      },
    },
    { name: 'quality_mean', ...optionalMs },
    { name: 'feedback_positive', type: 'long' },
    { name: 'feedback_negative', type: 'long' },
    { name: 'feedback_total', type: 'long' },
    { name: 'guardrail_flags', type: { type: 'map', values: 'long' } },
    { name: 'late_events', type: 'long' },
    { name: 'emitted_at', type: timestampMillis },
  ],
};

/**
 * v1 plus `correction_event_id`: null for a window's own emissions, the event's id for a late correction
 * (one event that came after its window was gone, as a row of its own to sum with the window). Optional
 * with a default, so a v1.1 reader reads v1 windows (null) and a v1 reader skips the field.
 */
export const WINDOW_AGGREGATE_V1_1_SCHEMA: AvroSchema = {
  type: 'record',
  name: 'WindowAggregate',
  namespace: AVRO_NAMESPACE,
  doc: 'Everything known about one series in one event-time window (v1.1).',
  fields: [
    ...(WINDOW_AGGREGATE_V1_SCHEMA.fields as object[]),
    {
      name: 'correction_event_id',
      ...nullable('string'),
      doc: 'The late event this row corrects its window with; null for the window itself. Added in v1.1.',
    },
  ],
};

/** The window schema the aggregator writes and readers resolve to. */
export const WINDOW_AGGREGATE_SCHEMA: AvroSchema = WINDOW_AGGREGATE_V1_1_SCHEMA;

const optionalString = nullable('string');

export const ALERT_V1_SCHEMA: AvroSchema = {
  type: 'record',
  name: 'Alert',
  namespace: AVRO_NAMESPACE,
  doc: 'One alert notification: firing or resolved (v1).',
  fields: [
    { name: 'alert_id', type: 'string' },
    { name: 'fingerprint', type: 'string' },
    { name: 'status', type: { type: 'enum', name: 'AlertStatus', symbols: ['firing', 'resolved'] } },
    {
      name: 'severity',
      type: { type: 'enum', name: 'AlertSeverity', symbols: ['info', 'warning', 'critical'] },
    },
    { name: 'detector', type: 'string' },
    { name: 'tenant_id', ...optionalString },
    { name: 'application', ...optionalString },
    { name: 'environment', ...optionalString },
    { name: 'provider', ...optionalString },
    { name: 'model', ...optionalString },
    { name: 'operation', ...optionalString },
    { name: 'window_start', type: timestampMillis },
    { name: 'window_end', type: timestampMillis },
    { name: 'observed', type: 'double' },
    { name: 'expected', type: 'double' },
    { name: 'threshold', type: 'double' },
    { name: 'score', type: 'double' },
    { name: 'started_at', type: timestampMillis },
    { name: 'resolved_at', ...nullable(timestampMillis) },
    { name: 'summary', type: 'string' },
    { name: 'evidence', type: { type: 'map', values: 'string' } },
    { name: 'notified_at', type: timestampMillis },
  ],
};
