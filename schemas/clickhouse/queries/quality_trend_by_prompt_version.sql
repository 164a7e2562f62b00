-- Quality trend per prompt and prompt version, per day and evaluator, last 30 days, from event scores
-- (FINAL: a replayed evaluation counts once). Events without a prompt name are left out.
SELECT
    toDate(timestamp) AS day,
    assumeNotNull(prompt_name) AS prompt,
    ifNull(prompt_version, '') AS version,
    scores.name AS evaluator,
    count() AS score_count,
    round(avg(scores.value), 6) AS mean_score,
    round(min(scores.value), 6) AS min_score
FROM {{database}}.events FINAL
ARRAY JOIN scores
WHERE timestamp >= now() - INTERVAL 30 DAY
    AND prompt_name IS NOT NULL
GROUP BY day, prompt, version, evaluator
ORDER BY prompt, version, evaluator, day;
