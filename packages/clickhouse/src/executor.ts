import type { ClickHouseClient } from '@clickhouse/client';
import { clickhouseExecutor, type SqlExecutor } from './client.js';

/** Accepts either a `@clickhouse/client` client or any SqlExecutor (e.g. one over embedded chDB). */
export type SqlTarget = ClickHouseClient | SqlExecutor;

export function toExecutor(target: SqlTarget): SqlExecutor {
  return 'insertRows' in target ? target : clickhouseExecutor(target);
}
