import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouseClient, parseClickHouseConfig } from '@aiops/clickhouse';
import type { Alert } from '@aiops/contract';
import { REPO_ROOT, type SupervisedProcess, Supervisor } from '@aiops/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseUrl, kafkaBrokers, uniqueName } from '../setup/endpoints.js';
import { HttpRecorder, type RecordedRequest } from '../support/http-recorder.js';
import { produce } from '../support/kafka.js';
import { alertMessages, notifierTopicEnv, outageAlerts } from '../support/notifier.js';
import { waitFor } from '../support/pipeline.js';

/**
 * `aiops run notifier` as a child process, SIGKILLed twice mid-incident (once while a receiver is down
 * and notifications wait in its queue, once right after the resolving alerts arrive) and restarted:
 * every receiver still gets each notification exactly once, by dedup key.
 */

const id = uniqueName('itr');
const TENANTS = ['acme', 'globex'];

const outage = (status: 'firing' | 'resolved', at: number) =>
  outageAlerts({ tenants: TENANTS, models: ['claude-opus-4', 'claude-sonnet-4'], status, at });

const send = (alerts: Alert[]) => produce(`${id}.alerts`, alertMessages(alerts));

const delivered = (requests: readonly RecordedRequest[]) => requests.filter((r) => r.status < 300);

let hook: HttpRecorder;
let pager: HttpRecorder;
let supervisor: Supervisor;
let notifier: SupervisedProcess;

beforeAll(async () => {
  hook = await HttpRecorder.start();
  pager = await HttpRecorder.start();
  const dir = mkdtempSync(join(tmpdir(), 'notifier-restart-'));
  const routingFile = join(dir, 'routing.json');
  writeFileSync(
    routingFile,
    JSON.stringify({
      route: {
        receiver: 'hook',
        group_wait_ms: 1000,
        group_interval_ms: 1500,
        routes: [
          { receiver: 'hook', continue: true },
          { receiver: 'pager', continue: true },
        ],
      },
      receivers: [
        {
          name: 'hook',
          type: 'webhook',
          url: `${hook.url}/hook`,
          backoff_base_ms: 200,
          backoff_max_ms: 1000,
        },
        { name: 'pager', type: 'pagerduty', url: `${pager.url}/v2/enqueue`, routing_key: { env: 'PD_KEY' } },
      ],
    }),
  );
  supervisor = new Supervisor();
  notifier = await supervisor.spawnService(
    'notifier',
    0,
    {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      CLICKHOUSE_URL: clickhouseUrl(),
      CLICKHOUSE_DATABASE: id,
      NOTIFIER_CONFIG_FILE: routingFile,
      NOTIFIER_GROUP_ID: `${id}-notifier`,
      NOTIFIER_TICK_INTERVAL_MS: '200',
      TOPIC_PARTITIONS: '3',
      ...notifierTopicEnv(id),
      PD_KEY: 'it-key',
      LOG_LEVEL: 'info',
    },
    join(REPO_ROOT, '.aiops', 'test-logs', id),
  );
  await waitFor(() => notifier.isReady(), 90_000, 'notifier ready');
});

afterAll(async () => {
  await supervisor?.stopAll(15_000);
  await Promise.all([hook?.close(), pager?.close()]);
  const client = createClickHouseClient(parseClickHouseConfig({ url: clickhouseUrl() }));
  await client.command({ query: `DROP DATABASE IF EXISTS ${id}` });
  await client.close();
});

describe('notifier killed mid-incident', () => {
  it('neither loses nor repeats a notification across two SIGKILLs', async () => {
    await hook.refuse(); // down: its notifications wait in its queue, retried with backoff
    await send(outage('firing', Date.now()));
    await pager.waitFor((r) => delivered(r).length === 2, 60_000, 'two triggers (one incident per tenant)');
    // Let the outcome transactions land, so only the waiting webhook notifications are in flight.
    await new Promise((r) => setTimeout(r, 1000));

    await notifier.killAndRestart();
    await hook.resume();
    await waitFor(() => notifier.isReady(), 90_000, 'notifier ready after the first kill');
    await hook.waitFor((r) => delivered(r).length === 2, 60_000, 'the webhook notifications that waited');

    await send(outage('resolved', Date.now()));
    await new Promise((r) => setTimeout(r, 300));
    await notifier.killAndRestart();
    await waitFor(() => notifier.isReady(), 90_000, 'notifier ready after the second kill');
    await hook.waitFor((r) => delivered(r).length >= 4, 60_000, 'resolved on the webhook');
    await pager.waitFor((r) => delivered(r).length >= 4, 60_000, 'resolved on PagerDuty');
    await new Promise((r) => setTimeout(r, 3000));

    const hookKeys = delivered(hook.requests).map((r) => String(r.headers['idempotency-key']));
    expect(hookKeys).toHaveLength(4);
    expect(new Set(hookKeys).size).toBe(4);
    const statuses = delivered(hook.requests).map((r) => (JSON.parse(r.body) as { status: string }).status);
    expect(statuses.sort()).toEqual(['firing', 'firing', 'resolved', 'resolved']);
    const events = delivered(pager.requests).map(
      (r) => JSON.parse(r.body) as { event_action: string; dedup_key: string },
    );
    expect(events).toHaveLength(4);
    expect(new Set(events.map((e) => `${e.dedup_key}/${e.event_action}`)).size).toBe(4);
    expect(new Set(events.map((e) => e.dedup_key)).size).toBe(2);
    expect(notifier.kills).toBe(2);
    expect(notifier.crashRestarts).toBe(0);
  });
});
