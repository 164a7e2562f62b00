/**
 * Pure SQL text helpers: statement splitting, placeholder rendering and server version comparison.
 * No I/O; shared by the migration runner and the analyst query loader.
 */

/**
 * Splits a script into statements on `;` outside quotes, backticks and comments. Comments are dropped
 * (they are replaced by whitespace), so a fragment holding only comments yields no statement.
 */
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  const n = script.length;
  while (i < n) {
    const ch = script[i]!;
    const next = script[i + 1];
    if (ch === '-' && next === '-') {
      const end = script.indexOf('\n', i);
      i = end === -1 ? n : end;
      current += ' ';
      continue;
    }
    if (ch === '/' && next === '*') {
      const end = script.indexOf('*/', i + 2);
      if (end === -1) throw new SyntaxError('unterminated /* comment in SQL script');
      i = end + 2;
      current += ' ';
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') {
      const start = i;
      i += 1;
      let closed = false;
      while (i < n) {
        const c = script[i]!;
        if (c === '\\') {
          i += 2;
          continue;
        }
        if (c === ch) {
          if (script[i + 1] === ch) {
            i += 2;
            continue;
          }
          i += 1;
          closed = true;
          break;
        }
        i += 1;
      }
      if (!closed) throw new SyntaxError(`unterminated ${ch} quote in SQL script at offset ${start}`);
      current += script.slice(start, i);
      continue;
    }
    if (ch === ';') {
      pushStatement(statements, current);
      current = '';
      i += 1;
      continue;
    }
    current += ch;
    i += 1;
  }
  pushStatement(statements, current);
  return statements;
}

function pushStatement(statements: string[], text: string): void {
  const trimmed = text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim().length > 0)
    .join('\n')
    .trim();
  if (trimmed.length > 0) statements.push(trimmed);
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
/** Values are pasted into SQL as text, so they are restricted to identifier-like or numeric tokens. */
const SAFE_VALUE = /^[A-Za-z0-9_.]+$/;

export type SqlVariables = Readonly<Record<string, string | number>>;

/** Names of the `{{name}}` placeholders a text uses, in order of first appearance. */
export function placeholders(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1]!;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * Replaces every `{{name}}` by its value. A placeholder without a value, or a value that is not a plain
 * token (letters, digits, `_`, `.`), is an error: nothing is rendered half-way.
 */
export function renderSql(text: string, variables: SqlVariables): string {
  for (const [name, value] of Object.entries(variables)) {
    if (!SAFE_VALUE.test(String(value))) {
      throw new RangeError(
        `SQL variable ${name} must match ${SAFE_VALUE.source}; got ${JSON.stringify(value)}`,
      );
    }
  }
  const missing = placeholders(text).filter((name) => !(name in variables));
  if (missing.length > 0) {
    throw new RangeError(`SQL text uses placeholders without a value: ${missing.join(', ')}`);
  }
  return text.replace(PLACEHOLDER, (_all, name: string) => String(variables[name]));
}

/** `"18.16.1"` → `[18, 16, 1]`; anything after the leading dotted number is ignored. */
export function parseVersion(version: string): number[] {
  const match = /^\s*v?(\d+(?:\.\d+)*)/.exec(version);
  if (!match) throw new RangeError(`not a version: ${JSON.stringify(version)}`);
  return match[1]!.split('.').map((part) => Number.parseInt(part, 10));
}

/** Negative when a < b, 0 when equal (missing parts count as 0), positive when a > b. */
export function compareVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i += 1) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
