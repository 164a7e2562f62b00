-- Cost by tenant and application per day, last 30 days, from raw events (FINAL: replayed events count once).
-- cost_usd is null for events nobody could price; they are counted in unpriced_events.
SELECT
    toDate(timestamp) AS day,
    tenant_id,
    application,
    count() AS event_count,
    round(sum(ifNull(cost_usd, 0)), 6) AS total_cost_usd,
    countIf(cost_source = 'price_table') AS estimated_events,
    countIf(cost_usd IS NULL) AS unpriced_events,
    sum(ifNull(input_tokens, 0)) AS total_input_tokens,
    sum(ifNull(output_tokens, 0)) AS total_output_tokens
FROM {{database}}.events FINAL
WHERE timestamp >= now() - INTERVAL 30 DAY
GROUP BY day, tenant_id, application
ORDER BY day DESC, total_cost_usd DESC, tenant_id, application;
