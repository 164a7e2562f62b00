-- Alert notifications, one row per Alert (packages/contract/src/types.ts).
--
-- Key (alert_id, status): one incident keeps its `firing` row and its `resolved` row side by side, while a
-- replay (same alert_id, same status) collapses to one row. The version column notified_at_ms makes the
-- latest notification of a long incident (repeats advance notified_at) the one that survives.
-- started_at is fixed for an alert_id, so every row of one incident lands in the same partition.
-- Series columns are Nullable: a detector may watch an aggregate over several series.
CREATE TABLE IF NOT EXISTS {{database}}.alerts
(
    alert_id String,
    fingerprint String,
    status String,
    severity String,
    detector String,
    tenant_id Nullable(String),
    application Nullable(String),
    environment Nullable(String),
    provider Nullable(String),
    model Nullable(String),
    operation Nullable(String),
    window_start DateTime,
    window_end DateTime,
    observed Float64,
    expected Float64,
    threshold Float64,
    score Float64,
    started_at DateTime,
    resolved_at Nullable(DateTime),
    summary String,
    evidence Nested(key String, value String),
    notified_at DateTime,
    notified_at_ms UInt64
)
ENGINE = ReplacingMergeTree(notified_at_ms)
PARTITION BY toYYYYMM(started_at)
ORDER BY (alert_id, status);
