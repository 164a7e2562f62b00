-- Late corrections (WindowAggregate v1.1): an event that arrives after its window was evicted (past the
-- aggregator's allowed lateness) is written here as a row of its own, holding that event alone, with
-- correction_event_id = its event id. A window's count is the sum of its latest revision in
-- window_aggregates and of its rows here (FINAL keeps each correction once: a replayed one replaces
-- itself). A table of its own rather than a column at the end of window_aggregates' sorting key because
-- ClickHouse 18.16 cannot change the sorting key of a replicated table (cluster mode).
CREATE TABLE IF NOT EXISTS {{database}}.window_late_corrections
(
    tenant_id String,
    application String,
    environment String,
    provider String,
    model String,
    operation String,
    window_start DateTime,
    window_end DateTime,
    window_size_s UInt32,
    revision UInt32,
    events UInt64,
    errors UInt64,
    errors_by_type Nested(type String, count UInt64),
    latency_count UInt64,
    latency_min_ms Nullable(Float64),
    latency_max_ms Nullable(Float64),
    latency_mean_ms Nullable(Float64),
    latency_p50_ms Nullable(Float64),
    latency_p90_ms Nullable(Float64),
    latency_p95_ms Nullable(Float64),
    latency_p99_ms Nullable(Float64),
    latency_sketch String,
    ttft_p50_ms Nullable(Float64),
    ttft_p95_ms Nullable(Float64),
    input_tokens UInt64,
    output_tokens UInt64,
    cache_read_input_tokens UInt64,
    reasoning_output_tokens UInt64,
    cost_usd Float64,
    cost_estimated_events UInt64,
    quality Nested(evaluator String, count UInt64, sum Float64, histogram Array(UInt64)),
    quality_mean Nullable(Float64),
    feedback_positive UInt64,
    feedback_negative UInt64,
    feedback_total UInt64,
    guardrail_flags Nested(flag String, count UInt64),
    late_events UInt64,
    emitted_at DateTime,
    emitted_at_ms UInt64,
    correction_event_id String
)
ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMM(window_start)
ORDER BY (tenant_id, application, environment, provider, model, operation, window_size_s, window_start, correction_event_id);
