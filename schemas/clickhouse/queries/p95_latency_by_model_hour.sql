-- p95 latency by provider and model per hour, last 7 days, from the smallest window size in
-- window_aggregates. FINAL keeps only the latest revision of each window; late corrections (one event
-- each, window_late_corrections) count with their one latency. A p95 cannot be merged exactly
-- from per-window p95s, so two honest summaries are given: the latency_count-weighted mean of the window
-- p95s and the worst window's p95 (exact merges need the latency_sketch column, decoded in the app).
SELECT
    toStartOfHour(window_start) AS hour,
    provider,
    model,
    sum(events) AS event_count,
    sum(latency_count) AS latency_samples,
    round(sum(ifNull(latency_p95_ms, 0) * latency_count) / sum(latency_count), 3) AS p95_ms_weighted,
    round(max(ifNull(latency_p95_ms, 0)), 3) AS p95_ms_worst_window
FROM
(
    SELECT window_start, window_size_s, provider, model, events, latency_count, latency_p95_ms
    FROM {{database}}.window_aggregates FINAL
    UNION ALL
    SELECT window_start, window_size_s, provider, model, events, latency_count, latency_p95_ms
    FROM {{database}}.window_late_corrections FINAL
)
WHERE window_size_s = (SELECT min(window_size_s) FROM {{database}}.window_aggregates)
    AND window_start >= now() - INTERVAL 7 DAY
    AND latency_count > 0
GROUP BY hour, provider, model
ORDER BY hour DESC, p95_ms_weighted DESC, provider, model;
