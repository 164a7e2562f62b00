-- Top alerting detectors and series over the last 30 days: incidents (distinct alert_id), how many are
-- still firing (no resolved row), the worst score and the total firing time. FINAL collapses replays.
SELECT
    detector,
    ifNull(tenant_id, '') AS tenant,
    ifNull(application, '') AS app,
    ifNull(provider, '') AS provider_name,
    ifNull(model, '') AS model_name,
    uniqExact(alert_id) AS incidents,
    uniqExact(alert_id) - uniqExactIf(alert_id, status = 'resolved') AS open_incidents,
    max(score) AS max_score,
    anyHeavy(severity) AS typical_severity,
    sumIf(toUInt64(ifNull(resolved_at, started_at)) - toUInt64(started_at), status = 'resolved') AS resolved_seconds
FROM {{database}}.alerts FINAL
WHERE started_at >= now() - INTERVAL 30 DAY
GROUP BY detector, tenant, app, provider_name, model_name
ORDER BY incidents DESC, max_score DESC, detector
LIMIT 20;
