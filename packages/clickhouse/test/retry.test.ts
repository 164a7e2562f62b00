import { ClickHouseError } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  classifyClickHouseError,
  clickhouseErrorCode,
  FATAL_CLICKHOUSE_CODES,
  RETRYABLE_CLICKHOUSE_CODES,
} from '../src/retry.js';

/** The message shapes the two server generations send over HTTP. */
const oldServer = (code: number, text: string) =>
  new Error(`Code: ${code}, e.displayText() = DB::Exception: ${text}, e.what() = DB::Exception\n`);
const newServer = (code: number, text: string, type: string) =>
  new Error(`Code: ${code}. DB::Exception: ${text}. (${type}) (version 25.8.2.29 (official build))`);

function networkError(code: string, message = `connect ${code} 127.0.0.1:18123`): Error {
  return Object.assign(new Error(message), { code });
}

describe('classifyClickHouseError', () => {
  it.each([
    [159, 'Timeout exceeded: elapsed 30 seconds', 'TIMEOUT_EXCEEDED'],
    [209, 'Timeout exceeded while reading from socket', 'SOCKET_TIMEOUT'],
    [210, 'Connection refused', 'NETWORK_ERROR'],
    [241, 'Memory limit (total) exceeded', 'MEMORY_LIMIT_EXCEEDED'],
    [242, 'Table is in readonly mode', 'TABLE_IS_READ_ONLY'],
    [252, 'Too many parts (300). Merges are processing significantly slower than inserts', 'TOO_MANY_PARTS'],
    [202, 'Too many simultaneous queries. Maximum: 100', 'TOO_MANY_SIMULTANEOUS_QUERIES'],
  ])('retries server code %i in both message formats', (code, text, type) => {
    expect(classifyClickHouseError(oldServer(code, text))).toBe('retryable');
    expect(classifyClickHouseError(newServer(code, text, type))).toBe('retryable');
  });

  it.each([
    [27, 'Cannot parse input: expected , before: zz', 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
    [53, 'Type mismatch in IN or VALUES section', 'TYPE_MISMATCH'],
    [117, 'Unknown field found while parsing JSONEachRow format: foo', 'INCORRECT_DATA'],
    [62, 'Syntax error: failed at position 1', 'SYNTAX_ERROR'],
    [60, 'Table aiops.nope does not exist', 'UNKNOWN_TABLE'],
    [81, 'Database nope does not exist', 'UNKNOWN_DATABASE'],
    [16, 'There is no column foo in table', 'NO_SUCH_COLUMN_IN_TABLE'],
    [164, 'Cannot insert into table in readonly mode', 'READONLY'],
    [516, 'default: Authentication failed', 'AUTHENTICATION_FAILED'],
  ])('never retries data, schema and permission errors: code %i', (code, text, type) => {
    expect(classifyClickHouseError(oldServer(code, text))).toBe('fatal');
    expect(classifyClickHouseError(newServer(code, text, type))).toBe('fatal');
  });

  it('treats an unknown server code as fatal', () => {
    expect(classifyClickHouseError(oldServer(1234, 'something new'))).toBe('fatal');
  });

  it('reads the code of a parsed ClickHouseError (string code property)', () => {
    const error = new ClickHouseError({ message: 'Too many parts', code: '252', type: 'TOO_MANY_PARTS' });
    expect(clickhouseErrorCode(error)).toBe(252);
    expect(classifyClickHouseError(error)).toBe('retryable');
    const fatal = new ClickHouseError({ message: 'Type mismatch', code: '53', type: 'TYPE_MISMATCH' });
    expect(classifyClickHouseError(fatal)).toBe('fatal');
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'EAI_AGAIN'])(
    'retries the network error %s',
    (code) => {
      expect(classifyClickHouseError(networkError(code))).toBe('retryable');
    },
  );

  it('retries the client request timeout and a socket hang up', () => {
    expect(classifyClickHouseError(new Error('Timeout error.'))).toBe('retryable');
    expect(classifyClickHouseError(new Error('socket hang up'))).toBe('retryable');
  });

  it('looks through error causes', () => {
    const wrapped = new Error('insert failed', { cause: oldServer(53, 'Type mismatch') });
    expect(classifyClickHouseError(wrapped)).toBe('fatal');
    const wrappedNetwork = new Error('insert failed', { cause: networkError('ECONNREFUSED') });
    expect(classifyClickHouseError(wrappedNetwork)).toBe('retryable');
  });

  it('does not retry programming errors', () => {
    expect(classifyClickHouseError(new TypeError('rows.map is not a function'))).toBe('fatal');
    expect(classifyClickHouseError(new RangeError('bad table name'))).toBe('fatal');
  });

  it('retries an unknown failure without a code (a proxy page, an odd transport error)', () => {
    expect(classifyClickHouseError(new Error('<html>502 Bad Gateway</html>'))).toBe('retryable');
    expect(classifyClickHouseError('weird')).toBe('retryable');
  });

  it('keeps the two code tables disjoint', () => {
    for (const code of RETRYABLE_CLICKHOUSE_CODES.keys())
      expect(FATAL_CLICKHOUSE_CODES.has(code)).toBe(false);
  });
});

describe('backoffDelayMs', () => {
  const settings = { baseDelayMs: 100, maxDelayMs: 5000 };

  it('doubles the step per attempt, half fixed and half jitter', () => {
    expect(backoffDelayMs(1, settings, () => 0)).toBe(50);
    expect(backoffDelayMs(1, settings, () => 0.999999)).toBe(100);
    expect(backoffDelayMs(2, settings, () => 0)).toBe(100);
    expect(backoffDelayMs(3, settings, () => 0)).toBe(200);
    expect(backoffDelayMs(4, settings, () => 0.5)).toBe(600);
  });

  it('caps the step at maxDelayMs, even for huge attempt numbers', () => {
    expect(backoffDelayMs(10, settings, () => 0)).toBe(2500);
    expect(backoffDelayMs(10, settings, () => 0.999999)).toBe(5000);
    expect(backoffDelayMs(10_000, settings, () => 0.5)).toBe(3750);
  });

  it('spreads concurrent retries', () => {
    const delays = new Set([0.1, 0.3, 0.5, 0.7, 0.9].map((r) => backoffDelayMs(5, settings, () => r)));
    expect(delays.size).toBe(5);
  });
});
