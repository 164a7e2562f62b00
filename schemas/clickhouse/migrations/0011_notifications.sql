-- What went to which receiver about which incident: one row per notification and receiver, written when its
-- delivery finished (delivered, or dead-lettered with the error). A replay collapses on the key.
CREATE TABLE IF NOT EXISTS {{database}}.notifications
(
    notification_id String,
    incident_id String,
    receiver String,
    kind String,
    status String,
    outcome String,
    attempts UInt32,
    error Nullable(String),
    notified_at DateTime,
    sent_at DateTime,
    sent_at_ms UInt64
)
ENGINE = ReplacingMergeTree(sent_at_ms)
PARTITION BY toYYYYMM(sent_at)
ORDER BY (incident_id, notification_id, receiver);
