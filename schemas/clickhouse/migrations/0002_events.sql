-- Raw telemetry events, one row per TelemetryEvent (packages/contract/src/types.ts).
--
-- * Runs on ClickHouse 18.16 and current releases: no DateTime64 (refused by 18.16), so event time is kept
--   twice: `timestamp` (DateTime, seconds, UTC) for partitioning and time functions, `timestamp_ms` for
--   full precision.
-- * Maps are Nested columns, i.e. parallel arrays (`scores.name`, `scores.value`) of equal length:
--   insert them as JSON keys "scores.name" / "scores.value"; read them with ARRAY JOIN scores.
-- * ReplacingMergeTree deduplicates a replayed or retried event: duplicates carry the same event_id and the
--   same timestamp, hence the same sorting key and partition. Merges collapse them eventually; read with
--   FINAL (or GROUP BY event_id) when exact counts matter.
CREATE TABLE IF NOT EXISTS {{database}}.events
(
    event_id String,
    event_type String,
    timestamp DateTime,
    timestamp_ms UInt64,
    tenant_id String,
    application String,
    environment String,
    provider String,
    model String,
    operation String,
    response_model Nullable(String),
    trace_id Nullable(String),
    span_id Nullable(String),
    parent_span_id Nullable(String),
    session_id Nullable(String),
    user_id Nullable(String),
    agent_name Nullable(String),
    tool_name Nullable(String),
    prompt_name Nullable(String),
    prompt_version Nullable(String),
    status String,
    error_type Nullable(String),
    duration_ms Nullable(Float64),
    time_to_first_token_ms Nullable(Float64),
    input_tokens Nullable(UInt64),
    output_tokens Nullable(UInt64),
    cache_read_input_tokens Nullable(UInt64),
    reasoning_output_tokens Nullable(UInt64),
    cost_usd Nullable(Float64),
    cost_source Nullable(String),
    scores Nested(name String, value Float64),
    feedback Nullable(Int8),
    guardrail_flags Array(String),
    attributes Nested(key String, value String),
    ingested_at DateTime
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(timestamp)
ORDER BY (tenant_id, application, toStartOfHour(timestamp), event_id);
