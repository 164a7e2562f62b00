import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  clickhouseExecutor,
  createClickHouseClient,
  migrate,
  parseClickHouseConfig,
  type SqlExecutor,
  windowAggregateToRow,
} from '@aiops/clickhouse';
import { seriesKey, type TelemetryEvent, type WindowAggregate } from '@aiops/contract';
import { seededRandom } from '@aiops/core';
import { ProcessorDriver } from '@aiops/kafka';
import { telemetryEvent } from '@aiops/testkit';
import { Dashboard, ROLLUP_SETTLE_MS } from '@aiops/ui';
import { WindowOperator, type WindowOutput } from '@aiops/windowing';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseUrl, uniqueName } from '../setup/endpoints.js';

const MIGRATIONS = join(fileURLToPath(new URL('../../', import.meta.url)), 'schemas/clickhouse/migrations');
const HOUR = 3_600_000;
const DAYS = 3;

/**
 * The dashboard reads the settled whole hours of a long range from hourly windows (the aggregator writes
 * them beside the minute ones with WINDOW_SIZES_MS=60000,3600000) and the rest from minute windows. On the
 * real server, the overview, the series list and the weekly report give the same counts, errors, cost and
 * tokens either way, down to the last event.
 */
describe('dashboard: hourly rollup windows on the real server', () => {
  let client: ClickHouseClient;
  let sql: SqlExecutor;
  const database = uniqueName('aiops_rollup');
  const endMs = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
  const startMs = endMs - DAYS * 24 * HOUR;
  // Hourly windows are settled up to endMs + 20 min: the range's last hour reads minute windows.
  const nowMs = endMs + 20 * 60_000 + ROLLUP_SETTLE_MS;

  beforeAll(async () => {
    client = createClickHouseClient(parseClickHouseConfig({ url: clickhouseUrl(), database }));
    sql = clickhouseExecutor(client);
    await migrate(sql, { dir: MIGRATIONS, database });
    const windows = aggregate(startMs - 7 * 60_000, endMs + 90 * 60_000);
    await sql.insertRows(`${database}.window_aggregates`, windows.map(windowAggregateToRow));
  }, 120_000);

  afterAll(async () => {
    await sql?.command(`DROP DATABASE IF EXISTS ${database}`);
    await client?.close();
  });

  it('gives the same totals from hourly + minute windows as from minute windows alone', async () => {
    const fine = new Dashboard(sql, { database, windowSizeS: 60, rollupWindowSizeS: 0 }, () => nowMs);
    const rolled = new Dashboard(sql, { database, windowSizeS: 60, rollupWindowSizeS: 3600 }, () => nowMs);
    // From 17 minutes past an hour, so the range has a partial first hour too.
    const query = { range: 'custom' as const, from: startMs + 17 * 60_000, to: endMs + 60 * 60_000 };

    const [a, b] = await Promise.all([fine.overview(query), rolled.overview(query)]);
    expect(a.totals.events).toBeGreaterThan(10_000);
    for (const key of ['events', 'errors', 'input_tokens', 'output_tokens'] as const)
      expect(b.totals[key], key).toBe(a.totals[key]);
    expect(b.totals.cost_usd).toBeCloseTo(a.totals.cost_usd, 9);
    const labelled = (rows: readonly object[]) =>
      rows.map((g) => {
        const r = g as Record<string, unknown>;
        return [r.application, r.model, r.events, r.errors];
      });
    expect(labelled(b.groups)).toEqual(labelled(a.groups));
    // Quantiles over several windows are their count-weighted mean. With ~3 calls per minute window a
    // minute p95 is nearly each window's maximum; an hourly window holds ~180 calls, so the rollup's p95 is
    // close to the real one (durations uniform in 300..1800 ms: p95 = 1725 ms).
    for (const group of b.groups) {
      const p95 = (group as Record<string, unknown>).p95_ms as number;
      expect(Math.abs(p95 / 1725 - 1)).toBeLessThan(0.05);
    }
    expect(b.scores.map((s) => [s.evaluator, s.count])).toEqual(a.scores.map((s) => [s.evaluator, s.count]));
    // The timeline in whole hours sums to the same traffic.
    const sum = (rows: typeof a.timeline) => rows.reduce((n, r) => n + (r.events as number), 0);
    expect(sum(b.timeline)).toBe(sum(a.timeline));
    expect(new Set(b.timeline.map((r) => (r.t as number) % 3600))).toEqual(new Set([0]));

    const [listA, listB] = await Promise.all([fine.seriesList(query), rolled.seriesList(query)]);
    expect(listB.series).toEqual(listA.series);

    const [weekA, weekB] = await Promise.all([fine.week({ to: endMs }), rolled.week({ to: endMs })]);
    expect(weekB.applications.map((w) => [w.application, w.thisWeek?.events, w.thisWeek?.tokens])).toEqual(
      weekA.applications.map((w) => [w.application, w.thisWeek?.events, w.thisWeek?.tokens]),
    );
    expect(weekB.applications[0]?.thisWeek?.events ?? 0).toBeGreaterThan(10_000);
  });
});

/** Three series' events every 20 s (latency, errors, scores varying), through the aggregator's operator at both sizes. */
function aggregate(fromMs: number, toMs: number): WindowAggregate[] {
  const operator = new WindowOperator({ windowSizesMs: [60_000, HOUR] });
  let wall = 0;
  const driver = new ProcessorDriver<string, TelemetryEvent, string, WindowOutput>(operator, {
    now: () => wall,
  });
  const random = seededRandom(5);
  const models = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4'];
  let offset = 0;
  for (let t = fromMs; t < toMs; t += 20_000) {
    for (const model of models) {
      const failed = random() < 0.03;
      const event = telemetryEvent({
        event_id: `r-${offset}`,
        timestamp: t + Math.floor(random() * 1000),
        model,
        status: failed ? 'error' : 'ok',
        error_type: failed ? 'timeout' : null,
        duration_ms: 300 + Math.round(random() * 1500),
        input_tokens: 500 + Math.floor(random() * 500),
        cost_usd: Math.round(random() * 1e5) / 1e8,
        scores: random() < 0.3 ? { faithfulness: Math.round(random() * 100) / 100 } : {},
      });
      driver.process(seriesKey(event), event, event.timestamp, {
        topic: 'events',
        partition: 0,
        offset: offset++,
      });
    }
  }
  // End of input: the idle punctuation closes the last windows.
  wall = 10 * HOUR;
  driver.tick();
  const windows = (driver.drain().get('') ?? []).map((r) => r.value as WindowAggregate);
  driver.close();
  return windows;
}
