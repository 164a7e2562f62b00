-- Incidents as the notifier sees them (packages/incidents Incident), one row per change of an incident.
--
-- ReplacingMergeTree(version): `version` is the notifier's write time in ms, so FINAL (or argMax by version)
-- gives the incident's latest state; a replay after a restart writes the same state again and collapses.
-- group_labels are the labels the route grouped by, common_labels those every member alert shares.
CREATE TABLE IF NOT EXISTS {{database}}.incidents
(
    incident_id String,
    group_key String,
    receiver String,
    status String,
    severity String,
    title String,
    summary String,
    group_labels Nested(name String, value String),
    common_labels Nested(name String, value String),
    member_alert_ids Array(String),
    firing_alert_ids Array(String),
    silenced_by Array(String),
    opened_at DateTime,
    opened_at_ms UInt64,
    updated_at DateTime,
    acknowledged_at Nullable(DateTime),
    acknowledged_by Nullable(String),
    owner Nullable(String),
    resolved_at Nullable(DateTime),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(opened_at)
ORDER BY incident_id;
