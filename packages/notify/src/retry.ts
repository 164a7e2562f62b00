/**
 * Pure retry policy of every receiver (Vector's shape: classification is data, tested on its own).
 * 2xx: delivered. 408, 429, 5xx and network failures: retry (honouring Retry-After). Any other status:
 * permanent; retrying a request the receiver refused (bad payload, revoked webhook, wrong key) only
 * delays the dead letter.
 */

export type DeliveryVerdict =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'retry'; readonly reason: string; readonly retryAfterMs: number | null }
  | { readonly kind: 'permanent'; readonly reason: string };

export interface HttpResponseSummary {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

const MAX_BODY_IN_REASON = 200;

/**
 * `Retry-After` as a delay from `nowMs`: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). null when
 * absent or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | undefined | null, nowMs: number): number | null {
  if (value === undefined || value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

function reasonOf(response: HttpResponseSummary): string {
  const body = response.body.trim().replace(/\s+/g, ' ').slice(0, MAX_BODY_IN_REASON);
  return body === '' ? `http_${response.status}` : `http_${response.status}: ${body}`;
}

export function classifyHttpResponse(response: HttpResponseSummary, nowMs: number): DeliveryVerdict {
  const { status } = response;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 408 || status === 429 || status >= 500) {
    return {
      kind: 'retry',
      reason: reasonOf(response),
      retryAfterMs: parseRetryAfter(response.headers['retry-after'], nowMs),
    };
  }
  return { kind: 'permanent', reason: reasonOf(response) };
}

/**
 * A request that got no answer (connection refused, reset, DNS, timeout): the receiver may come back.
 * The reason is the innermost error code or message (fetch wraps the socket error in `cause`).
 */
export function classifyTransportError(error: unknown): DeliveryVerdict {
  let current: unknown = error;
  let reason = 'network_error';
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const { code, name, message } = current as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === 'string') reason = code;
    else if (name === 'TimeoutError' || name === 'AbortError') reason = 'timeout';
    else if (typeof message === 'string' && reason === 'network_error') reason = message;
    current = (current as { cause?: unknown }).cause;
  }
  return { kind: 'retry', reason, retryAfterMs: null };
}

/**
 * A failed produce: kafkajs marks errors a retry may fix (`retriable`); a protocol error it does not
 * (record too large, topic authorization) is permanent. Anything else (broker away) is retried.
 */
export function classifyKafkaError(error: unknown): DeliveryVerdict {
  const e = error as { name?: unknown; type?: unknown; message?: unknown; retriable?: unknown };
  const reason =
    typeof e.type === 'string' ? e.type : typeof e.message === 'string' ? e.message : 'kafka_error';
  if (e.name === 'KafkaJSProtocolError' && e.retriable === false) return { kind: 'permanent', reason };
  return { kind: 'retry', reason, retryAfterMs: null };
}
