import { ClickHouseError } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  classifyClickHouseError,
  clickhouseErrorCode,
  DATA_CLICKHOUSE_CODES,
  describeClickHouseError,
  OPERATOR_CLICKHOUSE_CODES,
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

  // operator: whatever rows a request carries, it is refused until a human changes something.
  // data: the rows of this request are at fault: isolated and dead-lettered, never retried as they are.
  it.each([
    [193, 'Wrong password for user writer', 'WRONG_PASSWORD', 'operator'],
    [516, 'writer: Authentication failed: password is incorrect', 'AUTHENTICATION_FAILED', 'operator'],
    [192, 'Unknown user writer', 'UNKNOWN_USER', 'operator'],
    [194, 'Password required for user writer', 'REQUIRED_PASSWORD', 'operator'],
    [497, 'writer: Not enough privileges. It is necessary to have grant INSERT', 'ACCESS_DENIED', 'operator'],
    [291, 'Access denied to database aiops for user writer', 'DATABASE_ACCESS_DENIED', 'operator'],
    [164, 'Cannot insert into table in readonly mode', 'READONLY', 'operator'],
    [60, 'Table aiops.events does not exist', 'UNKNOWN_TABLE', 'operator'],
    [81, 'Database aiops does not exist', 'UNKNOWN_DATABASE', 'operator'],
    [16, 'There is no column foo in table', 'NO_SUCH_COLUMN_IN_TABLE', 'operator'],
    [62, 'Syntax error: failed at position 1', 'SYNTAX_ERROR', 'operator'],
    [27, 'Cannot parse input: expected , before: zz', 'CANNOT_PARSE_INPUT_ASSERTION_FAILED', 'data'],
    [53, 'Type mismatch in IN or VALUES section', 'TYPE_MISMATCH', 'data'],
    [6, 'Cannot parse string abc as UInt32', 'CANNOT_PARSE_TEXT', 'data'],
    [41, 'Cannot parse datetime', 'CANNOT_PARSE_DATETIME', 'data'],
    [72, 'Cannot parse number', 'CANNOT_PARSE_NUMBER', 'data'],
    [117, 'Cannot read array from text', 'INCORRECT_DATA', 'data'],
    [190, 'Nested data structure scores must have equal array sizes', 'SIZES_OF_ARRAYS_DOESNT_MATCH', 'data'],
    [321, 'Value 300 is out of range of UInt8', 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE', 'data'],
  ] as const)('code %i (%s, %s) is an %s error in both message formats', (code, text, type, kind) => {
    for (const error of [oldServer(code, text), newServer(code, text, type)]) {
      expect(describeClickHouseError(error)).toEqual({ kind, code, name: type });
    }
  });

  it('an unknown JSONEachRow field is schema drift (every row has it), not bad data', () => {
    const error = oldServer(117, 'Unknown field found while parsing JSONEachRow format: cost_usd');
    expect(describeClickHouseError(error)).toEqual({ kind: 'operator', code: 117, name: 'SCHEMA_MISMATCH' });
  });

  it('stops for an operator on an unknown server code: waiting loses nothing, guessing "data" would', () => {
    expect(describeClickHouseError(oldServer(1234, 'something new'))).toEqual({
      kind: 'operator',
      code: 1234,
      name: 'CODE_1234',
    });
  });

  it('reads the code of a parsed ClickHouseError (string code property)', () => {
    const error = new ClickHouseError({ message: 'Too many parts', code: '252', type: 'TOO_MANY_PARTS' });
    expect(clickhouseErrorCode(error)).toBe(252);
    expect(classifyClickHouseError(error)).toBe('retryable');
    const data = new ClickHouseError({ message: 'Type mismatch', code: '53', type: 'TYPE_MISMATCH' });
    expect(classifyClickHouseError(data)).toBe('data');
    const auth = new ClickHouseError({
      message: 'Authentication failed',
      code: '516',
      type: 'AUTHENTICATION_FAILED',
    });
    expect(classifyClickHouseError(auth)).toBe('operator');
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
    expect(classifyClickHouseError(wrapped)).toBe('data');
    const wrappedNetwork = new Error('insert failed', { cause: networkError('ECONNREFUSED') });
    expect(classifyClickHouseError(wrappedNetwork)).toBe('retryable');
  });

  it('does not retry errors raised on the rows themselves (a value JSON cannot serialise)', () => {
    expect(classifyClickHouseError(new TypeError('Do not know how to serialize a BigInt'))).toBe('data');
    expect(classifyClickHouseError(new RangeError('Invalid time value'))).toBe('data');
  });

  it('retries an unknown failure without a code (a proxy page, an odd transport error)', () => {
    expect(classifyClickHouseError(new Error('<html>502 Bad Gateway</html>'))).toBe('retryable');
    expect(classifyClickHouseError('weird')).toBe('retryable');
  });

  it('keeps the three code tables disjoint', () => {
    const tables = [RETRYABLE_CLICKHOUSE_CODES, OPERATOR_CLICKHOUSE_CODES, DATA_CLICKHOUSE_CODES];
    const codes = tables.flatMap((table) => [...table.keys()]);
    expect(new Set(codes).size).toBe(codes.length);
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
