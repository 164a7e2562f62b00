import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clusterStatements } from '../src/migrations/cluster.js';
import { DEFAULT_MIGRATION_VARIABLES, loadMigrations } from '../src/migrations/runner.js';
import { renderSql } from '../src/sql.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../../schemas/clickhouse/migrations', import.meta.url));
const target = { cluster: 'aiops', database: 'db' };
const squash = (sql: string) => sql.replace(/\s+/g, ' ').trim();

describe('clusterStatements', () => {
  it('turns a MergeTree table into a replicated storage table and a Distributed table by its sorting key', () => {
    const { statements, replicated } = clusterStatements(
      [
        'CREATE TABLE IF NOT EXISTS db.window_aggregates (a String, b UInt32, revision UInt32) ' +
          'ENGINE = ReplacingMergeTree(revision) PARTITION BY b ORDER BY (a, toStartOfHour(b))',
        'CREATE TABLE db.audit (at DateTime) ENGINE = MergeTree PARTITION BY toYYYYMM(at) ORDER BY at',
      ],
      target,
    );
    expect(statements.map(squash)).toEqual([
      'CREATE TABLE IF NOT EXISTS db.window_aggregates_local ON CLUSTER aiops (a String, b UInt32, revision UInt32) ' +
        "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/window_aggregates_local', '{replica}', revision) " +
        'PARTITION BY b ORDER BY (a, toStartOfHour(b))',
      'CREATE TABLE IF NOT EXISTS db.window_aggregates ON CLUSTER aiops AS db.window_aggregates_local ' +
        'ENGINE = Distributed(aiops, db, window_aggregates_local, cityHash64(a, toStartOfHour(b)))',
      "CREATE TABLE db.audit_local ON CLUSTER aiops (at DateTime) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/db/audit_local', '{replica}') " +
        'PARTITION BY toYYYYMM(at) ORDER BY at',
      'CREATE TABLE IF NOT EXISTS db.audit ON CLUSTER aiops AS db.audit_local ENGINE = Distributed(aiops, db, audit_local, cityHash64(at))',
    ]);
    expect([...replicated.keys()].sort()).toEqual(['db.audit', 'db.window_aggregates']);
  });

  it('sends ALTERs of a replicated table to its storage table and re-creates its Distributed table on column changes', () => {
    const distributed = (t: string) =>
      `CREATE TABLE IF NOT EXISTS db.${t} ON CLUSTER aiops AS db.${t}_local ENGINE = Distributed(aiops, db, ${t}_local, rand())`;
    const known = new Map([
      ['db.window_aggregates', distributed('window_aggregates')],
      ['db.events', distributed('events')],
    ]);
    const { statements } = clusterStatements(
      [
        'ALTER TABLE db.window_aggregates ADD COLUMN correction UInt64 AFTER revision, MODIFY ORDER BY (a, correction)',
        'ALTER TABLE db.events MODIFY COLUMN duration_ms Nullable(Float64) CODEC(Gorilla, ZSTD(1))',
        'ALTER TABLE db.events MODIFY TTL timestamp + INTERVAL 30 DAY',
        'ALTER TABLE db.other ADD COLUMN x UInt8',
      ],
      target,
      known,
    );
    expect(statements.map(squash)).toEqual([
      'ALTER TABLE db.window_aggregates_local ON CLUSTER aiops ADD COLUMN correction UInt64 AFTER revision, MODIFY ORDER BY (a, correction)',
      'ALTER TABLE db.events_local ON CLUSTER aiops MODIFY COLUMN duration_ms Nullable(Float64) CODEC(Gorilla, ZSTD(1))',
      'ALTER TABLE db.events_local ON CLUSTER aiops MODIFY TTL timestamp + INTERVAL 30 DAY',
      'ALTER TABLE db.other ON CLUSTER aiops ADD COLUMN x UInt8',
      'DROP TABLE IF EXISTS db.window_aggregates ON CLUSTER aiops',
      distributed('window_aggregates'),
      'DROP TABLE IF EXISTS db.events ON CLUSTER aiops',
      distributed('events'),
    ]);
  });

  it('puts the database, drops and other engines on the cluster; leaves roles, policies and inserts alone', () => {
    const { statements, replicated } = clusterStatements(
      [
        'CREATE DATABASE IF NOT EXISTS db',
        'CREATE TABLE db.buffer (a UInt8) ENGINE = Memory',
        "CREATE TABLE db.r (a UInt8) ENGINE = ReplicatedMergeTree('/p', '{replica}') ORDER BY a",
        'DROP TABLE IF EXISTS db.events',
        'CREATE ROLE IF NOT EXISTS db_analyst',
        "INSERT INTO db.events (event_id) VALUES ('x')",
      ],
      target,
      new Map([['db.events', 'CREATE TABLE IF NOT EXISTS db.events ON CLUSTER aiops AS db.events_local']]),
    );
    expect(statements.map(squash)).toEqual([
      'CREATE DATABASE IF NOT EXISTS db ON CLUSTER aiops',
      'CREATE TABLE db.buffer ON CLUSTER aiops (a UInt8) ENGINE = Memory',
      "CREATE TABLE db.r ON CLUSTER aiops (a UInt8) ENGINE = ReplicatedMergeTree('/p', '{replica}') ORDER BY a",
      'DROP TABLE IF EXISTS db.events ON CLUSTER aiops',
      'DROP TABLE IF EXISTS db.events_local ON CLUSTER aiops',
      'CREATE ROLE IF NOT EXISTS db_analyst',
      "INSERT INTO db.events (event_id) VALUES ('x')",
    ]);
    expect(replicated.size).toBe(0);
  });

  it('rewrites every migration of the repository: each MergeTree table replicated and distributed', async () => {
    const migrations = await loadMigrations(MIGRATIONS_DIR);
    let known: ReadonlyMap<string, string> = new Map();
    const all: string[] = [];
    for (const migration of migrations) {
      const rendered = migration.statements.map((s) =>
        renderSql(s, { ...DEFAULT_MIGRATION_VARIABLES, database: 'db' }),
      );
      const out = clusterStatements(rendered, target, known);
      known = out.replicated;
      all.push(...out.statements);
    }
    expect([...known.keys()].sort()).toEqual([
      'db.alerts',
      'db.audit_log',
      'db.events',
      'db.incidents',
      'db.notifications',
      'db.prompt_version_aggregates',
      'db.review_items',
      'db.traces',
      'db.window_aggregates',
      'db.window_late_corrections',
    ]);
    const creates = all.filter((s) => /^\s*CREATE TABLE/i.test(s));
    expect(
      creates.filter((s) => /ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}\//.test(s)),
    ).toHaveLength(10);
    const distributed = creates.filter((s) =>
      /ENGINE = Distributed\(aiops, db, \w+_local, cityHash64\(/.test(s),
    );
    expect(new Set(distributed).size).toBe(10);
    expect(
      all.filter((s) => /^\s*(CREATE|ALTER) TABLE/i.test(s)).every((s) => s.includes('ON CLUSTER aiops')),
    ).toBe(true);
    expect(
      all.some((s) =>
        /^\s*ALTER TABLE db\.events_local ON CLUSTER aiops ADD COLUMN cache_creation_input_tokens/.test(s),
      ),
    ).toBe(true);
  });
});
