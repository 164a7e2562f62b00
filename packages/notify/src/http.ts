import type { HttpResponseSummary } from './retry.js';

/** A request as the pure builders produce it; the transport only sends it. */
export interface HttpRequest {
  readonly method: 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const MAX_RESPONSE_BODY = 4096;

/** Sends one request with a timeout; throws on a transport failure (no answer), returns any answer. */
export async function sendHttp(request: HttpRequest, timeoutMs: number): Promise<HttpResponseSummary> {
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'error',
  });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  const body = (await response.text()).slice(0, MAX_RESPONSE_BODY);
  return { status: response.status, headers, body };
}
