import type { SqlExecutor } from '@aiops/clickhouse';
import {
  type GroupQuery,
  type IncidentsQuery,
  type OverviewQuery,
  resolveRange,
  type SeriesQuery,
  type TimeRange,
  type WeekQuery,
} from './api.js';
import { num } from './numbers.js';
import {
  alertsByIdSql,
  groupAlertsSql,
  groupWindowsSql,
  incidentSql,
  incidentsSql,
  openIncidentsSql,
  overviewByAppModelSql,
  overviewScoresSql,
  overviewTimelineSql,
  promptAggregatesPresentSql,
  promptAggregatesSql,
  promptVersionsSql,
  type QueryScope,
  rollupPresentSql,
  seriesAlertsSql,
  seriesListSql,
  seriesWindowsSql,
  tenantsSql,
  weekByApplicationSql,
} from './queries.js';
import { compareWeeks, type WeeklyReport } from './report.js';

/**
 * The dashboard's reads: each runs the builders' SQL on ClickHouse and turns the rows (JSONEachRow:
 * 64-bit integers arrive as strings) into the JSON the pages draw. Unknown tenants are refused here,
 * against the tenants that have windows.
 */

type Row = Record<string, unknown>;

function numbers(row: Row, keys: readonly string[]): Row {
  const out: Row = { ...row };
  for (const key of keys) if (key in out) out[key] = num(out[key]);
  return out;
}

const TOTAL_KEYS = [
  'events',
  'errors',
  'latency_count',
  'p50_ms',
  'p95_ms',
  'ttft_p50_ms',
  'ttft_p95_ms',
  'cost_usd',
  'input_tokens',
  'output_tokens',
  'feedback_positive',
  'feedback_total',
  'quality_mean',
] as const;

export class UnknownTenant extends Error {}

/** What the dashboard reads: the database, the fine window size and the rollup size to look for (0: none). */
export interface DashboardScope extends Omit<QueryScope, 'rollup'> {
  readonly rollupWindowSizeS?: number;
}

/** How long what the dashboard learned of the tables (tenants, whether rollup windows exist) is reused. */
const TABLE_FACTS_TTL_MS = 60_000;
/**
 * A rollup window is read once its period ended this long ago: it is written when the aggregator's
 * watermark passes the period's end (out-of-orderness) and revised within the allowed lateness.
 */
export const ROLLUP_SETTLE_MS = 10 * 60_000;

export class Dashboard {
  readonly scope: QueryScope;
  /** 0: rollup windows are never read. */
  readonly rollupWindowSizeS: number;
  private tenantsSeen: { atMs: number; tenants: string[] } | null = null;
  private rollupSeen: { atMs: number; present: boolean } | null = null;

  constructor(
    private readonly sql: SqlExecutor,
    scope: DashboardScope,
    private readonly now: () => number = Date.now,
  ) {
    this.scope = { database: scope.database, windowSizeS: scope.windowSizeS };
    this.rollupWindowSizeS = scope.rollupWindowSizeS ?? 0;
  }

  async tenants(): Promise<string[]> {
    const rows = await this.sql.queryRows<{ tenant: string }>(tenantsSql(this.scope));
    const tenants = rows.map((r) => r.tenant);
    this.tenantsSeen = { atMs: this.now(), tenants };
    return tenants;
  }

  /**
   * The scope of a read over windows: with the rollup when the aggregator writes windows of that size
   * (looked up at most once a minute; the lookup stops at the first such row).
   */
  private async windowScope(): Promise<QueryScope> {
    if (this.rollupWindowSizeS === 0) return this.scope;
    const now = this.now();
    if (this.rollupSeen === null || now - this.rollupSeen.atMs > TABLE_FACTS_TTL_MS) {
      const [row] = await this.sql.queryRows<{ n: unknown }>(
        rollupPresentSql(this.scope, this.rollupWindowSizeS),
      );
      this.rollupSeen = { atMs: now, present: num(row?.n) === 1 };
    }
    if (!this.rollupSeen.present) return this.scope;
    return {
      ...this.scope,
      rollup: { sizeS: this.rollupWindowSizeS, settledBeforeMs: now - ROLLUP_SETTLE_MS },
    };
  }

  private async checkTenant(tenant: string | undefined): Promise<void> {
    if (tenant === undefined) return;
    // Known a moment ago: no scan of the table. Unknown: look again (it may have just arrived).
    const seen = this.tenantsSeen;
    if (seen !== null && this.now() - seen.atMs <= TABLE_FACTS_TTL_MS && seen.tenants.includes(tenant))
      return;
    const known = await this.tenants();
    if (!known.includes(tenant))
      throw new UnknownTenant(
        `tenant: unknown tenant ${JSON.stringify(tenant)} (known: ${known.slice(0, 20).join(', ') || 'none yet'})`,
      );
  }

  range(query: {
    range: OverviewQuery['range'];
    from?: number | undefined;
    to?: number | undefined;
  }): TimeRange {
    return resolveRange(query, this.now());
  }

  async overview(query: OverviewQuery) {
    await this.checkTenant(query.tenant);
    const range = this.range(query);
    const scope = await this.windowScope();
    const [groups, scores, timeline, open] = await Promise.all([
      this.sql.queryRows(overviewByAppModelSql(scope, range, query.tenant)),
      this.sql.queryRows(overviewScoresSql(scope, range, query.tenant)),
      this.sql.queryRows(overviewTimelineSql(scope, range, query.tenant)),
      this.openIncidents(),
    ]);
    const rows = groups.map((g) => numbers(g, TOTAL_KEYS));
    const minutes = (range.toMs - range.fromMs) / 60_000;
    const sum = (key: string) => rows.reduce((s, r) => s + ((r[key] as number | null) ?? 0), 0);
    const events = sum('events');
    return {
      range,
      tenant: query.tenant ?? null,
      totals: {
        events,
        errors: sum('errors'),
        events_per_min: events / minutes,
        error_rate: events === 0 ? null : sum('errors') / events,
        cost_usd: sum('cost_usd'),
        cost_per_hour: sum('cost_usd') / (minutes / 60),
        input_tokens: sum('input_tokens'),
        output_tokens: sum('output_tokens'),
      },
      groups: rows.map((r) => ({
        ...r,
        events_per_min: ((r.events as number) ?? 0) / minutes,
        error_rate: r.events ? (r.errors as number) / (r.events as number) : null,
        cost_per_hour: ((r.cost_usd as number) ?? 0) / (minutes / 60),
      })),
      scores: scores.map((s) => numbers(s, ['mean', 'count'])),
      timeline: timeline.map((t) => numbers(t, ['t', 'events', 'errors', 'cost_usd'])),
      open_incidents: open,
    };
  }

  async openIncidents() {
    return (await this.sql.queryRows(openIncidentsSql(this.scope))).map(incidentRow);
  }

  async seriesList(query: OverviewQuery) {
    await this.checkTenant(query.tenant);
    const range = this.range(query);
    const rows = await this.sql.queryRows(seriesListSql(await this.windowScope(), range, query.tenant));
    return {
      range,
      series: rows.map(({ n, errors_n, ...labels }) => ({
        ...labels,
        events: num(n),
        errors: num(errors_n),
      })),
    };
  }

  async series(query: SeriesQuery) {
    await this.checkTenant(query.tenant);
    const range = this.range(query);
    return this.windowsWithAlerts(
      range,
      seriesWindowsSql(this.scope, range, query),
      seriesAlertsSql(this.scope, range, query),
    );
  }

  /** A tenant's application, its series summed per window (see groupWindowsSql), with its alerts. */
  async group(query: GroupQuery) {
    await this.checkTenant(query.tenant);
    const range = this.range(query);
    return this.windowsWithAlerts(
      range,
      groupWindowsSql(this.scope, range, query),
      groupAlertsSql(this.scope, range, query),
    );
  }

  private async windowsWithAlerts(range: TimeRange, windowsSql: string, alertsSql: string) {
    const [windows, alerts] = await Promise.all([
      this.sql.queryRows(windowsSql),
      this.sql.queryRows(alertsSql),
    ]);
    return {
      range,
      windows: windows.map((w) =>
        numbers(w, ['t', 'events', 'errors', 'p50_ms', 'p95_ms', 'p99_ms', 'ttft_ms', 'usd', 'quality']),
      ),
      alerts: alerts.map((a) => numbers(a, ['fired_s', 'resolved_s', 'expected', 'threshold', 'observed'])),
    };
  }

  async incidents(query: IncidentsQuery) {
    const range = this.range(query);
    const rows = await this.sql.queryRows(incidentsSql(this.scope, range, query));
    return { range, incidents: rows.map(incidentRow) };
  }

  /** One incident with its member alerts; null when there is none with this id. */
  async incident(id: string) {
    const [row] = await this.sql.queryRows(incidentSql(this.scope, id));
    if (row === undefined) return null;
    const incident = incidentRow(row);
    const ids = (incident.member_alert_ids as string[]).filter((a) => /^[A-Za-z0-9_-]{1,128}$/.test(a));
    const alerts = (await this.sql.queryRows(alertsByIdSql(this.scope, ids))).map((a) =>
      numbers(a, ['fired_s', 'resolved_s']),
    );
    return { incident, alerts };
  }

  /**
   * From the prompt monitor's aggregates when it wrote any for the range (calls), else from the raw
   * events (every event with a prompt_name): `source` says which.
   */
  async prompts(query: OverviewQuery) {
    await this.checkTenant(query.tenant);
    const range = this.range(query);
    const [present] = await this.sql.queryRows<{ n: unknown }>(
      promptAggregatesPresentSql(this.scope, range, query.tenant),
    );
    const fromAggregates = num(present?.n) === 1;
    const rows = await this.sql.queryRows(
      fromAggregates
        ? promptAggregatesSql(this.scope, range, query.tenant)
        : promptVersionsSql(this.scope, range, query.tenant),
    );
    return {
      range,
      source: fromAggregates ? 'prompt_version_aggregates' : 'events',
      versions: rows.map((r) =>
        numbers(r, [
          'events',
          'errors',
          'p50_ms',
          'p95_ms',
          'cost_usd',
          'score_mean',
          'feedback_positive',
          'feedback_total',
        ]),
      ),
    };
  }

  /** This week (the 7 days up to `to`, default now) against the 7 days before, per application. */
  async week(query: WeekQuery): Promise<WeeklyReport> {
    await this.checkTenant(query.tenant);
    const toMs = Math.ceil((query.to ?? this.now()) / 60_000) * 60_000;
    const week = 7 * 86_400_000;
    const thisWeek = { fromMs: toMs - week, toMs };
    const lastWeek = { fromMs: toMs - 2 * week, toMs: toMs - week };
    const scope = await this.windowScope();
    const [current, previous] = await Promise.all(
      [thisWeek, lastWeek].map(async (range) =>
        this.sql.queryRows(weekByApplicationSql(scope, range, query.tenant)),
      ),
    );
    return compareWeeks({
      thisWeek,
      lastWeek,
      tenant: query.tenant ?? null,
      current: current ?? [],
      previous: previous ?? [],
    });
  }
}

function incidentRow(row: Row): Row {
  return numbers(row, ['opened_at_ms', 'resolved_s', 'acknowledged_s', 'firing']);
}
