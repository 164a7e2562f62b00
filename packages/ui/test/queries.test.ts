import { describe, expect, it } from 'vitest';
import {
  alertsByIdSql,
  bucketSeconds,
  groupAlertsSql,
  groupWindowsSql,
  incidentsSql,
  literal,
  overviewByAppModelSql,
  promptAggregatesSql,
  promptVersionsSql,
  seconds,
  seriesAlertsSql,
  seriesWindowsSql,
  weekByApplicationSql,
  windowSegments,
} from '../src/queries.js';
import { SERIES } from './fixtures.js';

const scope = { database: 'aiops', windowSizeS: 60 };
const range = { fromMs: 1_765_000_000_000, toMs: 1_765_003_600_000 };
const series = SERIES;

describe('query builders', () => {
  it('quote only values that passed validation, and refuse anything else', () => {
    expect(literal('gpt-4o-mini')).toBe("'gpt-4o-mini'");
    for (const bad of ["a'b", 'a\\b', '', 'a\nb', 'x'.repeat(201)])
      expect(() => literal(bad)).toThrow(RangeError);
    expect(seconds(1_765_000_000_999)).toBe('1765000000');
    expect(() => seconds(Number.NaN)).toThrow(RangeError);
    expect(() => overviewByAppModelSql({ database: 'aiops; DROP', windowSizeS: 60 }, range)).toThrow(
      /database/,
    );
    expect(() => seriesWindowsSql(scope, range, { ...series, model: "x' OR '1'='1" })).toThrow(RangeError);
    expect(() => alertsByIdSql(scope, ["a') OR ('1"])).toThrow(RangeError);
  });

  it('read window_aggregates FINAL at one window size, in the range, for the tenant', () => {
    const sql = overviewByAppModelSql(scope, range, 'acme');
    expect(sql).toContain('FROM aiops.window_aggregates FINAL');
    expect(sql).toContain('window_size_s = 60');
    expect(sql).toContain('window_start >= toDateTime(1765000000)');
    expect(sql).toContain('window_start < toDateTime(1765003600)');
    expect(sql).toContain("tenant_id = 'acme'");
    expect(overviewByAppModelSql(scope, range)).not.toContain('tenant_id =');
    expect(weekByApplicationSql(scope, range)).toContain('GROUP BY app');
  });

  it('pick buckets of about 1/120 of the range, in whole minutes', () => {
    expect(bucketSeconds({ fromMs: 0, toMs: 3_600_000 })).toBe(60);
    expect(bucketSeconds({ fromMs: 0, toMs: 86_400_000 })).toBe(720);
    expect(bucketSeconds({ fromMs: 0, toMs: 7 * 86_400_000 })).toBe(5040);
  });

  it('read the settled whole hours of a long range from hourly windows, its edges from minute windows', () => {
    const HOUR = 3_600_000;
    const from = 1_765_000_000_000 + 17 * 60_000; // not on an hour
    const week = { fromMs: from, toMs: from + 7 * 24 * HOUR };
    const rollup = { sizeS: 3600, settledBeforeMs: week.toMs - 25 * 60_000 };
    const segments = windowSegments({ ...scope, rollup }, week);
    const headEnd = Math.ceil(from / HOUR) * HOUR;
    const settled = Math.floor(rollup.settledBeforeMs / HOUR) * HOUR;
    expect(segments).toEqual([
      { sizeS: 60, fromMs: from, toMs: headEnd },
      { sizeS: 3600, fromMs: headEnd, toMs: settled },
      { sizeS: 60, fromMs: settled, toMs: week.toMs },
    ]);
    // Contiguous: every instant of the range is read at exactly one size.
    for (let i = 1; i < segments.length; i++) expect(segments[i]!.fromMs).toBe(segments[i - 1]!.toMs);
    // Short ranges, no rollup, or a rollup that is not a multiple of the fine size: minute windows only.
    const day = { fromMs: from, toMs: from + 24 * HOUR };
    expect(windowSegments({ ...scope, rollup }, day)).toEqual([{ sizeS: 60, ...day }]);
    expect(windowSegments(scope, week)).toEqual([{ sizeS: 60, ...week }]);
    expect(windowSegments({ ...scope, rollup: { ...rollup, sizeS: 90 } }, week)).toHaveLength(1);
    // Nothing settled yet (the rollup was just turned on): minute windows only.
    expect(windowSegments({ ...scope, rollup: { ...rollup, settledBeforeMs: from } }, week)).toHaveLength(1);

    const sql = overviewByAppModelSql({ ...scope, rollup }, week);
    // One FINAL scan per table (the windows, their late corrections), the segments as a PREWHERE on
    // sorting-key columns.
    expect(sql.match(/FINAL/g)).toHaveLength(2);
    expect(sql).toContain('FROM aiops.window_late_corrections FINAL');
    expect(sql).toContain('PREWHERE ((window_size_s = 60 AND');
    expect(sql).toContain('window_size_s = 3600');
    expect(sql.match(/window_size_s = 60 /g)).toHaveLength(4);
    // The timeline's buckets are whole hours, so no bucket splits an hourly window.
    expect(bucketSeconds(week, { ...scope, rollup })).toBe(3600);
  });

  it("read prompt versions from the prompt monitor's aggregates: calls, weighted quantiles, score sums", () => {
    const sql = promptAggregatesSql(scope, range, 'acme');
    expect(sql).toContain('FROM aiops.prompt_version_aggregates FINAL');
    expect(sql).toContain('sum(calls) AS events');
    expect(sql).toContain('sum(arraySum(scores.sum)) / sum(arraySum(scores.count)) AS score_mean');
    expect(sql).toContain("tenant_id = 'acme'");
    expect(() => promptAggregatesSql(scope, range, "acme' OR 1=1")).toThrow(RangeError);
  });

  it('filter one series, its alerts, incidents and prompt versions', () => {
    const windows = seriesWindowsSql(scope, range, series);
    for (const [column, value] of [
      ['tenant_id', 'acme'],
      ['application', 'chat'],
      ['model', 'gpt-4o-mini'],
    ])
      expect(windows).toContain(`${column} = '${value}'`);
    const alerts = seriesAlertsSql(scope, range, series);
    expect(alerts).toContain('FROM aiops.alerts FINAL');
    expect(alerts).toContain('HAVING resolved_s IS NULL OR resolved_s >= 1765000000');
    expect(incidentsSql(scope, range, { status: 'all', severity: 'all' })).not.toContain('status =');
    expect(incidentsSql(scope, range, { status: 'firing', severity: 'critical' })).toContain(
      "status = 'firing' AND severity = 'critical'",
    );
    expect(promptVersionsSql(scope, range, 'acme')).toContain('FROM aiops.events FINAL');
    expect(alertsByIdSql(scope, [])).toContain("alert_id IN ('')");
  });

  it("sum a tenant application's series per window for an incident of group-level alerts (cost)", () => {
    const group = { tenant: 'acme', application: 'chat' };
    const windows = groupWindowsSql(scope, range, group);
    expect(windows).toContain("tenant_id = 'acme' AND application = 'chat'");
    expect(windows).not.toContain('model =');
    expect(windows).toContain('sum(cost_usd) AS usd');
    expect(windows).toContain('GROUP BY window_start');
    expect(windows).toContain('window_size_s = 60');
    expect(groupAlertsSql(scope, range, group)).toContain(
      'HAVING resolved_s IS NULL OR resolved_s >= 1765000000',
    );
    expect(() => groupWindowsSql(scope, range, { ...group, application: "x' OR '1'='1" })).toThrow(
      RangeError,
    );
  });
});
