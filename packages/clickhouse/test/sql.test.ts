import { describe, expect, it } from 'vitest';
import { assertIdentifier, isIdentifier, qualifiedTable } from '../src/identifiers.js';
import { compareVersions, parseVersion, placeholders, renderSql, splitStatements } from '../src/sql.js';

describe('splitStatements', () => {
  it('splits on semicolons and drops comments and empty fragments', () => {
    const script = `-- header comment; with a semicolon
CREATE DATABASE IF NOT EXISTS x;

/* block; comment */
CREATE TABLE x.t (a UInt8) ENGINE = Memory; -- trailing
;
`;
    expect(splitStatements(script)).toEqual([
      'CREATE DATABASE IF NOT EXISTS x',
      'CREATE TABLE x.t (a UInt8) ENGINE = Memory',
    ]);
  });

  it('keeps semicolons and comment markers inside quotes', () => {
    const script = `SELECT 'a;b', "c;d", \`e;f\`, 'it''s -- not a comment', 'esc\\';x';SELECT 2`;
    expect(splitStatements(script)).toEqual([
      `SELECT 'a;b', "c;d", \`e;f\`, 'it''s -- not a comment', 'esc\\';x'`,
      'SELECT 2',
    ]);
  });

  it('returns the last statement without a terminating semicolon', () => {
    expect(splitStatements('SELECT 1')).toEqual(['SELECT 1']);
  });

  it('refuses unterminated quotes and comments', () => {
    expect(() => splitStatements("SELECT 'oops")).toThrow(/unterminated/);
    expect(() => splitStatements('SELECT 1 /* oops')).toThrow(/unterminated/);
  });
});

describe('renderSql', () => {
  it('substitutes every placeholder, spaces allowed', () => {
    expect(
      renderSql('CREATE TABLE {{database}}.t TTL d + INTERVAL {{ days }} DAY', { database: 'db1', days: 30 }),
    ).toBe('CREATE TABLE db1.t TTL d + INTERVAL 30 DAY');
  });

  it('refuses a placeholder without a value', () => {
    expect(() => renderSql('SELECT * FROM {{database}}.{{table}}', { database: 'x' })).toThrow(/table/);
  });

  it('refuses values that are not plain tokens (no SQL injection through text substitution)', () => {
    expect(() => renderSql('SELECT {{x}}', { x: '1; DROP DATABASE aiops' })).toThrow(/must match/);
    expect(() => renderSql('SELECT {{x}}', { x: "a'b" })).toThrow(/must match/);
  });

  it('lists placeholders once each', () => {
    expect(placeholders('{{a}} {{b}} {{ a }}')).toEqual(['a', 'b']);
  });
});

describe('versions', () => {
  it('parses dotted versions and ignores suffixes', () => {
    expect(parseVersion('18.16.1')).toEqual([18, 16, 1]);
    expect(parseVersion('25.8.2.29 (official build)')).toEqual([25, 8, 2, 29]);
    expect(() => parseVersion('latest')).toThrow();
  });

  it('compares numerically, missing parts as zero', () => {
    expect(compareVersions('18.16.1', '20.1')).toBeLessThan(0);
    expect(compareVersions('20.1', '20.1.0')).toBe(0);
    expect(compareVersions('20.10', '20.9')).toBeGreaterThan(0);
    expect(compareVersions('26.7.2.1', '20.8')).toBeGreaterThan(0);
  });
});

describe('identifiers', () => {
  it('accepts plain names and refuses anything else', () => {
    expect(isIdentifier('aiops')).toBe(true);
    expect(isIdentifier('test_db_123')).toBe(true);
    expect(isIdentifier('1db')).toBe(false);
    expect(isIdentifier('a-b')).toBe(false);
    expect(isIdentifier('a.b')).toBe(false);
    expect(isIdentifier('')).toBe(false);
    expect(() => assertIdentifier('x; DROP', 'database name')).toThrow(/database name/);
    expect(qualifiedTable('aiops', 'events')).toBe('aiops.events');
  });
});
