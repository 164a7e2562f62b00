import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ClickHouseConfig,
  ClickHouseSink,
  clickhouseExecutor,
  createClickHouseClient,
  eventToRow,
  loadAnalystQueries,
  migrate,
  parseClickHouseConfig,
  runAnalystQuery,
  type SqlExecutor,
  serverVersion,
} from '@aiops/clickhouse';
import { RetryableError, UnrecoverableError } from '@aiops/core';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAnalystResults,
  EXPECTED_ANALYST_RESULTS,
  EXPECTED_LATE_CORRECTIONS,
  event,
  knownDataset,
  lateCorrectionsReadBack,
} from '../../packages/clickhouse/test/fixtures.js';
import { clickhouseUrl, uniqueName } from '../setup/endpoints.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const MIGRATIONS = join(root, 'schemas/clickhouse/migrations');
const QUERIES = join(root, 'schemas/clickhouse/queries');

let config: ClickHouseConfig;
let client: ClickHouseClient;
let executor: SqlExecutor;
let database: string;

beforeAll(() => {
  database = uniqueName('aiops_it');
  config = parseClickHouseConfig({ url: clickhouseUrl(), database });
  client = createClickHouseClient(config);
  executor = clickhouseExecutor(client);
});

afterAll(async () => {
  await executor.command(`DROP DATABASE IF EXISTS ${database}`);
  await client.close();
});

const count = async (sql: string): Promise<number> =>
  Number((await executor.queryRows<{ c: unknown }>(sql))[0]!.c);

describe('migrations on the real server', () => {
  it('applies the migrations the server supports and records the rest as skipped', async () => {
    const version = await serverVersion(client);
    const result = await migrate(executor, { dir: MIGRATIONS, database });
    expect(result.serverVersion).toBe(version);
    const outcomes = Object.fromEntries(result.migrations.map((m) => [m.name, m.outcome]));
    for (const name of [
      'database',
      'events',
      'window_aggregates',
      'alerts',
      'incidents',
      'notifications',
      'audit_log',
      'events_tool_call_arguments_hash',
      'traces',
      'prompt_version_aggregates',
      'review_items',
      'window_late_corrections',
    ])
      expect(outcomes[name]).toBe('applied');
    const tables = await executor.queryRows<{ name: string }>(
      `SELECT name FROM system.tables WHERE database = '${database}' ORDER BY name`,
    );
    expect(tables.map((t) => t.name)).toEqual([
      'alerts',
      'audit_log',
      'events',
      'incidents',
      'notifications',
      'prompt_version_aggregates',
      'review_items',
      'schema_migrations',
      'traces',
      'window_aggregates',
      'window_late_corrections',
    ]);
    if (version.startsWith('18.')) {
      // The Debian server: LowCardinality, codecs, TTL and roles wait for an upgrade.
      for (const name of [
        'lowcardinality',
        'codecs',
        'events_ttl',
        'analyst_role',
        'window_late_corrections_policies',
      ])
        expect(outcomes[name]).toBe('skipped');
      expect(result.migrations.find((m) => m.name === 'codecs')?.reason).toBe(
        `requires server 20.1, server is ${version}`,
      );
    }
  });

  it('is idempotent: a second run applies nothing and records nothing new', async () => {
    const rowsBefore = await count(`SELECT count() AS c FROM ${database}.schema_migrations`);
    const again = await migrate(executor, { dir: MIGRATIONS, database });
    expect(again.migrations.filter((m) => m.outcome === 'applied')).toEqual([]);
    expect(again.migrations.filter((m) => m.outcome === 'already-applied').length).toBeGreaterThanOrEqual(4);
    expect(await count(`SELECT count() AS c FROM ${database}.schema_migrations`)).toBe(rowsBefore);
    const recorded = await executor.queryRows<{ name: string; status: string; server_version: string }>(
      `SELECT name, argMax(status, recorded_at_ms) AS status, argMax(server_version, recorded_at_ms) AS server_version
       FROM ${database}.schema_migrations GROUP BY name ORDER BY name`,
    );
    expect(recorded.find((r) => r.name === 'events')).toMatchObject({ status: 'applied' });
    expect(recorded).toHaveLength(again.migrations.length);
  });
});

describe('ClickHouseSink against the real server', () => {
  it('acknowledges a write only once the rows are selectable', async () => {
    const sink = new ClickHouseSink({
      executor,
      database,
      table: 'events',
      toRow: (n: number) =>
        eventToRow(event({ event_id: `sink-${n}`, timestamp: Date.now() - n }), Date.now()),
      settings: { maxBatchRows: 500, maxBatchDelayMs: 50 },
    });
    await sink.write(Array.from({ length: 1200 }, (_, i) => i));
    expect(await count(`SELECT count() AS c FROM ${database}.events WHERE event_id LIKE 'sink-%'`)).toBe(
      1200,
    );
    expect(sink.stats()).toMatchObject({
      insertedRows: 1200,
      insertedBatches: 3,
      retries: 0,
      pendingRows: 0,
    });
    await sink.close();
    await executor.command(`ALTER TABLE ${database}.events DELETE WHERE event_id LIKE 'sink-%'`);
  });

  it('rejects a batch the server refuses for its data with UnrecoverableError, without retrying', async () => {
    let retries = 0;
    const sink = new ClickHouseSink({
      executor,
      database,
      table: 'window_aggregates',
      toRow: (row: Record<string, unknown>) => row,
      settings: { maxBatchDelayMs: 0 },
      listener: { onRetry: () => (retries += 1) },
    });
    const write = sink.write([{ window_start: 'not a time', revision: 'x' }]);
    await expect(write).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(write).rejects.toThrow(/Code: \d+/);
    expect(retries).toBe(0);
    await sink.close();
  });

  it('retries an unreachable server and gives up with RetryableError', async () => {
    const away = createClickHouseClient(
      parseClickHouseConfig({ url: 'http://127.0.0.1:9', requestTimeoutMs: 1000 }),
    );
    const delays: number[] = [];
    const sink = new ClickHouseSink({
      executor: clickhouseExecutor(away),
      database,
      table: 'events',
      toRow: (row: Record<string, unknown>) => row,
      settings: { maxAttempts: 3, baseRetryDelayMs: 10, maxBatchDelayMs: 0 },
      listener: { onRetry: (info) => delays.push(info.delayMs) },
    });
    await expect(sink.write([{ event_id: 'x' }])).rejects.toBeInstanceOf(RetryableError);
    expect(delays).toHaveLength(2);
    await sink.close();
    await away.close();
  });
});

describe('the analyst pack on the real server', () => {
  beforeAll(async () => {
    for (const insert of knownDataset().inserts) {
      const sink = new ClickHouseSink({
        executor,
        database,
        table: insert.table,
        toRow: (r: Record<string, unknown>) => r,
      });
      // close() sends the partial batch at once instead of after maxBatchDelayMs.
      const written = sink.write(insert.rows);
      await sink.close();
      await written;
    }
  });

  it('collapses duplicates with FINAL: replayed events, old window revisions, repeated alerts', async () => {
    expect(await count(`SELECT count() AS c FROM ${database}.events FINAL`)).toBe(4);
    expect(await count(`SELECT count() AS c FROM ${database}.window_aggregates FINAL`)).toBe(3);
    expect(await count(`SELECT count() AS c FROM ${database}.alerts FINAL`)).toBe(3);
    const revision = await executor.queryRows<{ revision: unknown; events: unknown }>(
      `SELECT revision, events FROM ${database}.window_aggregates FINAL WHERE provider = 'openai' AND window_size_s = 60`,
    );
    expect(revision.map((r) => [Number(r.revision), Number(r.events)])).toEqual([[1, 3]]);
    // After a merge the duplicates are gone for good.
    await executor.command(`OPTIMIZE TABLE ${database}.events FINAL`);
    expect(await count(`SELECT count() AS c FROM ${database}.events`)).toBe(4);
  });

  it('runs every analyst query with the expected results', async () => {
    const results: Record<string, Record<string, unknown>[]> = {};
    for (const query of await loadAnalystQueries(QUERIES)) {
      results[query.name] = await runAnalystQuery(executor, query, database);
    }
    expect(Object.keys(results)).toHaveLength(5);
    expect(checkAnalystResults(results)).toEqual(EXPECTED_ANALYST_RESULTS);
  });

  it('lets the read-only analyst user read and nothing else (infra/clickhouse/users.xml)', async (context) => {
    const analyst = createClickHouseClient(
      parseClickHouseConfig({ url: clickhouseUrl(), username: 'analyst' }),
    );
    try {
      const rows = await clickhouseExecutor(analyst)
        .queryRows<{ c: unknown }>(`SELECT count() AS c FROM ${database}.events FINAL`)
        .catch((error: Error) => {
          // Only the local stack's users.xml defines `analyst`; other servers have their own users.
          if (/Code: (192|516)\b/.test(error.message)) context.skip();
          throw error;
        });
      expect(Number(rows[0]!.c)).toBe(4);
      await expect(clickhouseExecutor(analyst).command(`DROP TABLE ${database}.events`)).rejects.toThrow(
        /readonly/i,
      );
      await expect(
        clickhouseExecutor(analyst).insertRows(`${database}.alerts`, [{ alert_id: 'x', status: 'firing' }]),
      ).rejects.toThrow(/readonly/i);
    } finally {
      await analyst.close();
    }
  });
});

describe('late corrections on the real server', () => {
  it("keeps a window's latest revision and each late correction once, replays included, for sums", async () => {
    const read = await lateCorrectionsReadBack(
      (table, rows) => executor.insertRows(table, rows),
      (sql) => executor.queryRows<Record<string, unknown>>(sql),
      database,
    );
    expect(read).toEqual(EXPECTED_LATE_CORRECTIONS);
  });
});
