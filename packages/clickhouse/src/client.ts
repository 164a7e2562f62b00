import { readFileSync } from 'node:fs';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { type ClickHouseConfig, resolveClickHousePassword } from './config.js';

/**
 * The few operations the migration runner, the sink and the analyst queries need. `@clickhouse/client`
 * implements it through `clickhouseExecutor`; tests also run it on embedded chDB.
 */
export interface SqlExecutor {
  /** Runs a statement that returns no rows (DDL, ALTER, GRANT). */
  command(sql: string): Promise<void>;
  /** Runs a query and returns its rows as objects (JSONEachRow: 64-bit integers come back as strings). */
  queryRows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Inserts rows into `db.table` as JSONEachRow; resolves once the server acknowledged the insert. */
  insertRows(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
}

function readCaFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(
      `cannot read ClickHouse CA file ${file} (CLICKHOUSE_CA_FILE): ${(error as Error).message}`,
    );
  }
}

/**
 * A client that works from the Debian 18.16 server up to current releases: no session, no default
 * ClickHouse settings (old servers refuse unknown ones), no request compression, and the client's own
 * console logging off (errors reach the caller as exceptions).
 */
export function createClickHouseClient(config: ClickHouseConfig): ClickHouseClient {
  const tls = config.tlsCaFile === undefined ? undefined : { ca_cert: readCaFile(config.tlsCaFile) };
  return createClient({
    url: config.url,
    username: config.username,
    password: resolveClickHousePassword(config),
    request_timeout: config.requestTimeoutMs,
    max_open_connections: config.maxOpenConnections,
    application: config.application,
    compression: { request: false, response: false },
    log: { level: ClickHouseLogLevel.OFF },
    ...(tls === undefined ? {} : { tls }),
  });
}

export function clickhouseExecutor(client: ClickHouseClient): SqlExecutor {
  return {
    async command(sql) {
      await client.command({ query: sql });
    },
    async queryRows<T>(sql: string) {
      const result = await client.query({ query: sql, format: 'JSONEachRow' });
      return (await result.json()) as T[];
    },
    async insertRows(table, rows) {
      if (rows.length === 0) return;
      await client.insert({ table, values: rows as Record<string, unknown>[], format: 'JSONEachRow' });
    },
  };
}

/** `SELECT version()`, e.g. "18.16.1" or "25.8.2.29". */
export async function serverVersion(target: ClickHouseClient | SqlExecutor): Promise<string> {
  const executor = 'insertRows' in target ? target : clickhouseExecutor(target);
  const rows = await executor.queryRows<{ version: string }>('SELECT version() AS version');
  const version = rows[0]?.version;
  if (typeof version !== 'string') throw new Error('SELECT version() returned no row');
  return version;
}
