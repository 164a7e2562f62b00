-- Error rate by provider per day, last 7 days, from the smallest window size in window_aggregates
-- (latest revision of each window via FINAL, plus the late corrections of window_late_corrections).
SELECT
    toDate(window_start) AS day,
    provider,
    sum(events) AS event_count,
    sum(errors) AS error_count,
    round(sum(errors) / sum(events), 6) AS error_rate
FROM
(
    SELECT window_start, window_size_s, provider, events, errors FROM {{database}}.window_aggregates FINAL
    UNION ALL
    SELECT window_start, window_size_s, provider, events, errors FROM {{database}}.window_late_corrections FINAL
)
WHERE window_size_s = (SELECT min(window_size_s) FROM {{database}}.window_aggregates)
    AND window_start >= now() - INTERVAL 7 DAY
    AND events > 0
GROUP BY day, provider
ORDER BY day DESC, error_rate DESC, provider;
