/**
 * Cluster form of the migrations, a pure rewrite of rendered statements (single-node SQL in, cluster SQL
 * out) so that every migration, present and future, runs on a replicated cluster without edits:
 *
 * - `CREATE DATABASE d`                → `CREATE DATABASE d ON CLUSTER c`
 * - `CREATE TABLE d.t (…) ENGINE = XMergeTree(args) …` → the storage table `d.t_local ON CLUSTER c` with
 *   `ReplicatedXMergeTree('/clickhouse/tables/{shard}/d/t_local', '{replica}', args)`, plus `d.t ON CLUSTER c`
 *   as `Distributed(c, d, t_local, cityHash64(<sorting key>))`: readers and writers keep using `d.t`, a row
 *   lands on the shard of its sorting key (so ReplacingMergeTree keys never span shards), and a retried
 *   insert of the same block is dropped by the replicated block deduplication.
 * - `ALTER TABLE d.t ops` of such a table → the ops on `d.t_local ON CLUSTER c`; when one of them changes
 *   columns (ADD, DROP, MODIFY, RENAME, COMMENT COLUMN) the Distributed table is dropped and created again
 *   `AS d.t_local` at the end of the migration (ClickHouse refuses ALTER ON CLUSTER of a non-replicated table on a replicated shard, and
 *   a Distributed table holds no data, only the column list). `DROP`, `TRUNCATE` and `OPTIMIZE TABLE` go
 *   to the storage table (`DROP` to both).
 * - every other `CREATE|ALTER|DROP TABLE` (another engine, or already replicated) gets `ON CLUSTER c`;
 *   statements of any other kind (INSERT, roles, policies) run as written on the node the runner talks to.
 */

export interface ClusterTarget {
  /** Name of the cluster in the servers' remote_servers (and the ON CLUSTER clause). */
  readonly cluster: string;
  readonly database: string;
}

/** Suffix of the replicated storage table under a Distributed one. */
export const LOCAL_TABLE_SUFFIX = '_local';

const NAME = '(?:`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)';
const QUALIFIED = `(${NAME})\\.(${NAME})`;
const CREATE_DATABASE = new RegExp(
  `^\\s*CREATE\\s+DATABASE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?(${NAME})(.*)$`,
  'is',
);
const CREATE_TABLE = new RegExp(`^\\s*CREATE\\s+TABLE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${QUALIFIED}(.*)$`, 'is');
const ALTER_TABLE = new RegExp(`^\\s*ALTER\\s+TABLE\\s+${QUALIFIED}\\s+(.*)$`, 'is');
const DROP_TABLE = new RegExp(`^\\s*DROP\\s+TABLE\\s+(IF\\s+EXISTS\\s+)?${QUALIFIED}(.*)$`, 'is');
const TABLE_COMMAND = new RegExp(
  `^\\s*(TRUNCATE|OPTIMIZE)\\s+TABLE\\s+(IF\\s+EXISTS\\s+)?${QUALIFIED}(.*)$`,
  'is',
);
const ENGINE = /\bENGINE\s*=\s*([A-Za-z]*MergeTree)\b\s*/i;
const COLUMN_OP = /^(ADD|DROP|MODIFY|RENAME|COMMENT)\s+COLUMN\b/i;

const unquote = (name: string): string => name.replace(/^`|`$/g, '');

/** Index just past the parenthesis that closes the one at `open` (quotes respected). */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === "'" || ch === '`' || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      i = end === -1 ? text.length : end;
    } else if (ch === '(') depth += 1;
    else if (ch === ')') {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  throw new SyntaxError(`unbalanced parentheses in: ${text.slice(open, open + 80)}`);
}

/** Splits at commas outside parentheses and quotes. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === "'" || ch === '`' || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      i = end === -1 ? text.length : end;
    } else if (ch === '(') depth += 1;
    else if (ch === ')') depth -= 1;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((part) => part !== '');
}

/** The sorting key's expressions of a CREATE TABLE tail (`ORDER BY (a, f(b))` or `ORDER BY a`), or null. */
function sortingKey(tail: string): string | null {
  const match = /\bORDER\s+BY\s+/i.exec(tail);
  if (match === null) return null;
  const at = match.index + match[0].length;
  if (tail[at] === '(') return tail.slice(at + 1, closingParen(tail, at) - 1).trim();
  const end = tail.slice(at).search(/\s+(?:PRIMARY|SAMPLE|TTL|SETTINGS)\b|\s*$/i);
  return tail.slice(at, at + end).trim();
}

function createTable(
  ifNotExists: string,
  database: string,
  table: string,
  tail: string,
  target: ClusterTarget,
): { statements: string[]; distributed: string | null } {
  const on = `ON CLUSTER ${target.cluster}`;
  const engine = ENGINE.exec(tail);
  if (engine === null || /^Replicated/i.test(engine[1] as string)) {
    return {
      statements: [`CREATE TABLE ${ifNotExists}${database}.${table} ${on}${tail}`],
      distributed: null,
    };
  }
  const local = `${unquote(table)}${LOCAL_TABLE_SUFFIX}`;
  const afterName = engine.index + engine[0].length;
  let args = '';
  let rest = tail.slice(afterName);
  if (tail[afterName] === '(') {
    const close = closingParen(tail, afterName);
    args = tail.slice(afterName + 1, close - 1).trim();
    rest = tail.slice(close);
  }
  const path = `'/clickhouse/tables/{shard}/${unquote(database)}/${local}'`;
  const replicatedArgs = [path, "'{replica}'", ...(args === '' ? [] : [args])].join(', ');
  const storage =
    `CREATE TABLE ${ifNotExists}${database}.${local} ${on}${tail.slice(0, engine.index)}` +
    `ENGINE = Replicated${engine[1]}(${replicatedArgs}) ${rest.trimStart()}`;
  const key = sortingKey(rest);
  const shardBy = key === null || key === '' || key === 'tuple()' ? 'rand()' : `cityHash64(${key})`;
  const distributed =
    `CREATE TABLE IF NOT EXISTS ${database}.${table} ${on} AS ${database}.${local} ` +
    `ENGINE = Distributed(${target.cluster}, ${unquote(database)}, ${local}, ${shardBy})`;
  return { statements: [storage, distributed], distributed };
}

/**
 * Rewrites the rendered statements of one migration for the cluster. `replicated` maps each table made
 * Distributed + replicated so far (by earlier migrations, applied or not; `db.table`) to the statement that
 * creates its Distributed table; the returned map adds this migration's. Pure.
 */
export function clusterStatements(
  statements: readonly string[],
  target: ClusterTarget,
  replicated: ReadonlyMap<string, string> = new Map(),
): { statements: string[]; replicated: Map<string, string> } {
  const known = new Map(replicated);
  const on = `ON CLUSTER ${target.cluster}`;
  const out: string[] = [];
  /** Distributed tables whose storage table changed columns: created again once, after the migration. */
  const reshaped = new Set<string>();
  const isKnown = (database: string, table: string) => known.has(`${unquote(database)}.${unquote(table)}`);
  for (const statement of statements) {
    let m = CREATE_DATABASE.exec(statement);
    if (m !== null) {
      out.push(`CREATE DATABASE ${m[1] ?? ''}${m[2]} ${on}${m[3]}`);
      continue;
    }
    m = CREATE_TABLE.exec(statement);
    if (m !== null) {
      const [, ifNotExists = '', database = '', table = '', tail = ''] = m;
      const created = createTable(ifNotExists, database, table, tail, target);
      if (created.distributed !== null)
        known.set(`${unquote(database)}.${unquote(table)}`, created.distributed);
      out.push(...created.statements);
      continue;
    }
    m = ALTER_TABLE.exec(statement);
    if (m !== null) {
      const [, database = '', table = '', ops = ''] = m;
      if (!isKnown(database, table)) {
        out.push(`ALTER TABLE ${database}.${table} ${on} ${ops}`);
        continue;
      }
      out.push(`ALTER TABLE ${database}.${unquote(table)}${LOCAL_TABLE_SUFFIX} ${on} ${ops}`);
      if (splitTopLevel(ops).some((op) => COLUMN_OP.test(op))) reshaped.add(`${database}.${table}`);
      continue;
    }
    m = DROP_TABLE.exec(statement);
    if (m !== null) {
      const [, ifExists = '', database = '', table = '', tail = ''] = m;
      out.push(`DROP TABLE ${ifExists}${database}.${table} ${on}${tail}`);
      if (isKnown(database, table)) {
        out.push(`DROP TABLE ${ifExists}${database}.${unquote(table)}${LOCAL_TABLE_SUFFIX} ${on}${tail}`);
        known.delete(`${unquote(database)}.${unquote(table)}`);
      }
      continue;
    }
    m = TABLE_COMMAND.exec(statement);
    if (m !== null) {
      const [, command = '', ifExists = '', database = '', table = '', tail = ''] = m;
      const name = isKnown(database, table) ? `${unquote(table)}${LOCAL_TABLE_SUFFIX}` : table;
      out.push(`${command.toUpperCase()} TABLE ${ifExists}${database}.${name} ${on}${tail}`);
      continue;
    }
    out.push(statement);
  }
  for (const name of reshaped) {
    const [database = '', table = ''] = name.split('.');
    const create = known.get(`${unquote(database)}.${unquote(table)}`);
    if (create !== undefined) out.push(`DROP TABLE IF EXISTS ${name} ${on}`, create);
  }
  return { statements: out, replicated: known };
}
