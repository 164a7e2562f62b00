/**
 * Pure retry policy for ClickHouse writes: which failures may succeed if tried again, and how long to wait.
 * No client import: errors are recognised by shape (a numeric `code`, a `Code: NNN` in the message, a Node
 * network error code), so the table below can be unit-tested and read on its own.
 */

export type ErrorClass = 'retryable' | 'fatal';

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
 * Codes that mean "this request will never succeed" (bad data, wrong schema, no permission). Any code in
 * neither table is also fatal: retrying an error nobody understands only delays the dead letter.
 */
export const FATAL_CLICKHOUSE_CODES: ReadonlyMap<number, string> = new Map([
  [6, 'CANNOT_PARSE_TEXT'],
  [16, 'NO_SUCH_COLUMN_IN_TABLE'],
  [26, 'CANNOT_PARSE_QUOTED_STRING'],
  [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
  [38, 'CANNOT_PARSE_DATE'],
  [41, 'CANNOT_PARSE_DATETIME'],
  [47, 'UNKNOWN_IDENTIFIER'],
  [53, 'TYPE_MISMATCH'],
  [60, 'UNKNOWN_TABLE'],
  [62, 'SYNTAX_ERROR'],
  [69, 'ARGUMENT_OUT_OF_BOUND'],
  [70, 'CANNOT_CONVERT_TYPE'],
  [72, 'CANNOT_PARSE_NUMBER'],
  [81, 'UNKNOWN_DATABASE'],
  [117, 'INCORRECT_DATA'],
  [164, 'READONLY'],
  [190, 'SIZES_OF_ARRAYS_DOESNT_MATCH'],
  [192, 'UNKNOWN_USER'],
  [193, 'WRONG_PASSWORD'],
  [194, 'REQUIRED_PASSWORD'],
  [497, 'ACCESS_DENIED'],
  [516, 'AUTHENTICATION_FAILED'],
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
 * Decides whether an insert that failed with `error` may be retried. Server errors are judged by code
 * (tables above); errors without a server code are network or timeout failures and are retryable,
 * except programming errors (TypeError, RangeError), which no retry can fix.
 */
export function classifyClickHouseError(error: unknown): ErrorClass {
  for (const item of causes(error)) {
    const code = clickhouseErrorCode(item);
    if (code !== undefined) return RETRYABLE_CLICKHOUSE_CODES.has(code) ? 'retryable' : 'fatal';
  }
  for (const item of causes(error)) {
    if (typeof item !== 'object' || item === null) continue;
    const code = (item as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_NETWORK_CODES.has(code)) return 'retryable';
    const message = (item as { message?: unknown }).message;
    if (typeof message === 'string' && RETRYABLE_MESSAGES.some((pattern) => pattern.test(message))) {
      return 'retryable';
    }
  }
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError)
    return 'fatal';
  return 'retryable';
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
