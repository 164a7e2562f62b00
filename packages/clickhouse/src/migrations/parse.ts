import { compareVersions, parseVersion, splitStatements } from '../sql.js';

/**
 * A migration file, `NNNN_name.sql`, parsed but not rendered: statements still hold their `{{...}}`
 * placeholders. Directives live in the leading comment block:
 *   -- requires: 20.1          minimum server version; older servers record the migration as skipped
 *   -- guard: SELECT ...       a query returning one value; 0/false skips (e.g. no SQL access control)
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly file: string;
  readonly requires: string | null;
  readonly guard: string | null;
  readonly statements: readonly string[];
  readonly checksum: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const DIRECTIVE = /^--\s*([a-z-]+)\s*:\s*(.*?)\s*$/i;
const KNOWN_DIRECTIVES = new Set(['requires', 'guard']);

export function isMigrationFileName(file: string): boolean {
  return FILE_NAME.test(file);
}

/** Parses one migration; `checksum` is supplied by the caller (a hash of the raw text). */
export function parseMigration(file: string, text: string, checksum: string): Migration {
  const match = FILE_NAME.exec(file);
  if (!match) throw new RangeError(`migration file name must look like 0001_name.sql; got ${file}`);
  const directives = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.length === 0) continue;
    if (!line.startsWith('--')) break;
    const directive = DIRECTIVE.exec(line);
    if (!directive) continue;
    const key = directive[1]!.toLowerCase();
    if (!KNOWN_DIRECTIVES.has(key)) continue;
    if (directives.has(key)) throw new RangeError(`${file}: directive "${key}" given twice`);
    directives.set(key, directive[2]!);
  }
  const requires = directives.get('requires') ?? null;
  if (requires !== null) parseVersion(requires);
  const guard = directives.get('guard') ?? null;
  if (guard !== null && guard.length === 0) throw new RangeError(`${file}: empty guard query`);
  const statements = splitStatements(text);
  if (statements.length === 0) throw new RangeError(`${file}: no SQL statement`);
  return {
    version: Number.parseInt(match[1]!, 10),
    name: match[2]!,
    file,
    requires,
    guard,
    statements,
    checksum,
  };
}

/** Sorts by version and refuses two files with the same number. */
export function orderMigrations(migrations: readonly Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (let i = 1; i < sorted.length; i += 1) {
    if (sorted[i]!.version === sorted[i - 1]!.version) {
      throw new RangeError(
        `two migrations share number ${sorted[i]!.version}: ${sorted[i - 1]!.file}, ${sorted[i]!.file}`,
      );
    }
  }
  return sorted;
}

export type RecordedStatus = 'applied' | 'skipped';

/** The latest row of `schema_migrations` for one migration. */
export interface RecordedMigration {
  readonly version: number;
  readonly status: RecordedStatus;
  readonly checksum: string;
  readonly reason: string;
}

export type Decision =
  | { readonly action: 'done' }
  | { readonly action: 'skip'; readonly reason: string }
  | { readonly action: 'apply' };

/**
 * What to do with one migration on a server of `serverVersion`, given what was recorded before.
 * Applied migrations are never re-run; skipped ones are reconsidered on every run (the server may have
 * been upgraded). A guard, when present, is evaluated by the runner after an `apply` decision.
 */
export function decide(
  migration: Migration,
  recorded: RecordedMigration | undefined,
  serverVersion: string,
): Decision {
  if (recorded?.status === 'applied') return { action: 'done' };
  if (migration.requires !== null && compareVersions(serverVersion, migration.requires) < 0) {
    return { action: 'skip', reason: `requires server ${migration.requires}, server is ${serverVersion}` };
  }
  return { action: 'apply' };
}
