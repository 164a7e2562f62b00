import { afterEach, describe, expect, it } from 'vitest';
import { createPipelineMetrics, type OpsServer, startOpsServer } from '../src/index.js';

let server: OpsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startOpsServer', () => {
  it('answers health, readiness and Prometheus metrics', async () => {
    const metrics = createPipelineMetrics({ defaultMetrics: false });
    metrics.consumed.inc({ service: 'validator', topic: 'raw' }, 3);
    let ready = false;
    server = await startOpsServer({ port: 0, registry: metrics.registry, isReady: () => ready });
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('aiops_messages_consumed_total{service="validator",topic="raw"} 3');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
