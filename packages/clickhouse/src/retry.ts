/**
 * Pure error policy for ClickHouse writes: what a failed insert means and who can fix it. No client
 * import: errors are recognised by shape (a numeric `code`, a `Code: NNN` in the message, a Node network
 * error code), so the tables below can be unit-tested and read on their own (Vector's shape).
 *
 * - `retryable`: the server may take the same request later (down, overloaded, timeouts).
 * - `operator`: no request will succeed until a human changes something (password, grant, missing
 *   table or database, read-only user). The rows are fine: the sink must stop and wait, never drop them.
 * - `data`: the server refuses what this request carries (a value it cannot parse or store). Retrying
 *   the same rows is useless; the bad rows are isolated and dead-lettered, the others written.
 */
export type ErrorClass = 'retryable' | 'operator' | 'data';

/** Server error codes worth retrying: overload, timeouts, network trouble, transient storage states. */
export const RETRYABLE_CLICKHOUSE_CODES: ReadonlyMap<number, string> = new Map([
  [159, 'TIMEOUT_EXCEEDED'],
  [160, 'TOO_SLOW'],
  [202, 'TOO_MANY_SIMULTANEOUS_QUERIES'],
  [203, 'NO_FREE_CONNECTION'],
  [209, 'SOCKET_TIMEOUT'],
  [210, 'NETWORK_ERROR'],
  [236, 'ABORTED'],
  [241, 'MEMORY_LIMIT_EXCEEDED'],
  [242, 'TABLE_IS_READ_ONLY'],
  [252, 'TOO_MANY_PARTS'],
  [285, 'TOO_FEW_LIVE_REPLICAS'],
  [286, 'UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE'],
  [319, 'UNKNOWN_STATUS_OF_INSERT'],
  [394, 'QUERY_WAS_CANCELLED'],
  [425, 'SYSTEM_ERROR'],
  [439, 'CANNOT_SCHEDULE_TASK'],
  [999, 'KEEPER_EXCEPTION'],
  [1000, 'POCO_EXCEPTION'],
]);

/**
 * Codes that refuse the request whatever rows it carries: credentials, grants, a schema the writer does
 * not find, a read-only user, a request the server does not understand. Only an operator can fix them.
 */
export const OPERATOR_CLICKHOUSE_CODES: ReadonlyMap<number, string> = new Map([
  [8, 'THERE_IS_NO_COLUMN'],
  [10, 'NOT_FOUND_COLUMN_IN_BLOCK'],
  [16, 'NO_SUCH_COLUMN_IN_TABLE'],
  [47, 'UNKNOWN_IDENTIFIER'],
  [48, 'NOT_IMPLEMENTED'],
  [60, 'UNKNOWN_TABLE'],
  [62, 'SYNTAX_ERROR'],
  [73, 'UNKNOWN_FORMAT'],
  [81, 'UNKNOWN_DATABASE'],
  [115, 'UNKNOWN_SETTING'],
  [164, 'READONLY'],
  [192, 'UNKNOWN_USER'],
  [193, 'WRONG_PASSWORD'],
  [194, 'REQUIRED_PASSWORD'],
  [195, 'IP_ADDRESS_NOT_ALLOWED'],
  [291, 'DATABASE_ACCESS_DENIED'],
  [497, 'ACCESS_DENIED'],
  [516, 'AUTHENTICATION_FAILED'],
]);

/** Codes that refuse the rows of this request: a value the server cannot parse, convert or store. */
export const DATA_CLICKHOUSE_CODES: ReadonlyMap<number, string> = new Map([
  [6, 'CANNOT_PARSE_TEXT'],
  [26, 'CANNOT_PARSE_QUOTED_STRING'],
  [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
  [32, 'ATTEMPT_TO_READ_AFTER_EOF'],
  [33, 'CANNOT_READ_ALL_DATA'],
  [38, 'CANNOT_PARSE_DATE'],
  [41, 'CANNOT_PARSE_DATETIME'],
  [53, 'TYPE_MISMATCH'],
  [69, 'ARGUMENT_OUT_OF_BOUND'],
  [70, 'CANNOT_CONVERT_TYPE'],
  [72, 'CANNOT_PARSE_NUMBER'],
  [117, 'INCORRECT_DATA'],
  [131, 'TOO_LARGE_STRING_SIZE'],
  [190, 'SIZES_OF_ARRAYS_DOESNT_MATCH'],
  [321, 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE'],
  [349, 'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN'],
]);

/** Node / undici socket errors: the request may not have reached the server, or the answer was lost. */
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const RETRYABLE_MESSAGES = [
  /timeout/i, // the client's "Timeout error." and server-side timeouts without a code
  /socket hang up/i,
  /\b(429|502|503|504)\b.*\b(too many requests|bad gateway|service unavailable|gateway time-?out)\b/i,
  /\bECONNREFUSED\b|\bECONNRESET\b/,
];

/** The ClickHouse error code carried by `error`, if any: a numeric `code` property or `Code: NNN`. */
export function clickhouseErrorCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number' && Number.isInteger(code)) return code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return Number.parseInt(code, 10);
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string') {
    const match = /\bCode:\s*(\d+)/.exec(message);
    if (match) return Number.parseInt(match[1]!, 10);
  }
  return undefined;
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 5) {
    chain.push(current);
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return chain;
}

/**
 * A data code whose text says the table lacks a column every row carries (18.16 answers an unknown
 * JSONEachRow key with INCORRECT_DATA): the schema is behind the writer, which no row can fix.
 */
const SCHEMA_DRIFT = /Unknown field found while parsing JSONEachRow format/i;

function errorText(error: unknown): string {
  const message =
    typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : error;
  return typeof message === 'string' ? message : '';
}

/** What a failed insert means (see ErrorClass), with the server's code and its name when it sent one. */
export interface ClickHouseFailure {
  readonly kind: ErrorClass;
  readonly code: number | undefined;
  /** The code's name (`AUTHENTICATION_FAILED`), `CODE_<n>` for a code not in the tables, else a short label. */
  readonly name: string;
}

/**
 * Classifies a failed insert. Server errors are judged by code (tables above). A code in no table is an
 * `operator` error: the writer then stops and says so, which loses nothing, where guessing `data` would
 * dead-letter rows for a failure nobody understood. Errors without a server code are network or timeout
 * failures and are retryable, except programming errors raised on the rows themselves (a TypeError from
 * serialising a value, a RangeError), which concern the data of this request.
 */
export function describeClickHouseError(error: unknown): ClickHouseFailure {
  for (const item of causes(error)) {
    const code = clickhouseErrorCode(item);
    if (code === undefined) continue;
    const retryable = RETRYABLE_CLICKHOUSE_CODES.get(code);
    if (retryable !== undefined) return { kind: 'retryable', code, name: retryable };
    const data = DATA_CLICKHOUSE_CODES.get(code);
    if (data !== undefined && !SCHEMA_DRIFT.test(errorText(item))) return { kind: 'data', code, name: data };
    if (data !== undefined) return { kind: 'operator', code, name: 'SCHEMA_MISMATCH' };
    return { kind: 'operator', code, name: OPERATOR_CLICKHOUSE_CODES.get(code) ?? `CODE_${code}` };
  }
  for (const item of causes(error)) {
    if (typeof item !== 'object' || item === null) continue;
    const code = (item as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_NETWORK_CODES.has(code)) {
      return { kind: 'retryable', code: undefined, name: code };
    }
    const message = (item as { message?: unknown }).message;
    if (typeof message === 'string' && RETRYABLE_MESSAGES.some((pattern) => pattern.test(message))) {
      return { kind: 'retryable', code: undefined, name: 'NETWORK' };
    }
  }
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError)
    return { kind: 'data', code: undefined, name: error.name };
  return { kind: 'retryable', code: undefined, name: 'UNKNOWN' };
}

/** The class alone (see describeClickHouseError). */
export function classifyClickHouseError(error: unknown): ErrorClass {
  return describeClickHouseError(error).kind;
}

export interface BackoffSettings {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Exponential backoff with "equal jitter": half of the exponential step is fixed, half is random, so
 * retries never all land together and never wait (almost) zero. `attempt` counts from 1 (the first retry).
 * `random` returns a number in [0, 1).
 */
export function backoffDelayMs(attempt: number, settings: BackoffSettings, random: () => number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const step = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** exponent);
  return Math.round(step / 2 + random() * (step / 2));
}
