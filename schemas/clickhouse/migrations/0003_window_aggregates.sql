-- One row per (series, window, revision), from WindowAggregate (packages/contract/src/types.ts).
--
-- A late correction re-emits the whole window with revision + 1. ReplacingMergeTree(revision) over the
-- series + window key keeps the highest revision once parts merge; read with FINAL, or with
-- argMax(column, revision) ... GROUP BY <key>, to see only the latest revision before that.
-- window_size_s is part of the key so that several window sizes can share the table.
-- Maps are Nested columns (parallel arrays); quality.histogram holds one Array(UInt64) of
-- SCORE_HISTOGRAM_BINS counts per evaluator. latency_sketch is the serialised sketch, base64 ('' if none).
CREATE TABLE IF NOT EXISTS {{database}}.window_aggregates
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
    emitted_at_ms UInt64
)
ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMM(window_start)
ORDER BY (tenant_id, application, environment, provider, model, operation, window_size_s, window_start);
