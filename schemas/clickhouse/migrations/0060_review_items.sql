-- The review queue: one row per review item (packages/review item.ts), written by the writer from
-- aiops.review.v1 (status open) and from the compacted resolutions topic (status reviewed, with reviewer,
-- verdict and note). ReplacingMergeTree(version): version is 0 for the open item and reviewed_at_ms for a
-- resolution, so FINAL shows the latest state of each item; a replay of either collapses on the key.
-- scores is a Nested column (parallel arrays), as in events.
CREATE TABLE IF NOT EXISTS {{database}}.review_items
(
    item_id String,
    reason String,
    tenant_id String,
    application String,
    environment String,
    provider String,
    model String,
    operation String,
    event_id String,
    event_type String,
    trace_id Nullable(String),
    span_id Nullable(String),
    parent_span_id Nullable(String),
    prompt_name Nullable(String),
    prompt_version Nullable(String),
    evaluator Nullable(String),
    threshold Nullable(Float64),
    scores Nested(name String, value Float64),
    feedback Nullable(Int8),
    guardrail_flags Array(String),
    event_at DateTime,
    event_at_ms UInt64,
    status String,
    reviewer Nullable(String),
    verdict Nullable(String),
    note Nullable(String),
    reviewed_at_ms Nullable(UInt64),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(event_at)
ORDER BY (tenant_id, item_id);
