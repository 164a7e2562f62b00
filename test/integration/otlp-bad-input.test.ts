import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { decodeStatus, OTLP_MESSAGES } from '@aiops/otlp';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postOtlp } from '../support/otlp.js';
import { TestPipeline } from '../support/pipeline.js';
import { createTestCertificates, type TestCertificates } from '../support/tls.js';

/** Bad requests of every kind against a real receiver on the real broker: right status, no crash, counters add up. */
const PROTO = { 'content-type': 'application/x-protobuf', authorization: 'Bearer acme-token' };
const JSON_HEADERS = { 'content-type': 'application/json', authorization: 'Bearer acme-token' };
const MAX_BODY = 64 * 1024;

function chatSpans(count: number, extra: Array<{ key: string; value: object }> = []): Uint8Array {
  const end = BigInt(Date.now()) * 1_000_000n;
  return OTLP_MESSAGES.traceRequest
    .encode({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'fuzz' } }] },
          scopeSpans: [
            {
              spans: Array.from({ length: count }, (_, i) => ({
                traceId: Buffer.alloc(16, 7),
                spanId: Buffer.from(i.toString(16).padStart(16, '0'), 'hex'),
                name: 'chat',
                startTimeUnixNano: String(end - 500_000_000n),
                endTimeUnixNano: String(end),
                attributes: [
                  { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                  { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
                  { key: 'gen_ai.provider.name', value: { stringValue: 'openai' } },
                  ...(i === 0 ? extra : []),
                ],
              })),
            },
          ],
        },
      ],
    })
    .finish();
}

describe('otlp-receiver: bad input', () => {
  let pipeline: TestPipeline;
  let port: number;
  let sent = 0;
  const post = async (path: string, body: Uint8Array | string, headers: Record<string, string>) => {
    sent++;
    return postOtlp(port, path, body, headers);
  };

  beforeAll(async () => {
    pipeline = new TestPipeline({
      partitions: 1,
      otlpTenants: { acme: 'acme-token', limited: { token: 'limited-token', requests_per_second: 1 } },
      otlp: { maxBodyBytes: MAX_BODY },
    });
    await pipeline.start('otlp-receiver');
    port = pipeline.receiver().port;
  });
  afterAll(async () => {
    await pipeline?.stopAll();
  });

  it('answers each kind of bad request with its status and an OTLP Status body', async () => {
    const good = chatSpans(2);
    const cases: Array<
      [string, () => Promise<{ status: number; body: Buffer; headers: Headers }>, number, RegExp]
    > = [
      [
        'no token',
        () => post('/v1/traces', good, { 'content-type': 'application/x-protobuf' }),
        401,
        /missing Authorization/,
      ],
      [
        'a wrong token',
        () => post('/v1/traces', good, { ...PROTO, authorization: 'Bearer nope' }),
        401,
        /unknown bearer token/,
      ],
      [
        'a wrong scheme',
        () => post('/v1/traces', good, { ...PROTO, authorization: 'Basic eDp5' }),
        401,
        /Bearer <token>/,
      ],
      [
        'a wrong content type',
        () => post('/v1/traces', good, { ...PROTO, 'content-type': 'text/plain' }),
        415,
        /not supported/,
      ],
      [
        'an unknown content encoding',
        () => post('/v1/traces', good, { ...PROTO, 'content-encoding': 'br' }),
        415,
        /Content-Encoding br/,
      ],
      [
        'an oversized body',
        () => post('/v1/traces', Buffer.alloc(MAX_BODY + 1), PROTO),
        413,
        /above the limit/,
      ],
      [
        'a gzip bomb',
        () =>
          post('/v1/traces', gzipSync(Buffer.alloc(MAX_BODY * 8)), { ...PROTO, 'content-encoding': 'gzip' }),
        413,
        /inflates above/,
      ],
      [
        'malformed protobuf',
        () => post('/v1/traces', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x7f]), PROTO),
        400,
        /malformed protobuf/,
      ],
      ['malformed JSON', () => post('/v1/logs', '{"resourceLogs": [', JSON_HEADERS), 400, /malformed JSON/],
      [
        'malformed gzip',
        () => post('/v1/traces', Buffer.from('not gzip'), { ...PROTO, 'content-encoding': 'gzip' }),
        400,
        /malformed gzip/,
      ],
      ['an unknown path', () => post('/v1/metrics', good, PROTO), 404, /not found/],
    ];
    for (const [what, request, status, message] of cases) {
      const response = await request();
      expect(response.status, what).toBe(status);
      const encoding =
        response.headers.get('content-type') === 'application/x-protobuf' ? 'protobuf' : 'json';
      expect(decodeStatus(response.body, encoding).message, what).toMatch(message);
    }
    const unauthorized = await post('/v1/traces', good, { 'content-type': 'application/json' });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('accepts gzip protobuf and JSON, and reports spans with wrong attribute types in partial_success', async () => {
    const gz = await post('/v1/traces', gzipSync(chatSpans(3)), { ...PROTO, 'content-encoding': 'gzip' });
    expect(gz.status).toBe(200);
    expect(gz.body.length).toBe(0); // a full success: an empty ExportTraceServiceResponse
    const wrong = await post(
      '/v1/traces',
      chatSpans(3, [{ key: 'gen_ai.usage.output_tokens', value: { stringValue: 'many' } }]),
      PROTO,
    );
    expect(wrong.status).toBe(200);
    const response = OTLP_MESSAGES.traceResponse.decode(wrong.body) as {
      partialSuccess: { rejectedSpans: { toString(): string }; errorMessage: string };
    };
    expect(response.partialSuccess.rejectedSpans.toString()).toBe('1');
    expect(response.partialSuccess.errorMessage).toMatch(
      /gen_ai.usage.output_tokens must be a non-negative integer/,
    );
    const json = await post(
      '/v1/traces',
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  { name: 'x', attributes: [{ key: 'gen_ai.request.model', value: { intValue: 'x' } }] },
                ],
              },
            ],
          },
        ],
      }),
      JSON_HEADERS,
    );
    expect(json.status).toBe(400);
  });

  it("limits a tenant's rate with 429 and Retry-After, without touching other tenants", async () => {
    const limited = { ...PROTO, authorization: 'Bearer limited-token' };
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const r = await post('/v1/traces', chatSpans(1), limited);
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
    }
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await post('/v1/traces', chatSpans(1), PROTO)).status).toBe(200);
  });

  it('never crashes on random bytes, and the request counter adds up', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), async (bytes, asJson) => {
        const r = await post('/v1/traces', bytes, asJson ? JSON_HEADERS : PROTO);
        expect([200, 400]).toContain(r.status);
      }),
      { numRuns: 150, seed: 16 },
    );
    const metrics = await pipeline.metrics.registry.getMetricsAsJSON();
    const requests = metrics.find((m) => m.name === 'aiops_otlp_requests_total');
    const total = requests?.values.reduce((sum, v) => sum + v.value, 0);
    expect(total).toBe(sent);
    expect(pipeline.receiver().receiver.bytesInFlight).toBe(0);
  });
});

describe('otlp-receiver: Kafka too slow', () => {
  let pipeline: TestPipeline;

  beforeAll(async () => {
    // An acknowledgement deadline no broker meets stands in for a slow Kafka (the in-flight bound: receiver.test.ts).
    pipeline = new TestPipeline({
      partitions: 1,
      otlp: { produceTimeoutMs: 1, retryAfterSeconds: 3 },
    });
    await pipeline.start('otlp-receiver');
  });
  afterAll(async () => {
    await pipeline?.stopAll();
  });

  it('answers 503 with Retry-After instead of buffering, and frees its bytes once Kafka settles', async () => {
    const port = pipeline.receiver().port;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => postOtlp(port, '/v1/traces', chatSpans(5), PROTO)),
    );
    for (const r of responses) {
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('3');
    }
    const receiver = pipeline.receiver().receiver;
    for (let i = 0; i < 100 && receiver.bytesInFlight > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(receiver.bytesInFlight).toBe(0);
  });
});

describe('otlp-receiver: TLS', () => {
  let pipeline: TestPipeline;
  let dir: string;
  let certs: TestCertificates;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aiops-otlp-tls-'));
    certs = createTestCertificates(dir);
    pipeline = new TestPipeline({
      partitions: 1,
      otlp: { tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile } },
    });
    await pipeline.start('otlp-receiver');
  });
  afterAll(async () => {
    await pipeline?.stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const postTls = (ca: string, body: Uint8Array) =>
    new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: pipeline.receiver().port,
          path: '/v1/traces',
          method: 'POST',
          headers: PROTO,
          ca,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  it('serves HTTPS with the configured certificate; a client that does not trust it, or plain HTTP, gets nowhere', async () => {
    expect(await postTls(readFileSync(certs.caFile, 'utf8'), chatSpans(2))).toBe(200);
    await expect(postTls(readFileSync(certs.otherCaFile, 'utf8'), chatSpans(2))).rejects.toThrow(
      /certificate/,
    );
    await expect(postOtlp(pipeline.receiver().port, '/v1/traces', chatSpans(1), PROTO)).rejects.toThrow();
  });
});
