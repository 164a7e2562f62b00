import { assertIdentifier } from '@aiops/clickhouse';
import { LABEL_PATTERN, type TimeRange } from './api.js';

/**
 * The dashboard's SQL, built by pure functions from validated values only. ClickHouse 18.16 has no query
 * parameters (`{name:Type}` came in 19.x: 18.16 answers "Unknown setting param_x"), so values reach the
 * SQL text as literals, and only after api.ts accepted them: labels match LABEL_PATTERN (no quote, no
 * backslash), times and sizes are integers. `literal` and `seconds` check again, so a builder called with
 * anything else throws instead of producing SQL.
 */

/** A label as a SQL string literal; refuses anything outside LABEL_PATTERN or the id alphabet. */
export function literal(value: string): string {
  if (!LABEL_PATTERN.test(value) && !/^[A-Za-z0-9_-]{1,128}$/.test(value))
    throw new RangeError(`not a safe label or id: ${JSON.stringify(value)}`);
  return `'${value}'`;
}

/** Epoch ms → whole epoch seconds as an integer literal. */
export function seconds(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`not a time: ${ms}`);
  return String(Math.floor(ms / 1000));
}

export interface QueryScope {
  /** The pipeline's database (an identifier). */
  readonly database: string;
  /** The window size the dashboard reads (window_aggregates holds one row per size). */
  readonly windowSizeS: number;
  /**
   * Coarser windows the aggregator also writes (WINDOW_SIZES_MS, e.g. hourly), read instead of the fine
   * ones for the whole periods of a long range that closed before `settledBeforeMs` (see windowSegments).
   */
  readonly rollup?: { readonly sizeS: number; readonly settledBeforeMs: number };
}

/** A part of a range read at one window size. */
export interface WindowSegment {
  readonly sizeS: number;
  readonly fromMs: number;
  readonly toMs: number;
}

/** Ranges shorter than this many rollup windows read the fine windows only (their charts need the detail). */
export const MIN_ROLLUP_WINDOWS = 48;

/**
 * Which window size reads which part of a range. With a rollup (hourly windows beside the minute ones),
 * a range of at least MIN_ROLLUP_WINDOWS rollup windows reads its whole, settled rollup periods from the
 * rollup (60× fewer rows) and its edges from the fine windows: the partial period at the start, and
 * everything from the first period not yet settled (a rollup window is written when its period closes,
 * later than the minute windows in it). Both sizes are aggregated from the same events, so counts, errors,
 * cost and tokens sum to the same totals either way; quantiles are weighted means of coarser windows.
 */
export function windowSegments(scope: QueryScope, range: TimeRange): WindowSegment[] {
  const fine = Math.trunc(scope.windowSizeS);
  const whole: WindowSegment[] = [{ sizeS: fine, fromMs: range.fromMs, toMs: range.toMs }];
  const rollup = scope.rollup;
  if (rollup === undefined || rollup.sizeS <= fine || rollup.sizeS % fine !== 0) return whole;
  const periodMs = rollup.sizeS * 1000;
  if (range.toMs - range.fromMs < MIN_ROLLUP_WINDOWS * periodMs) return whole;
  const headEnd = Math.ceil(range.fromMs / periodMs) * periodMs;
  const settled = Math.floor(Math.min(range.toMs, rollup.settledBeforeMs) / periodMs) * periodMs;
  if (settled <= headEnd) return whole;
  return [
    { sizeS: fine, fromMs: range.fromMs, toMs: headEnd },
    { sizeS: rollup.sizeS, fromMs: headEnd, toMs: settled },
    { sizeS: fine, fromMs: settled, toMs: range.toMs },
  ].filter((segment) => segment.fromMs < segment.toMs);
}

/** A tenant's application: the scope of group-level alerts (cost). */
export interface GroupLabels {
  readonly tenant: string;
  readonly application: string;
}

export interface SeriesLabels {
  readonly tenant: string;
  readonly application: string;
  readonly environment: string;
  readonly provider: string;
  readonly model: string;
  readonly operation: string;
}

const table = (scope: QueryScope, name: string) => `${assertIdentifier(scope.database, 'database')}.${name}`;

function windowsWhere(
  size: number,
  range: { readonly fromMs: number; readonly toMs: number },
  tenant: string | undefined,
): string {
  return [
    `window_size_s = ${Math.trunc(size)}`,
    `window_start >= toDateTime(${seconds(range.fromMs)})`,
    `window_start < toDateTime(${seconds(range.toMs)})`,
    ...(tenant === undefined ? [] : [`tenant_id = ${literal(tenant)}`]),
  ].join(' AND ');
}

/**
 * A window's rows in both of its tables: its latest revision (window_aggregates, `own` 1) and its late
 * corrections (window_late_corrections, `own` 0), summed with it. `select` reads one table.
 */
function windowTables(select: (name: string, own: 0 | 1) => string): string {
  return `${select('window_aggregates', 1)}
    UNION ALL ${select('window_late_corrections', 0)}`;
}

/**
 * `SELECT <columns>` over the windows of the range, each segment (windowSegments) at its size, in one
 * FINAL scan per table (a window's latest revision, and its late corrections). The segments are a
 * PREWHERE: ClickHouse then reads the other columns, and merges revisions, only for the rows of the
 * segments — with a plain WHERE, FINAL reads and merges every row of the partition first, and reading
 * the hourly windows saves nothing (measured on 7 days: 170–250 ms either way; 50–110 ms with
 * PREWHERE). Filtering before the merge is sound because every column filtered on is part of the
 * table's sorting key: all revisions of a window pass or fail together.
 */
function windowRows(
  scope: QueryScope,
  range: TimeRange,
  tenant: string | undefined,
  columns: string,
): string {
  const segments = windowSegments(scope, range).map(
    (segment) => `(${windowsWhere(segment.sizeS, segment, undefined)})`,
  );
  const tenantFilter = tenant === undefined ? '' : ` AND tenant_id = ${literal(tenant)}`;
  return `(${windowTables(
    (name) => `SELECT ${columns}
    FROM ${table(scope, name)} FINAL
    PREWHERE (${segments.join(' OR ')})${tenantFilter}`,
  )})`;
}

/**
 * The windows of the range under short names, so that the totals can be named like the columns they sum
 * (ClickHouse resolves an alias before a column of the same name: `sum(events) AS events` next to
 * `sumIf(x * events, ...)` would nest aggregates).
 */
function windows(scope: QueryScope, range: TimeRange, tenant: string | undefined, extra = ''): string {
  return windowRows(
    scope,
    range,
    tenant,
    `application AS app, model AS mdl, window_start AS ws, events AS n, errors AS err,
      latency_count AS lc, latency_p50_ms AS lp50, latency_p95_ms AS lp95,
      ttft_p50_ms AS tp50, ttft_p95_ms AS tp95, cost_usd AS usd, input_tokens AS tin, output_tokens AS tout,
      feedback_positive AS fpos, feedback_total AS ftot${extra}`,
  );
}

/**
 * Per-window quantiles cannot be added; over several windows the dashboard shows their mean weighted by
 * each window's latency count (TTFT: by events), close to the true quantile when windows are alike.
 */
const TOTALS = `sum(n) AS events, sum(err) AS errors, sum(lc) AS latency_count,
    sumIf(lp50 * lc, isNotNull(lp50)) / sumIf(lc, isNotNull(lp50)) AS p50_ms,
    sumIf(lp95 * lc, isNotNull(lp95)) / sumIf(lc, isNotNull(lp95)) AS p95_ms,
    sumIf(tp50 * n, isNotNull(tp50)) / sumIf(n, isNotNull(tp50)) AS ttft_p50_ms,
    sumIf(tp95 * n, isNotNull(tp95)) / sumIf(n, isNotNull(tp95)) AS ttft_p95_ms,
    sum(usd) AS cost_usd, sum(tin) AS input_tokens, sum(tout) AS output_tokens,
    sum(fpos) AS feedback_positive, sum(ftot) AS feedback_total`;

/** Overview: one row per (application, model) with totals over the range. */
export function overviewByAppModelSql(scope: QueryScope, range: TimeRange, tenant?: string): string {
  return `SELECT app AS application, mdl AS model, ${TOTALS}
FROM ${windows(scope, range, tenant)}
GROUP BY app, mdl
ORDER BY events DESC, application, model`;
}

/** Overview: mean evaluator score per (application, model, evaluator). */
export function overviewScoresSql(scope: QueryScope, range: TimeRange, tenant?: string): string {
  const rows = windowRows(
    scope,
    range,
    tenant,
    'application AS app, model AS mdl, quality.evaluator AS evs, quality.sum AS qsums, quality.count AS qcounts',
  );
  return `SELECT app AS application, mdl AS model, ev AS evaluator,
    sum(qsum) / sum(qcount) AS mean, sum(qcount) AS count
FROM ${rows}
ARRAY JOIN evs AS ev, qsums AS qsum, qcounts AS qcount
GROUP BY app, mdl, ev
ORDER BY application, model, evaluator`;
}

/**
 * A bucket of about 1/120 of the range, whole minutes (1 h → 1 min, 24 h → 12 min, 7 d → 84 min); whole
 * rollup windows when the range reads them (7 d with hourly windows → 1 h), so no bucket splits one.
 */
export function bucketSeconds(range: TimeRange, scope?: QueryScope): number {
  const minutes = Math.max(1, Math.round((range.toMs - range.fromMs) / 60_000 / 120));
  const coarsest = Math.max(...(scope ? windowSegments(scope, range) : []).map((s) => s.sizeS), 60);
  return Math.max(1, Math.round((minutes * 60) / coarsest)) * coarsest;
}

/** Overview: events, errors and cost per bucket (for the traffic chart). */
export function overviewTimelineSql(scope: QueryScope, range: TimeRange, tenant?: string): string {
  const bucket = bucketSeconds(range, scope);
  return `SELECT toUInt32(intDiv(toUInt32(ws), ${bucket}) * ${bucket}) AS t,
    sum(n) AS events, sum(err) AS errors, sum(usd) AS cost_usd
FROM ${windows(scope, range, tenant)}
GROUP BY t
ORDER BY t`;
}

/** Incidents still open (latest state firing), newest first. */
export function openIncidentsSql(scope: QueryScope): string {
  return `SELECT ${INCIDENT_COLUMNS}
FROM ${table(scope, 'incidents')} FINAL
WHERE status = 'firing'
ORDER BY opened_at_ms DESC
LIMIT 50`;
}

/** 1 when window_aggregates holds any window of `sizeS` (stops at the first), else 0. */
export function rollupPresentSql(scope: QueryScope, sizeS: number): string {
  return `SELECT count() AS n FROM (SELECT 1 FROM ${table(scope, 'window_aggregates')}
  WHERE window_size_s = ${Math.trunc(sizeS)} LIMIT 1)`;
}

/** Tenants that have windows: the only values `tenant` may take. */
export function tenantsSql(scope: QueryScope): string {
  return `SELECT DISTINCT tenant_id AS tenant FROM ${table(scope, 'window_aggregates')} ORDER BY tenant`;
}

const SERIES_COLUMNS = 'tenant_id, application, environment, provider, model, operation';

/** Series with windows in the range, busiest first. */
export function seriesListSql(scope: QueryScope, range: TimeRange, tenant?: string): string {
  return `SELECT ${SERIES_COLUMNS}, sum(events) AS n, sum(errors) AS errors_n
FROM ${windowRows(scope, range, tenant, `${SERIES_COLUMNS}, events, errors`)}
GROUP BY ${SERIES_COLUMNS}
ORDER BY n DESC
LIMIT 500`;
}

function seriesWhere(series: SeriesLabels): string {
  return [
    `tenant_id = ${literal(series.tenant)}`,
    `application = ${literal(series.application)}`,
    `environment = ${literal(series.environment)}`,
    `provider = ${literal(series.provider)}`,
    `model = ${literal(series.model)}`,
    `operation = ${literal(series.operation)}`,
  ].join(' AND ');
}

function groupWhere(group: GroupLabels): string {
  return `tenant_id = ${literal(group.tenant)} AND application = ${literal(group.application)}`;
}

/**
 * Per window: traffic, errors and cost summed over its rows (late corrections included); latency, TTFT
 * and quality from the windows themselves (`own`: a late correction holds one event, not a distribution),
 * the highest series' quantile when several series share the window (quantiles of separate series do not
 * add up) and the mean of their quality means.
 */
const PER_WINDOW_COLUMNS = `toUInt32(window_start) AS t, sum(events) AS events, sum(errors) AS errors,
    maxIf(latency_p50_ms, own) AS p50_ms, maxIf(latency_p95_ms, own) AS p95_ms,
    maxIf(latency_p99_ms, own) AS p99_ms, maxIf(ttft_p50_ms, own) AS ttft_ms, sum(cost_usd) AS usd,
    avgIf(quality_mean, own) AS quality`;

function perWindowSql(scope: QueryScope, range: TimeRange, where: string): string {
  const rows = windowTables(
    (name, own) => `SELECT window_start, events, errors, latency_p50_ms,
    latency_p95_ms, latency_p99_ms, ttft_p50_ms, cost_usd, quality_mean, ${own} AS own
  FROM ${table(scope, name)} FINAL
  WHERE ${windowsWhere(scope.windowSizeS, range, undefined)} AND ${where}`,
  );
  return `SELECT ${PER_WINDOW_COLUMNS}
FROM (${rows})
GROUP BY window_start
ORDER BY window_start`;
}

/** A tenant's application over the range, every series summed per window (PER_WINDOW_COLUMNS), oldest first. */
export function groupWindowsSql(scope: QueryScope, range: TimeRange, group: GroupLabels): string {
  return perWindowSql(scope, range, groupWhere(group));
}

/** One series' windows over the range, with their late corrections (PER_WINDOW_COLUMNS), oldest first. */
export function seriesWindowsSql(scope: QueryScope, range: TimeRange, series: SeriesLabels): string {
  return perWindowSql(scope, range, seriesWhere(series));
}

/**
 * Alerts on one series that overlap the range: one row per alert with when it fired and resolved (NULL
 * while firing), and the detector's baseline (`expected`) and threshold.
 */
export function seriesAlertsSql(scope: QueryScope, range: TimeRange, series: SeriesLabels): string {
  return alertsOverlappingSql(scope, range, seriesWhere(series));
}

/** Alerts of a tenant's application (any of its series, and its group-level ones) that overlap the range. */
export function groupAlertsSql(scope: QueryScope, range: TimeRange, group: GroupLabels): string {
  return alertsOverlappingSql(scope, range, groupWhere(group));
}

function alertsOverlappingSql(scope: QueryScope, range: TimeRange, where: string): string {
  return `SELECT alert_id, any(detector) AS detector, any(severity) AS severity, any(summary) AS summary,
    toUInt32(min(started_at)) AS fired_s, toUInt32(max(resolved_at)) AS resolved_s,
    max(expected) AS expected, max(threshold) AS threshold, max(observed) AS observed
FROM ${table(scope, 'alerts')} FINAL
WHERE ${where}
  AND started_at < toDateTime(${seconds(range.toMs)})
GROUP BY alert_id
HAVING resolved_s IS NULL OR resolved_s >= ${seconds(range.fromMs)}
ORDER BY fired_s`;
}

const INCIDENT_COLUMNS = `incident_id, receiver, status, severity, title, summary,
    opened_at_ms, toUInt32(resolved_at) AS resolved_s, toUInt32(acknowledged_at) AS acknowledged_s,
    acknowledged_by, owner, member_alert_ids, length(firing_alert_ids) AS firing`;

/** Incidents opened in the range, filtered, newest first. */
export function incidentsSql(
  scope: QueryScope,
  range: TimeRange,
  filters: { readonly status: string; readonly severity: string },
): string {
  const where = [
    `opened_at >= toDateTime(${seconds(range.fromMs)})`,
    `opened_at < toDateTime(${seconds(range.toMs)})`,
    ...(filters.status === 'all' ? [] : [`status = ${literal(filters.status)}`]),
    ...(filters.severity === 'all' ? [] : [`severity = ${literal(filters.severity)}`]),
  ];
  return `SELECT ${INCIDENT_COLUMNS}
FROM ${table(scope, 'incidents')} FINAL
WHERE ${where.join(' AND ')}
ORDER BY opened_at_ms DESC
LIMIT 500`;
}

export function incidentSql(scope: QueryScope, incidentId: string): string {
  return `SELECT ${INCIDENT_COLUMNS}
FROM ${table(scope, 'incidents')} FINAL
WHERE incident_id = ${literal(incidentId)}`;
}

/** The member alerts of an incident (ids read from the incidents table, checked again here). */
export function alertsByIdSql(scope: QueryScope, alertIds: readonly string[]): string {
  const ids = alertIds.length === 0 ? "''" : alertIds.map(literal).join(', ');
  return `SELECT alert_id, any(detector) AS detector, any(severity) AS severity, any(summary) AS summary,
    any(tenant_id) AS tenant, any(application) AS application, any(environment) AS environment,
    any(provider) AS provider, any(model) AS model, any(operation) AS operation,
    toUInt32(min(started_at)) AS fired_s, toUInt32(max(resolved_at)) AS resolved_s
FROM ${table(scope, 'alerts')} FINAL
WHERE alert_id IN (${ids})
GROUP BY alert_id
ORDER BY fired_s`;
}

/** 1 when the prompt monitor wrote aggregates for the range (stops at the first), else 0. */
export function promptAggregatesPresentSql(scope: QueryScope, range: TimeRange, tenant?: string): string {
  return `SELECT count() AS n FROM (SELECT 1 FROM ${table(scope, 'prompt_version_aggregates')}
  WHERE ${promptWindowsWhere(range, tenant)} LIMIT 1)`;
}

function promptWindowsWhere(range: TimeRange, tenant: string | undefined): string {
  return [
    `window_start >= toDateTime(${seconds(range.fromMs)})`,
    `window_start < toDateTime(${seconds(range.toMs)})`,
    ...(tenant === undefined ? [] : [`tenant_id = ${literal(tenant)}`]),
  ].join(' AND ');
}

/**
 * Prompt versions side by side from the prompt monitor's per-window aggregates (prompt_version_aggregates,
 * one row per version and minute): the same columns as promptVersionsSql, `events` counting LLM calls,
 * quantiles the calls-weighted mean of the windows'. Far fewer rows than `events`.
 */
export function promptAggregatesSql(scope: QueryScope, range: TimeRange, tenant?: string): string {
  return `SELECT prompt_name, prompt_version,
    sum(calls) AS events, sum(errors) AS errors,
    sumIf(latency_p50_ms * calls, isNotNull(latency_p50_ms)) / sumIf(calls, isNotNull(latency_p50_ms)) AS p50_ms,
    sumIf(latency_p95_ms * calls, isNotNull(latency_p95_ms)) / sumIf(calls, isNotNull(latency_p95_ms)) AS p95_ms,
    sum(cost_usd) AS usd,
    sum(arraySum(scores.sum)) / sum(arraySum(scores.count)) AS score_mean,
    sum(feedback) - sum(negative_feedback) AS feedback_positive, sum(feedback) AS feedback_total
FROM ${table(scope, 'prompt_version_aggregates')} FINAL
WHERE ${promptWindowsWhere(range, tenant)}
GROUP BY prompt_name, prompt_version
ORDER BY prompt_name, prompt_version`;
}

/**
 * Prompt versions side by side, from `events` (when the prompt monitor does not run): per prompt_name
 * and prompt_version, traffic, errors, latency, cost, mean score and feedback.
 */
export function promptVersionsSql(scope: QueryScope, range: TimeRange, tenant?: string): string {
  const where = [
    'isNotNull(prompt_name)',
    `timestamp >= toDateTime(${seconds(range.fromMs)})`,
    `timestamp < toDateTime(${seconds(range.toMs)})`,
    ...(tenant === undefined ? [] : [`tenant_id = ${literal(tenant)}`]),
  ];
  return `SELECT assumeNotNull(prompt_name) AS prompt_name, ifNull(prompt_version, '') AS prompt_version,
    count() AS events, countIf(status != 'ok') AS errors,
    quantile(0.5)(duration_ms) AS p50_ms, quantile(0.95)(duration_ms) AS p95_ms,
    sum(cost_usd) AS usd,
    sum(arraySum(scores.value)) / sum(length(scores.value)) AS score_mean,
    countIf(feedback = 1) AS feedback_positive, countIf(isNotNull(feedback)) AS feedback_total
FROM ${table(scope, 'events')} FINAL
WHERE ${where.join(' AND ')}
GROUP BY prompt_name, prompt_version
ORDER BY prompt_name, prompt_version`;
}

/** Weekly report: per application, totals over [fromMs, toMs) (called once per week). */
export function weekByApplicationSql(scope: QueryScope, range: TimeRange, tenant?: string): string {
  return `SELECT app AS application, ${TOTALS},
    sum(qsum) / sum(qcount) AS quality_mean
FROM ${windows(scope, range, tenant, ',\n      arraySum(quality.sum) AS qsum, arraySum(quality.count) AS qcount')}
GROUP BY app
ORDER BY application`;
}
