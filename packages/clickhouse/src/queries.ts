import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type SqlTarget, toExecutor } from './executor.js';
import { assertIdentifier } from './identifiers.js';
import { renderSql, splitStatements } from './sql.js';

/** One query of the analyst pack (schemas/clickhouse/queries/*.sql), still holding `{{database}}`. */
export interface AnalystQuery {
  readonly name: string;
  /** The first comment block: what the query answers. */
  readonly description: string;
  readonly sql: string;
}

/** Pure: one file's text → its query (exactly one statement per file). */
export function parseAnalystQuery(file: string, text: string): AnalystQuery {
  const statements = splitStatements(text);
  if (statements.length !== 1) {
    throw new RangeError(
      `${file}: an analyst query file holds exactly one statement; found ${statements.length}`,
    );
  }
  const description: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('--')) break;
    description.push(line.replace(/^--\s?/, ''));
  }
  return { name: basename(file, '.sql'), description: description.join(' ').trim(), sql: statements[0]! };
}

export async function loadAnalystQueries(dir: string): Promise<AnalystQuery[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (file) => parseAnalystQuery(file, await readFile(join(dir, file), 'utf8'))),
  );
}

/** Renders `{{database}}` and runs the query, returning its rows. */
export async function runAnalystQuery<T = Record<string, unknown>>(
  target: SqlTarget,
  query: AnalystQuery,
  database: string,
): Promise<T[]> {
  const sql = renderSql(query.sql, { database: assertIdentifier(database, 'database name') });
  return toExecutor(target).queryRows<T>(sql);
}
