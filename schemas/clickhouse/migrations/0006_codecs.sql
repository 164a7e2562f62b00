-- requires: 20.1
-- Column codecs for the wide, steadily growing columns (timestamps, durations, free text, sketches).
-- Sorting-key columns keep the default codec. Refused by 18.16 (no codecs); recorded as skipped there.
ALTER TABLE {{database}}.events MODIFY COLUMN timestamp_ms UInt64 CODEC(Delta, ZSTD(1));
ALTER TABLE {{database}}.events MODIFY COLUMN ingested_at DateTime CODEC(Delta, ZSTD(1));
ALTER TABLE {{database}}.events MODIFY COLUMN duration_ms Nullable(Float64) CODEC(Gorilla, ZSTD(1));
ALTER TABLE {{database}}.events MODIFY COLUMN time_to_first_token_ms Nullable(Float64) CODEC(Gorilla, ZSTD(1));
ALTER TABLE {{database}}.events MODIFY COLUMN `attributes.value` Array(String) CODEC(ZSTD(3));
ALTER TABLE {{database}}.window_aggregates MODIFY COLUMN latency_sketch String CODEC(ZSTD(3));
ALTER TABLE {{database}}.window_aggregates MODIFY COLUMN emitted_at_ms UInt64 CODEC(Delta, ZSTD(1));
ALTER TABLE {{database}}.alerts MODIFY COLUMN summary String CODEC(ZSTD(3));
