import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decide, type Migration, orderMigrations, parseMigration } from '../src/migrations/parse.js';
import { DEFAULT_MIGRATION_VARIABLES, loadMigrations } from '../src/migrations/runner.js';
import { placeholders, renderSql } from '../src/sql.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../../schemas/clickhouse/migrations', import.meta.url));

describe('parseMigration', () => {
  it('reads number, name, statements and no directives', () => {
    const migration = parseMigration(
      '0002_events.sql',
      '-- a comment\nCREATE TABLE IF NOT EXISTS {{database}}.events (a UInt8) ENGINE = Memory;\n',
      'abc',
    );
    expect(migration).toMatchObject({
      version: 2,
      name: 'events',
      requires: null,
      guard: null,
      checksum: 'abc',
    });
    expect(migration.statements).toEqual([
      'CREATE TABLE IF NOT EXISTS {{database}}.events (a UInt8) ENGINE = Memory',
    ]);
  });

  it('reads the requires and guard directives of the leading comment block', () => {
    const text = [
      '-- requires: 20.5',
      '-- guard: SELECT count() > 0 FROM system.user_directories',
      '-- what it does',
      'CREATE ROLE IF NOT EXISTS {{database}}_analyst;',
      '-- requires: 99.0 (not a directive: after the first statement)',
      'GRANT SELECT ON {{database}}.* TO {{database}}_analyst;',
    ].join('\n');
    const migration = parseMigration('0008_analyst_role.sql', text, 'x');
    expect(migration.requires).toBe('20.5');
    expect(migration.guard).toBe('SELECT count() > 0 FROM system.user_directories');
    expect(migration.statements).toHaveLength(2);
  });

  it('refuses bad file names, repeated directives, bad versions and empty files', () => {
    expect(() => parseMigration('events.sql', 'SELECT 1', 'x')).toThrow(/0001_name/);
    expect(() => parseMigration('1_events.sql', 'SELECT 1', 'x')).toThrow(/0001_name/);
    expect(() => parseMigration('0001_a.sql', '-- requires: 20.1\n-- requires: 21.1\nSELECT 1', 'x')).toThrow(
      /twice/,
    );
    expect(() => parseMigration('0001_a.sql', '-- requires: soon\nSELECT 1', 'x')).toThrow(/version/);
    expect(() => parseMigration('0001_a.sql', '-- nothing here\n', 'x')).toThrow(/no SQL/);
  });

  it('orders by number and refuses duplicates', () => {
    const make = (file: string) => parseMigration(file, 'SELECT 1', file);
    expect(
      orderMigrations([make('0003_c.sql'), make('0001_a.sql'), make('0002_b.sql')]).map((m) => m.version),
    ).toEqual([1, 2, 3]);
    expect(() => orderMigrations([make('0001_a.sql'), make('0001_b.sql')])).toThrow(/share number 1/);
  });
});

describe('decide', () => {
  const gated: Migration = parseMigration(
    '0007_ttl.sql',
    '-- requires: 20.1\nALTER TABLE x MODIFY TTL d',
    'sum',
  );
  const plain: Migration = parseMigration('0002_t.sql', 'CREATE TABLE x', 'sum');

  it('applies a new migration on a new enough server', () => {
    expect(decide(plain, undefined, '18.16.1')).toEqual({ action: 'apply' });
    expect(decide(gated, undefined, '20.1.2')).toEqual({ action: 'apply' });
  });

  it('skips a gated migration on an older server, with the reason', () => {
    expect(decide(gated, undefined, '18.16.1')).toEqual({
      action: 'skip',
      reason: 'requires server 20.1, server is 18.16.1',
    });
  });

  it('reconsiders a skipped migration once the server is upgraded', () => {
    const skipped = { version: 7, status: 'skipped' as const, checksum: 'sum', reason: 'old' };
    expect(decide(gated, skipped, '18.16.1').action).toBe('skip');
    expect(decide(gated, skipped, '24.3').action).toBe('apply');
  });

  it('never re-runs an applied migration', () => {
    const applied = { version: 7, status: 'applied' as const, checksum: 'other', reason: '' };
    expect(decide(gated, applied, '24.3')).toEqual({ action: 'done' });
  });
});

describe('the shipped migrations', () => {
  it('parse, are numbered in increasing order from 1, and render with the default variables', async () => {
    const migrations = await loadMigrations(MIGRATIONS_DIR);
    expect(migrations.length).toBeGreaterThanOrEqual(8);
    // Features reserve ranges of numbers (0030.. for the OTLP receiver's), so gaps are allowed; order is not.
    const versions = migrations.map((m) => m.version);
    expect(versions[0]).toBe(1);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    const variables = { ...DEFAULT_MIGRATION_VARIABLES, database: 'aiops_test' };
    for (const migration of migrations) {
      for (const statement of migration.statements) {
        const rendered = renderSql(statement, variables);
        expect(placeholders(rendered)).toEqual([]);
        expect(rendered).not.toContain('{{');
      }
    }
  });

  it('gate what ClickHouse 18.16 refuses (LowCardinality, codecs, TTL, roles) and nothing else', async () => {
    const migrations = await loadMigrations(MIGRATIONS_DIR);
    for (const migration of migrations) {
      const text = migration.statements.join('\n');
      const needsNewServer = /LowCardinality|CODEC\(|\bTTL\b|CREATE ROLE|ROW POLICY|DateTime64/.test(text);
      expect(migration.requires !== null, `${migration.file}: requires directive`).toBe(needsNewServer);
    }
  });

  it('have stable checksums', async () => {
    const first = await loadMigrations(MIGRATIONS_DIR);
    const second = await loadMigrations(MIGRATIONS_DIR);
    expect(first.map((m) => m.checksum)).toEqual(second.map((m) => m.checksum));
    expect(new Set(first.map((m) => m.checksum)).size).toBe(first.length);
  });
});
