-- Per-trace summaries of agents (services/agent-monitor, packages/agents TraceSummary): one row per trace
-- (or session, key_kind), written when the trace closes after its event-time gap and again with a higher
-- revision for late events within the allowed lateness; under FINAL the highest revision wins.
-- Key (tenant_id, trace_key, opened_at_ms): opened_at is the trace's start when its first summary went out,
-- the same in every revision (a late event may move started_at earlier); a trace or session id reused after
-- its trace expired is a separate row.
CREATE TABLE IF NOT EXISTS {{database}}.traces
(
    tenant_id String,
    application String,
    environment String,
    trace_key String,
    key_kind String,
    session_id Nullable(String),
    agent_name Nullable(String),
    started_at DateTime,
    started_at_ms UInt64,
    opened_at_ms UInt64,
    ended_at DateTime,
    duration_ms UInt64,
    steps UInt32,
    tool_calls UInt32,
    distinct_tools UInt32,
    tools Nested(name String, calls UInt32),
    errors UInt32,
    tool_errors UInt32,
    cost_usd Float64,
    loop_detected UInt8,
    loop_tool Nullable(String),
    runaway UInt8,
    revision UInt32
)
ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMM(toDateTime(intDiv(opened_at_ms, 1000)))
ORDER BY (tenant_id, trace_key, opened_at_ms);
