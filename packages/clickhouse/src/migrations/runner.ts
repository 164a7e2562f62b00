import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serverVersion } from '../client.js';
import { type SqlTarget, toExecutor } from '../executor.js';
import { assertIdentifier } from '../identifiers.js';
import { renderSql, type SqlVariables } from '../sql.js';
import { clusterStatements } from './cluster.js';
import {
  decide,
  isMigrationFileName,
  type Migration,
  orderMigrations,
  parseMigration,
  type RecordedMigration,
  type RecordedStatus,
} from './parse.js';

/** Values for placeholders other than `{{database}}`, used when the caller gives none. */
export const DEFAULT_MIGRATION_VARIABLES: Readonly<Record<string, string>> = { events_ttl_days: '30' };

export interface MigrateOptions {
  /** Folder of NNNN_name.sql files, e.g. schemas/clickhouse/migrations. */
  readonly dir: string;
  readonly database: string;
  /** Extra placeholder values (e.g. events_ttl_days); merged over DEFAULT_MIGRATION_VARIABLES. */
  readonly variables?: SqlVariables;
  /**
   * A cluster name (remote_servers, CLICKHOUSE_CLUSTER): every statement is rewritten by
   * clusterStatements (ON CLUSTER, Replicated*MergeTree storage tables, Distributed tables under the
   * original names). Left out, the migrations run as written (single node, chDB).
   */
  readonly cluster?: string;
  /** Wall clock for the recorded rows (tests pass their own). */
  readonly now?: () => number;
}

export type MigrationOutcome =
  | 'applied' // applied during this run
  | 'already-applied' // applied by an earlier run
  | 'skipped'; // not applicable on this server (version or guard); reconsidered next run

export interface MigrationReport {
  readonly version: number;
  readonly name: string;
  readonly outcome: MigrationOutcome;
  readonly reason?: string;
  /** True when an applied migration's file no longer matches the checksum recorded when it ran. */
  readonly changedSinceApplied?: boolean;
}

export interface MigrateResult {
  readonly database: string;
  readonly serverVersion: string;
  readonly migrations: readonly MigrationReport[];
}

/** A migration statement failed; names the file and statement so the fix is obvious. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly migration: string,
    readonly statementIndex: number,
    readonly sql: string,
    options: { cause: unknown },
  ) {
    super(
      `migration ${migration} failed at statement ${statementIndex + 1}: ${
        options.cause instanceof Error ? options.cause.message.trim() : String(options.cause)
      }`,
      options,
    );
  }
}

/** Reads and parses every NNNN_name.sql of `dir`, in order. Other files are ignored. */
export async function loadMigrations(dir: string): Promise<Migration[]> {
  const files = (await readdir(dir)).filter(isMigrationFileName);
  const migrations = await Promise.all(
    files.map(async (file) => {
      const text = await readFile(join(dir, file), 'utf8');
      return parseMigration(file, text, createHash('sha256').update(text).digest('hex'));
    }),
  );
  return orderMigrations(migrations);
}

function schemaMigrationsDdl(database: string): string {
  return `CREATE TABLE IF NOT EXISTS ${database}.schema_migrations
(
    version UInt32,
    name String,
    checksum String,
    status String,
    reason String,
    server_version String,
    recorded_at DateTime,
    recorded_at_ms UInt64
)
ENGINE = ReplacingMergeTree(recorded_at_ms)
ORDER BY version`;
}

async function readRecorded(target: SqlTarget, database: string): Promise<Map<number, RecordedMigration>> {
  const rows = await toExecutor(target).queryRows<{
    version: number | string;
    status: string;
    checksum: string;
    reason: string;
  }>(
    `SELECT version, argMax(status, recorded_at_ms) AS status, argMax(checksum, recorded_at_ms) AS checksum,
       argMax(reason, recorded_at_ms) AS reason
     FROM ${database}.schema_migrations GROUP BY version`,
  );
  const recorded = new Map<number, RecordedMigration>();
  for (const row of rows) {
    const status: RecordedStatus = row.status === 'applied' ? 'applied' : 'skipped';
    recorded.set(Number(row.version), {
      version: Number(row.version),
      status,
      checksum: row.checksum,
      reason: row.reason,
    });
  }
  return recorded;
}

function truthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value !== '' && value !== '0' && value.toLowerCase() !== 'false';
  return false;
}

/**
 * Applies, in order, every migration of `dir` not yet applied to `database`, and records each one in
 * `<database>.schema_migrations` (applied, or skipped with the reason). Idempotent: a second run applies
 * nothing. A migration whose `-- requires:` version is above the server's, or whose guard answers 0, is
 * recorded as skipped and reconsidered on the next run. Statements should be idempotent themselves
 * (IF NOT EXISTS, MODIFY): a migration that fails half-way is re-run from its first statement.
 * Not safe to run concurrently against one database: run it once (`aiops migrate`) before the services.
 */
export async function migrate(target: SqlTarget, options: MigrateOptions): Promise<MigrateResult> {
  const executor = toExecutor(target);
  const database = assertIdentifier(options.database, 'database name');
  const variables: SqlVariables = { ...DEFAULT_MIGRATION_VARIABLES, ...options.variables, database };
  const now = options.now ?? Date.now;
  const migrations = await loadMigrations(options.dir);
  const version = await serverVersion(executor);

  const onCluster =
    options.cluster === undefined
      ? null
      : { cluster: assertIdentifier(options.cluster, 'cluster name'), database };
  const bootstrap = [`CREATE DATABASE IF NOT EXISTS ${database}`, schemaMigrationsDdl(database)];
  for (const sql of onCluster === null ? bootstrap : clusterStatements(bootstrap, onCluster).statements) {
    await executor.command(sql);
  }
  // Every migration's statements in the form they run in: the cluster rewrite folds over all of them in
  // order (applied or not), so a later ALTER knows which tables an earlier CREATE made replicated.
  const rendered = new Map<number, string[]>();
  let replicated: ReadonlyMap<string, string> = new Map();
  for (const migration of migrations) {
    const statements = migration.statements.map((statement) => renderSql(statement, variables));
    if (onCluster === null) rendered.set(migration.version, statements);
    else {
      const cluster = clusterStatements(statements, onCluster, replicated);
      rendered.set(migration.version, cluster.statements);
      replicated = cluster.replicated;
    }
  }
  const recorded = await readRecorded(executor, database);

  const record = async (migration: Migration, status: RecordedStatus, reason: string): Promise<void> => {
    const at = now();
    await executor.insertRows(`${database}.schema_migrations`, [
      {
        version: migration.version,
        name: migration.name,
        checksum: migration.checksum,
        status,
        reason,
        server_version: version,
        recorded_at: Math.floor(at / 1000),
        recorded_at_ms: at,
      },
    ]);
  };

  const reports: MigrationReport[] = [];
  for (const migration of migrations) {
    const label = `${String(migration.version).padStart(4, '0')}_${migration.name}`;
    const previous = recorded.get(migration.version);
    let decision = decide(migration, previous, version);
    if (decision.action === 'done') {
      reports.push({
        version: migration.version,
        name: migration.name,
        outcome: 'already-applied',
        changedSinceApplied: previous !== undefined && previous.checksum !== migration.checksum,
      });
      continue;
    }
    if (decision.action === 'apply' && migration.guard !== null) {
      const guardSql = renderSql(migration.guard, variables);
      const rows = await executor.queryRows<Record<string, unknown>>(guardSql);
      const first = rows[0] === undefined ? undefined : Object.values(rows[0])[0];
      if (!truthy(first))
        decision = { action: 'skip', reason: `guard returned ${String(first)}: ${guardSql}` };
    }
    if (decision.action === 'skip') {
      if (previous?.status !== 'skipped' || previous.reason !== decision.reason) {
        await record(migration, 'skipped', decision.reason);
      }
      reports.push({
        version: migration.version,
        name: migration.name,
        outcome: 'skipped',
        reason: decision.reason,
      });
      continue;
    }
    const statements = rendered.get(migration.version) ?? [];
    for (const [index, sql] of statements.entries()) {
      try {
        await executor.command(sql);
      } catch (cause) {
        throw new MigrationError(label, index, sql, { cause });
      }
    }
    await record(migration, 'applied', '');
    reports.push({ version: migration.version, name: migration.name, outcome: 'applied' });
  }
  return { database, serverVersion: version, migrations: reports };
}
