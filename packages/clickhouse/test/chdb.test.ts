import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Incident } from '@aiops/incidents';
import { windowAggregate } from '@aiops/testkit';
import { overviewByAppModelSql } from '@aiops/ui';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlExecutor } from '../src/client.js';
import { auditEntryToRow, incidentToRow, notificationToRow } from '../src/incident-rows.js';
import { migrate } from '../src/migrations/runner.js';
import { loadAnalystQueries, runAnalystQuery } from '../src/queries.js';
import { windowAggregateToRow } from '../src/rows.js';
import { ClickHouseSink } from '../src/sink.js';
import {
  checkAnalystResults,
  EXPECTED_ANALYST_RESULTS,
  EXPECTED_LATE_CORRECTIONS,
  knownDataset,
  lateCorrectionsReadBack,
} from './fixtures.js';

/**
 * The same migrations and analyst queries on embedded chDB (a current ClickHouse engine, 26.x), through
 * the real runner and sink: proves the DDL and SQL work on new servers too, including the version-gated
 * migrations that 18.16 skips.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const MIGRATIONS = join(root, 'schemas/clickhouse/migrations');
const QUERIES = join(root, 'schemas/clickhouse/queries');

function chdbExecutor(session: Session): SqlExecutor {
  return {
    async command(sql) {
      session.query(sql, 'TSV');
    },
    async queryRows<T>(sql: string) {
      const text = session.query(sql, 'JSONEachRow');
      return text
        .split('\n')
        .filter((line) => line.trim().length > 0)
        .map((line) => JSON.parse(line) as T);
    },
    async insertRows(table, rows) {
      if (rows.length === 0) return;
      session.query(
        `INSERT INTO ${table} FORMAT JSONEachRow\n${rows.map((row) => JSON.stringify(row)).join('\n')}`,
      );
    },
  };
}

let dir: string;
let session: Session;
let executor: SqlExecutor;
const database = 'aiops_chdb';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aiops-chdb-'));
  session = new Session(dir);
  executor = chdbExecutor(session);
});

afterAll(() => {
  session.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('migrations on chDB', () => {
  it('applies every migration, the version-gated ones included, and records them', async () => {
    const version = (await executor.queryRows<{ v: string }>('SELECT version() AS v'))[0]!.v;
    const result = await migrate(executor, { dir: MIGRATIONS, database, variables: { events_ttl_days: 45 } });
    expect(result.serverVersion).toBe(version);
    const byName = Object.fromEntries(result.migrations.map((m) => [m.name, m]));
    for (const name of [
      'database',
      'events',
      'window_aggregates',
      'alerts',
      'lowcardinality',
      'codecs',
      'events_ttl',
      'incidents',
      'notifications',
      'audit_log',
      'events_tool_call_arguments_hash',
      'traces',
      'prompt_version_aggregates',
      'review_items',
      'window_late_corrections',
    ]) {
      expect(byName[name]?.outcome, name).toBe('applied');
    }
    // chDB has no SQL-managed access storage (only users.xml): the guard skips the role, with its reason.
    expect(byName.analyst_role).toMatchObject({ outcome: 'skipped' });
    expect(byName.row_policies).toMatchObject({ outcome: 'skipped' });
    expect(byName.window_late_corrections_policies).toMatchObject({ outcome: 'skipped' });
    expect(byName.analyst_role?.reason).toMatch(/guard returned/);

    const columns = await executor.queryRows<{ name: string; type: string }>(
      `SELECT name, type FROM system.columns WHERE database = '${database}' AND table = 'events'`,
    );
    const types = Object.fromEntries(columns.map((c) => [c.name, c.type]));
    expect(types.provider).toBe('LowCardinality(String)');
    expect(types.response_model).toBe('LowCardinality(Nullable(String))');
    expect(types['scores.name']).toBe('Array(String)');
    expect(types.cache_creation_input_tokens).toBe('Nullable(UInt64)');
    expect(types.tool_call_arguments_hash).toBe('Nullable(String)');
    const ddl = (
      await executor.queryRows<{ s: string }>(
        `SELECT create_table_query AS s FROM system.tables WHERE database = '${database}' AND name = 'events'`,
      )
    )[0]!.s;
    expect(ddl).toContain('TTL timestamp + toIntervalDay(45)');
    expect(ddl).toContain('CODEC(Delta(8), ZSTD(1))');
  });

  it('is idempotent: a second run applies nothing and keeps the records', async () => {
    const again = await migrate(executor, { dir: MIGRATIONS, database });
    expect(again.migrations.filter((m) => m.outcome === 'applied')).toEqual([]);
    expect(again.migrations.filter((m) => m.outcome === 'already-applied')).toHaveLength(16);
    const recorded = await executor.queryRows<{ version: number; status: string }>(
      `SELECT version, argMax(status, recorded_at_ms) AS status FROM ${database}.schema_migrations GROUP BY version ORDER BY version`,
    );
    expect(recorded.map((r) => r.status)).toEqual([
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'skipped',
      'skipped',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'skipped',
    ]);
  });

  it('stores incidents (latest version wins), notifications and audit entries through their row mappings', async () => {
    const incident: Incident = {
      incident_id: 'inc-1',
      group_key: '{}:{provider="anthropic",tenant_id="acme"}',
      route_receiver: 'oncall',
      status: 'firing',
      severity: 'critical',
      title: 'anthropic looks down for acme',
      summary: 'anthropic looks down for acme: 4 series',
      group_labels: { tenant_id: 'acme', provider: 'anthropic' },
      common_labels: { tenant_id: 'acme', provider: 'anthropic', detector: 'outage' },
      member_alert_ids: ['a1', 'a2'],
      firing_alert_ids: ['a1', 'a2'],
      opened_at: Date.UTC(2026, 11, 6, 3, 0, 0),
      updated_at: Date.UTC(2026, 11, 6, 3, 0, 30),
      acknowledged_at: null,
      acknowledged_by: null,
      owner: null,
      resolved_at: null,
      silenced_by: [],
    };
    const acked = {
      ...incident,
      acknowledged_at: incident.updated_at + 60_000,
      acknowledged_by: 'dana',
      owner: 'dana',
    };
    await executor.insertRows(`${database}.incidents`, [incidentToRow(incident, 1), incidentToRow(acked, 2)]);
    const sent = {
      notification_id: 'n-1',
      incident_id: 'inc-1',
      receiver: 'oncall',
      kind: 'opened',
      status: 'firing',
    };
    await executor.insertRows(`${database}.notifications`, [
      notificationToRow({
        ...sent,
        outcome: 'delivered',
        attempts: 2,
        error: 'http_500',
        notified_at: incident.updated_at,
        sent_at: incident.updated_at + 900,
      }),
    ]);
    await executor.insertRows(`${database}.audit_log`, [
      auditEntryToRow({
        audit_id: 'x1',
        at: acked.acknowledged_at,
        actor: 'dana',
        action: 'incident.ack',
        target: 'inc-1',
        before: { owner: null },
        after: { owner: 'dana' },
        comment: 'looking',
      }),
    ]);
    const rows = await executor.queryRows<Record<string, unknown>>(
      `SELECT owner, acknowledged_by, group_labels.name AS names, member_alert_ids FROM ${database}.incidents FINAL`,
    );
    expect(rows).toEqual([
      {
        owner: 'dana',
        acknowledged_by: 'dana',
        names: ['provider', 'tenant_id'],
        member_alert_ids: ['a1', 'a2'],
      },
    ]);
    const notifications = await executor.queryRows<Record<string, unknown>>(
      `SELECT receiver, outcome, attempts, error FROM ${database}.notifications FINAL`,
    );
    expect(notifications).toEqual([
      { receiver: 'oncall', outcome: 'delivered', attempts: 2, error: 'http_500' },
    ]);
    const audit = await executor.queryRows<Record<string, unknown>>(
      `SELECT actor, action, before, after FROM ${database}.audit_log`,
    );
    expect(audit).toEqual([
      { actor: 'dana', action: 'incident.ack', before: '{"owner":null}', after: '{"owner":"dana"}' },
    ]);
    expect(() =>
      auditEntryToRow({
        audit_id: 'x2',
        at: 0,
        actor: ' ',
        action: 'silence.add',
        target: 's',
        before: null,
        after: null,
        comment: '',
      }),
    ).toThrow('has no actor');
  });
});

describe('analyst queries on chDB', () => {
  beforeAll(async () => {
    for (const insert of knownDataset().inserts) {
      const sink = new ClickHouseSink<Record<string, unknown>>({
        executor,
        database,
        table: insert.table,
        toRow: (r) => r,
      });
      // close() sends the partial batch at once instead of after maxBatchDelayMs.
      const written = sink.write(insert.rows);
      await sink.close();
      await written;
    }
  });

  it('collapses replayed events, superseded window revisions and repeated alerts with FINAL', async () => {
    const count = async (sql: string) => Number((await executor.queryRows<{ c: string }>(sql))[0]!.c);
    expect(await count(`SELECT count() AS c FROM ${database}.events FINAL`)).toBe(4);
    expect(await count(`SELECT count() AS c FROM ${database}.events`)).toBeGreaterThanOrEqual(4);
    expect(await count(`SELECT count() AS c FROM ${database}.window_aggregates FINAL`)).toBe(3);
    expect(await count(`SELECT count() AS c FROM ${database}.alerts FINAL`)).toBe(3);
    const latest = await executor.queryRows<{ revision: unknown; events: unknown }>(
      `SELECT revision, events FROM ${database}.window_aggregates FINAL WHERE provider = 'openai' AND window_size_s = 60`,
    );
    // 64-bit integers come back as strings or numbers depending on the engine's JSON settings.
    expect(latest.map((r) => [Number(r.revision), Number(r.events)])).toEqual([[1, 3]]);
  });

  it('round-trips maps as Nested columns and the sketch as base64', async () => {
    const rows = await executor.queryRows<Record<string, unknown>>(
      `SELECT scores.name, scores.value, attributes.key, attributes.value, guardrail_flags, toUInt16(timestamp_ms % 1000) AS ms
       FROM ${database}.events FINAL WHERE event_id = 'e1'`,
    );
    expect(rows).toEqual([
      {
        'scores.name': ['relevance', 'toxicity'],
        'scores.value': [0.8, 0.1],
        'attributes.key': ['region', 'user.tier'],
        'attributes.value': ['eu', 'pro'],
        guardrail_flags: ['pii'],
        ms: 123,
      },
    ]);
    const windows = await executor.queryRows<{ sketch: string; h: number[][] }>(
      `SELECT latency_sketch AS sketch, quality.histogram AS h FROM ${database}.window_aggregates WHERE revision = 0 AND provider = 'openai' AND window_size_s = 60`,
    );
    expect(Buffer.from(windows[0]!.sketch, 'base64')).toEqual(Buffer.from([1, 2, 3, 250]));
    expect(windows[0]!.h.map((h) => h.map(Number))).toEqual([[0, 0, 0, 0, 0, 0, 1, 0, 1, 0]]);
  });

  it('runs every analyst query with the expected results', async () => {
    const queries = await loadAnalystQueries(QUERIES);
    expect(queries.map((q) => q.name).sort()).toEqual([
      'cost_by_tenant_app_day',
      'error_rate_by_provider',
      'p95_latency_by_model_hour',
      'quality_trend_by_prompt_version',
      'top_alerts',
    ]);
    const results: Record<string, Record<string, unknown>[]> = {};
    for (const query of queries) {
      expect(query.description.length).toBeGreaterThan(20);
      results[query.name] = await runAnalystQuery(executor, query, database);
    }
    expect(checkAnalystResults(results)).toEqual(EXPECTED_ANALYST_RESULTS);
  });
});

describe('dashboard SQL on chDB', () => {
  it('reads hourly windows for settled hours with a PREWHERE under FINAL, revisions collapsed, totals unchanged', async () => {
    const HOUR = 3_600_000;
    const start = Date.UTC(2026, 10, 2);
    const rows: Record<string, unknown>[] = [];
    for (let h = 0; h < 72; h++) {
      const hourStart = start + h * HOUR;
      for (let m = 0; m < 60; m++)
        rows.push(
          windowAggregateToRow(
            windowAggregate({
              application: 'rollup-app',
              window_start: hourStart + m * 60_000,
              events: 2,
              errors: m % 30 === 0 ? 1 : 0,
            }),
          ),
        );
      const hourly = { application: 'rollup-app', window_start: hourStart, window_end: hourStart + HOUR };
      // A superseded revision first: FINAL must keep the later one although the filter runs before the merge.
      rows.push(windowAggregateToRow(windowAggregate({ ...hourly, events: 1 })));
      rows.push(windowAggregateToRow(windowAggregate({ ...hourly, revision: 1, events: 120, errors: 2 })));
    }
    await executor.insertRows(`${database}.window_aggregates`, rows);
    const range = { fromMs: start + 17 * 60_000, toMs: start + 72 * HOUR };
    const scope = { database, windowSizeS: 60 };
    const rollup = { ...scope, rollup: { sizeS: 3600, settledBeforeMs: start + 70 * HOUR } };
    const totals = async (sql: string) =>
      (await executor.queryRows<Record<string, unknown>>(sql))
        .filter((r) => r.application === 'rollup-app')
        .map((r) => [Number(r.events), Number(r.errors)]);
    const fine = await totals(overviewByAppModelSql(scope, range));
    expect(fine).toEqual([[72 * 120 - 17 * 2, 72 * 2 - 1]]);
    expect(await totals(overviewByAppModelSql(rollup, range))).toEqual(fine);
  });
});

describe('late corrections on chDB', () => {
  it("keeps a window's latest revision and each late correction once, replays included, for sums", async () => {
    const read = await lateCorrectionsReadBack(
      (table, rows) => executor.insertRows(table, rows),
      (sql) => executor.queryRows<Record<string, unknown>>(sql),
      database,
    );
    expect(read).toEqual(EXPECTED_LATE_CORRECTIONS);
  });
});
