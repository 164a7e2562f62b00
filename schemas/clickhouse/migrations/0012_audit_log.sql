-- Who did what, when: silences, acknowledgements, assignments, detection-rules changes. Append-only
-- (plain MergeTree: nothing collapses or is replaced); before/after are JSON documents, '' when none.
CREATE TABLE IF NOT EXISTS {{database}}.audit_log
(
    audit_id String,
    at DateTime,
    at_ms UInt64,
    actor String,
    action String,
    target String,
    before String,
    after String,
    comment String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (at, action, target);
