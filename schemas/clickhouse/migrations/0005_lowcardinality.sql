-- requires: 20.8
-- Dictionary-encode the low-cardinality columns: the six series dimensions and the enum-like strings.
-- 18.16 only has LowCardinality behind an experimental flag; altering a sorting-key column from String to
-- LowCardinality(String) (a metadata-only change) is accepted by servers from about 20.6 on, so this waits
-- for 20.8 (LTS). On an older server the runner records it as skipped and applies it after an upgrade.
ALTER TABLE {{database}}.events MODIFY COLUMN tenant_id LowCardinality(String);
ALTER TABLE {{database}}.events MODIFY COLUMN application LowCardinality(String);
ALTER TABLE {{database}}.events MODIFY COLUMN environment LowCardinality(String);
ALTER TABLE {{database}}.events MODIFY COLUMN provider LowCardinality(String);
ALTER TABLE {{database}}.events MODIFY COLUMN model LowCardinality(String);
ALTER TABLE {{database}}.events MODIFY COLUMN operation LowCardinality(String);
ALTER TABLE {{database}}.events MODIFY COLUMN event_type LowCardinality(String);
ALTER TABLE {{database}}.events MODIFY COLUMN status LowCardinality(String);
ALTER TABLE {{database}}.events MODIFY COLUMN response_model LowCardinality(Nullable(String));
ALTER TABLE {{database}}.events MODIFY COLUMN error_type LowCardinality(Nullable(String));
ALTER TABLE {{database}}.events MODIFY COLUMN cost_source LowCardinality(Nullable(String));
ALTER TABLE {{database}}.events MODIFY COLUMN prompt_name LowCardinality(Nullable(String));
ALTER TABLE {{database}}.events MODIFY COLUMN prompt_version LowCardinality(Nullable(String));
ALTER TABLE {{database}}.events MODIFY COLUMN agent_name LowCardinality(Nullable(String));
ALTER TABLE {{database}}.events MODIFY COLUMN tool_name LowCardinality(Nullable(String));
ALTER TABLE {{database}}.window_aggregates MODIFY COLUMN tenant_id LowCardinality(String);
ALTER TABLE {{database}}.window_aggregates MODIFY COLUMN application LowCardinality(String);
ALTER TABLE {{database}}.window_aggregates MODIFY COLUMN environment LowCardinality(String);
ALTER TABLE {{database}}.window_aggregates MODIFY COLUMN provider LowCardinality(String);
ALTER TABLE {{database}}.window_aggregates MODIFY COLUMN model LowCardinality(String);
ALTER TABLE {{database}}.window_aggregates MODIFY COLUMN operation LowCardinality(String);
ALTER TABLE {{database}}.alerts MODIFY COLUMN status LowCardinality(String);
ALTER TABLE {{database}}.alerts MODIFY COLUMN severity LowCardinality(String);
ALTER TABLE {{database}}.alerts MODIFY COLUMN detector LowCardinality(String);
ALTER TABLE {{database}}.alerts MODIFY COLUMN tenant_id LowCardinality(Nullable(String));
ALTER TABLE {{database}}.alerts MODIFY COLUMN application LowCardinality(Nullable(String));
ALTER TABLE {{database}}.alerts MODIFY COLUMN environment LowCardinality(Nullable(String));
ALTER TABLE {{database}}.alerts MODIFY COLUMN provider LowCardinality(Nullable(String));
ALTER TABLE {{database}}.alerts MODIFY COLUMN model LowCardinality(Nullable(String));
ALTER TABLE {{database}}.alerts MODIFY COLUMN operation LowCardinality(Nullable(String));
