import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OutputMessages } from '@aiops/kafka';
import { createLogger, createPipelineMetrics } from '@aiops/ops';
import {
  decodeStatus,
  OTLP_MESSAGES,
  RecentCalls,
  sha256Hex,
  TenantDirectory,
  TenantRateLimiter,
} from '@aiops/otlp';
import { afterEach, describe, expect, it } from 'vitest';
import { otlpReceiverConfigSchema } from '../src/config.js';
import { receiverMetrics } from '../src/metrics.js';
import { OtlpReceiver } from '../src/receiver.js';

/**
 * The receiver's request handling on a real HTTP server, with the Kafka send gated by the test: what is
 * answered before and after the acknowledgement, and the in-flight bound.
 */
function chatBody(): Uint8Array {
  const end = BigInt(Date.now()) * 1_000_000n;
  return OTLP_MESSAGES.traceRequest
    .encode({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: Buffer.alloc(16, 1),
                  spanId: Buffer.alloc(8, 2),
                  startTimeUnixNano: String(end - 1_000_000n),
                  endTimeUnixNano: String(end),
                  attributes: [{ key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } }],
                },
              ],
            },
          ],
        },
      ],
    })
    .finish();
}

describe('OtlpReceiver', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  async function start(maxInFlightBytes: number) {
    const gates: Array<{ output: OutputMessages[]; release: (error?: Error) => void }> = [];
    const metrics = createPipelineMetrics({ defaultMetrics: false });
    const config = otlpReceiverConfigSchema.parse({
      kafka: { brokers: ['127.0.0.1:1'], clientId: 't' },
      tokensFile: '/unused',
      maxBodyBytes: Math.min(1024, maxInFlightBytes),
      maxInFlightBytes,
    });
    const receiver = new OtlpReceiver({
      config,
      directory: new TenantDirectory({ tenants: [{ tenant_id: 'acme', token_sha256: sha256Hex('t0ken') }] }),
      limiter: new TenantRateLimiter(() => ({
        requestsPerSecond: 1000,
        bytesPerSecond: 1e9,
        burstSeconds: 1,
      })),
      recent: new RecentCalls(10),
      send: (output) =>
        new Promise<void>((resolve, reject) => {
          gates.push({ output, release: (error) => (error ? reject(error) : resolve()) });
        }),
      metrics: receiverMetrics(metrics.registry),
      pipelineMetrics: metrics,
      log: createLogger({ service: 'test', level: 'silent' }),
      now: Date.now,
    });
    server = createServer((req, res) => void receiver.handle(req, res));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const post = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', authorization: 'Bearer t0ken' },
        body: chatBody(),
      });
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: Buffer.from(await response.arrayBuffer()),
      };
    };
    const waitForGates = async (n: number) => {
      while (gates.length < n) await new Promise((r) => setTimeout(r, 5));
    };
    return { receiver, gates, post, waitForGates };
  }

  it('answers 200 only after the send is acknowledged, with the event keyed by series on the raw topic', async () => {
    const { gates, post, waitForGates } = await start(1024);
    let answered = false;
    const pending = post().then((r) => {
      answered = true;
      return r;
    });
    await waitForGates(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    const raw = gates[0]!.output.find((o) => o.topic === 'aiops.telemetry.raw.v1');
    expect(raw?.messages).toHaveLength(1);
    expect(String(raw?.messages[0]?.key)).toBe('acme|unknown_service|production|unknown|gpt-4o|chat');
    gates[0]!.release();
    expect((await pending).status).toBe(200);
  });

  it('answers 503 + Retry-After when the bytes waiting for Kafka would pass the bound, and frees them after', async () => {
    const { receiver, gates, post, waitForGates } = await start(chatBody().length + 10);
    const first = post();
    await waitForGates(1);
    expect(receiver.bytesInFlight).toBe(chatBody().length);
    const second = await post();
    expect(second.status).toBe(503);
    expect(second.retryAfter).toBe('5');
    expect(decodeStatus(second.body, 'protobuf').message).toMatch(/busy/);
    gates[0]!.release(new Error('broker unreachable'));
    const answered = await first;
    expect(answered.status).toBe(503);
    expect(decodeStatus(answered.body, 'protobuf').message).toMatch(/broker unreachable/);
    expect(receiver.bytesInFlight).toBe(0);
  });
});
