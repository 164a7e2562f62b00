-- requires: 20.1
-- Raw events expire after {{events_ttl_days}} days (a runner variable, default 30: `aiops migrate
-- --var events_ttl_days=90`). Window aggregates and alerts are kept. 18.16 has no TTL: skipped there.
ALTER TABLE {{database}}.events MODIFY TTL timestamp + INTERVAL {{events_ttl_days}} DAY;
