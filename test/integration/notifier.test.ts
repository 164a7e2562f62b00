import { clickhouseExecutor, createClickHouseClient, parseClickHouseConfig } from '@aiops/clickhouse';
import type { Alert } from '@aiops/contract';
import type { RunningService } from '@aiops/kafka';
import { createLogger, createPipelineMetrics } from '@aiops/ops';
import { type NotifierConfig, startNotifier } from '@aiops/service-notifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseUrl, uniqueName } from '../setup/endpoints.js';
import { HttpRecorder, type RecordedRequest } from '../support/http-recorder.js';
import { consumeUntil, header, produce } from '../support/kafka.js';
import { alertMessages, notifierTestConfig, notifierTopics, outageAlerts } from '../support/notifier.js';
import { waitFor } from '../support/pipeline.js';

/**
 * The notifier against the real broker, the real ClickHouse server and real HTTP receivers (node:http
 * servers that record what they get): one provider outage across four series, delivered to five receivers
 * of which one fails once, one rate-limits, and one is down for the whole test.
 */

const MODELS = ['claude-opus-4', 'claude-sonnet-4', 'claude-haiku-4', 'claude-3-5-haiku'];

const outage = (startedAt: number, status: 'firing' | 'resolved', at: number): Alert[] =>
  outageAlerts({ tenants: ['acme'], models: MODELS, status, at, startedAt });

const ids = (requests: readonly RecordedRequest[]) =>
  requests.map((r) => String(r.headers['idempotency-key']));

describe('notifier against the real broker, ClickHouse and HTTP receivers', () => {
  const id = uniqueName('itn');
  const recorders: Record<'hook' | 'pager' | 'flaky' | 'limited' | 'down', HttpRecorder> = {} as never;
  let notifier: RunningService;
  let config: NotifierConfig;
  const metrics = createPipelineMetrics({ defaultMetrics: false });
  const logger = createLogger({ service: 'it-notifier', level: process.env.TEST_LOG_LEVEL ?? 'warn' });
  const topics = notifierTopics(id);

  beforeAll(async () => {
    for (const name of ['hook', 'pager', 'flaky', 'limited', 'down'] as const)
      recorders[name] = await HttpRecorder.start();
    await recorders.down.refuse();
    recorders.flaky.reply({ status: 500, body: 'upstream hiccup' });
    recorders.limited.reply({ status: 429, headers: { 'retry-after': '2' }, body: 'slow down' });
    process.env.IT_NOTIFIER_PD_KEY = 'it-routing-key';
    const fast = { backoff_base_ms: 200, backoff_max_ms: 1000 };
    config = notifierTestConfig(id, {
      route: {
        receiver: 'hook',
        group_wait_ms: 1000,
        group_interval_ms: 1500,
        routes: ['hook', 'pager', 'flaky', 'limited', 'down'].map((receiver) => ({
          receiver,
          continue: true,
        })),
      },
      receivers: [
        {
          name: 'hook',
          type: 'webhook',
          url: `${recorders.hook.url}/hook`,
          hmac_key: { env: 'IT_NOTIFIER_PD_KEY' },
          ...fast,
        },
        {
          name: 'pager',
          type: 'pagerduty',
          url: `${recorders.pager.url}/v2/enqueue`,
          routing_key: { env: 'IT_NOTIFIER_PD_KEY' },
          ...fast,
        },
        { name: 'flaky', type: 'webhook', url: `${recorders.flaky.url}/hook`, ...fast },
        { name: 'limited', type: 'webhook', url: `${recorders.limited.url}/hook`, ...fast },
        {
          name: 'down',
          type: 'webhook',
          url: `${recorders.down.url}/hook`,
          max_delivery_ms: 4000,
          ...fast,
        },
      ],
    });
    notifier = await startNotifier(config, logger, metrics);
    await waitFor(() => notifier.isReady(), 60_000, 'notifier ready');
  });

  afterAll(async () => {
    await notifier?.stop(10_000);
    await Promise.all(Object.values(recorders).map((r) => r.close()));
    const client = createClickHouseClient(parseClickHouseConfig({ url: clickhouseUrl() }));
    await client.command({ query: `DROP DATABASE IF EXISTS ${id}` });
    await client.close();
  });

  it('turns an outage across four series into one notification per receiver, then one resolved', async () => {
    const started = Date.now();
    await produce(topics.alerts, alertMessages(outage(started - 60_000, 'firing', started)));
    for (const name of ['hook', 'pager', 'flaky', 'limited'] as const)
      await recorders[name].waitFor((r) => r.some((x) => x.status < 300), 30_000, `${name} opened`);

    const opened = recorders.hook.json<{
      version: string;
      status: string;
      alerts: unknown[];
      groupLabels: object;
    }>();
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({
      version: '4',
      status: 'firing',
      groupLabels: { tenant_id: 'acme', provider: 'anthropic' },
    });
    expect(opened[0]!.alerts).toHaveLength(4);
    expect(recorders.hook.requests[0]!.headers['x-aiops-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    const pd = recorders.pager.json<{ event_action: string; dedup_key: string; routing_key: string }>();
    expect(pd).toEqual([expect.objectContaining({ event_action: 'trigger', routing_key: 'it-routing-key' })]);

    // 500 then 200: two attempts of the same notification, delivered once.
    expect(recorders.flaky.requests.map((r) => r.status)).toEqual([500, 200]);
    expect(new Set(ids(recorders.flaky.requests)).size).toBe(1);
    // 429 with Retry-After: 2 → the retry waited at least 2 s.
    const [first, second] = recorders.limited.requests;
    expect([first?.status, second?.status]).toEqual([429, 200]);
    expect(second!.atMs - first!.atMs).toBeGreaterThanOrEqual(1900);

    await produce(topics.alerts, alertMessages(outage(started - 60_000, 'resolved', Date.now())));
    for (const name of ['hook', 'pager', 'flaky', 'limited'] as const)
      await recorders[name].waitFor(
        (r) => r.filter((x) => x.status < 300).length === 2,
        30_000,
        `${name} resolved`,
      );
    expect(recorders.hook.json<{ status: string }>().map((b) => b.status)).toEqual(['firing', 'resolved']);
    expect(
      recorders.pager.json<{ event_action: string; dedup_key: string }>().map((b) => b.event_action),
    ).toEqual(['trigger', 'resolve']);
    const dedup = new Set(recorders.pager.json<{ dedup_key: string }>().map((b) => b.dedup_key));
    expect(dedup.size).toBe(1);
    // Nothing more comes: exactly one incident notification and one resolved per receiver.
    await new Promise((r) => setTimeout(r, 3000));
    for (const name of ['hook', 'pager', 'flaky', 'limited'] as const) {
      const delivered = recorders[name].requests.filter((x) => x.status < 300);
      expect(delivered, name).toHaveLength(2);
      // Webhooks carry the notification id as Idempotency-Key (PagerDuty dedups by dedup_key, above).
      if (name !== 'pager') expect(new Set(ids(delivered)).size, name).toBe(2);
    }
  });

  it('dead-letters what the receiver that is down never took, with the reason, and counts it', async () => {
    const dead = await consumeUntil(topics.deliveryDlq, (m) => m.length >= 2, 60_000);
    expect(dead.map((m) => header(m, 'aiops.dlq.receiver'))).toEqual(['down', 'down']);
    expect(header(dead[0]!, 'aiops.dlq.reason')).toBe('delivery_timeout');
    expect(header(dead[0]!, 'aiops.dlq.message')).toMatch(
      /^gave up after \d+ attempts in \d+ ms: ECONNREFUSED/,
    );
    const kinds = dead.map((m) => (JSON.parse(m.value!.toString()) as { kind: string }).kind);
    expect(kinds).toEqual(['opened', 'resolved']);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/aiops_notifications_failed_total\{receiver="down",reason="delivery_timeout"\} 2/);
    expect(text).toMatch(/aiops_notifications_sent_total\{receiver="hook"\} 2/);
    expect(text).toMatch(/aiops_notification_retries_total\{receiver="flaky"\} 1/);
  });

  it('records incidents and every delivery outcome in ClickHouse', async () => {
    const client = createClickHouseClient(parseClickHouseConfig({ url: clickhouseUrl(), database: id }));
    const executor = clickhouseExecutor(client);
    try {
      await waitFor(
        async () => (await executor.queryRows(`SELECT 1 FROM ${id}.notifications FINAL`)).length === 10,
        30_000,
        'ten notification rows',
      );
      const rows = await executor.queryRows<{ receiver: string; outcome: string; n: string }>(
        `SELECT receiver, outcome, count() AS n FROM ${id}.notifications FINAL GROUP BY receiver, outcome ORDER BY receiver`,
      );
      expect(rows.map((r) => [r.receiver, r.outcome, Number(r.n)])).toEqual([
        ['down', 'dead_lettered', 2],
        ['flaky', 'delivered', 2],
        ['hook', 'delivered', 2],
        ['limited', 'delivered', 2],
        ['pager', 'delivered', 2],
      ]);
      const incidents = await executor.queryRows<{ status: string; members: string }>(
        `SELECT status, length(member_alert_ids) AS members FROM ${id}.incidents FINAL`,
      );
      // One incident per route (the five routes each group the outage on their own).
      expect(incidents.map((i) => [i.status, Number(i.members)])).toEqual(Array(5).fill(['resolved', 4]));
    } finally {
      await client.close();
    }
  });
});
