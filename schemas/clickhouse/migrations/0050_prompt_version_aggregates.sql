-- Per prompt version and event-time window (services/prompt-monitor, packages/prompts PromptVersionAggregate):
-- calls, errors, latency and time-to-first-token quantiles, cost, tokens, per-evaluator score counts and sums
-- (mean = sum / count) and feedback, one row per (tenant, application, environment, prompt, version, window).
-- Written once when the window closes; ReplacingMergeTree collapses a replay of the same window under FINAL.
-- scores is a Nested column (parallel arrays), as in events.
CREATE TABLE IF NOT EXISTS {{database}}.prompt_version_aggregates
(
    tenant_id String,
    application String,
    environment String,
    prompt_name String,
    prompt_version String,
    window_start DateTime,
    window_end DateTime,
    window_start_ms UInt64,
    calls UInt32,
    errors UInt32,
    latency_p50_ms Nullable(Float64),
    latency_p95_ms Nullable(Float64),
    ttft_p95_ms Nullable(Float64),
    cost_usd Float64,
    input_tokens UInt64,
    output_tokens UInt64,
    evaluations UInt32,
    scores Nested(name String, count UInt32, sum Float64),
    feedback UInt32,
    negative_feedback UInt32
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(window_start)
ORDER BY (tenant_id, application, prompt_name, prompt_version, environment, window_start_ms);
