/**
 * ClickHouse 18.16 has no query parameters, so database and table names reach SQL by plain text
 * substitution. Only plain identifiers are accepted, which makes that substitution safe.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

export function assertIdentifier(name: string, what = 'identifier'): string {
  if (!isIdentifier(name)) {
    throw new RangeError(`${what} must match ${IDENTIFIER.source}; got ${JSON.stringify(name)}`);
  }
  return name;
}

/** `db.table`, both checked. */
export function qualifiedTable(database: string, table: string): string {
  return `${assertIdentifier(database, 'database name')}.${assertIdentifier(table, 'table name')}`;
}
