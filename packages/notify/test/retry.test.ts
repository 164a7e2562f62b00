import { describe, expect, it } from 'vitest';
import {
  classifyHttpResponse,
  classifyKafkaError,
  classifyTransportError,
  parseRetryAfter,
} from '../src/index.js';

const NOW = Date.UTC(2026, 11, 6, 3, 0, 0);
const response = (status: number, headers: Record<string, string> = {}, body = '') => ({
  status,
  headers,
  body,
});

describe('retry classifier', () => {
  it.each([
    [200, 'delivered'],
    [202, 'delivered'],
    [204, 'delivered'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [400, 'permanent'],
    [401, 'permanent'],
    [403, 'permanent'],
    [404, 'permanent'],
    [410, 'permanent'],
    [413, 'permanent'],
    [301, 'permanent'],
  ])('HTTP %i is %s', (status, kind) => {
    expect(classifyHttpResponse(response(status), NOW).kind).toBe(kind);
  });

  it('keeps the status and the start of the body as the reason', () => {
    expect(classifyHttpResponse(response(400, {}, '{"status":"invalid event"}\n'), NOW)).toEqual({
      kind: 'permanent',
      reason: 'http_400: {"status":"invalid event"}',
    });
    expect(classifyHttpResponse(response(500), NOW)).toEqual({
      kind: 'retry',
      reason: 'http_500',
      retryAfterMs: null,
    });
  });

  it('honours Retry-After in seconds and as an HTTP-date', () => {
    expect(classifyHttpResponse(response(429, { 'retry-after': '3' }), NOW)).toMatchObject({
      retryAfterMs: 3000,
    });
    const date = new Date(NOW + 7000).toUTCString();
    expect(classifyHttpResponse(response(503, { 'retry-after': date }), NOW)).toMatchObject({
      retryAfterMs: 7000,
    });
    expect(parseRetryAfter(new Date(NOW - 5000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeNull();
    expect(parseRetryAfter('-1', NOW)).toBeNull();
    expect(parseRetryAfter(undefined, NOW)).toBeNull();
  });

  it('retries a request that got no answer, naming the socket error', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect(classifyTransportError(refused)).toEqual({
      kind: 'retry',
      reason: 'ECONNREFUSED',
      retryAfterMs: null,
    });
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(classifyTransportError(timeout)).toEqual({ kind: 'retry', reason: 'timeout', retryAfterMs: null });
  });

  it('gives up on a Kafka error kafkajs marks not retriable, retries the rest', () => {
    const tooLarge = { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false };
    expect(classifyKafkaError(tooLarge)).toEqual({ kind: 'permanent', reason: 'MESSAGE_TOO_LARGE' });
    const away = {
      name: 'KafkaJSConnectionError',
      message: 'Connection error: ECONNREFUSED',
      retriable: true,
    };
    expect(classifyKafkaError(away).kind).toBe('retry');
  });
});
