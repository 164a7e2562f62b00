import type { SqlExecutor } from '@aiops/clickhouse';
import { createLogger } from '@aiops/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../packages/cli/src/program.js';
import { clickhouseUrl, kafkaBrokers, uniqueName } from '../setup/endpoints.js';
import { HttpRecorder } from '../support/http-recorder.js';
import { consumeUntil, header, produce } from '../support/kafka.js';
import {
  alertMessages,
  notifierTopicEnv,
  notifierTopics,
  outageAlerts,
  startTestNotifier,
  type TestNotifier,
} from '../support/notifier.js';
import { waitFor } from '../support/pipeline.js';

/**
 * People in the loop, through the real `aiops` commands: a silence mutes the outage's notification (not its
 * detection: the incident exists and names the silence), expiring it lets the notification out, and an
 * acknowledgement and an assignment land in `incidents` and in `audit_log`.
 */

const id = uniqueName('itp');
const topics = notifierTopics(id);
const cliEnv = {
  KAFKA_BROKERS: kafkaBrokers().join(','),
  CLICKHOUSE_URL: clickhouseUrl(),
  CLICKHOUSE_DATABASE: id,
  ...notifierTopicEnv(id),
};

async function aiops(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['node', 'aiops', ...args], {
    env: cliEnv,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, out, err };
}

const outage = (at: number) =>
  outageAlerts({ tenants: ['acme'], models: ['claude-opus-4', 'claude-sonnet-4'], status: 'firing', at });

let hook: HttpRecorder;
let running: TestNotifier;
let executor: SqlExecutor;

beforeAll(async () => {
  hook = await HttpRecorder.start();
  const routing = {
    route: { receiver: 'hook', group_wait_ms: 3000, group_interval_ms: 1500 },
    receivers: [{ name: 'hook', type: 'webhook', url: `${hook.url}/hook` }],
  };
  const logger = createLogger({ service: 'it-people', level: process.env.TEST_LOG_LEVEL ?? 'warn' });
  running = await startTestNotifier(id, routing, logger);
  executor = running.executor;
});

afterAll(async () => {
  await running?.stop();
  await hook?.close();
});

const incidentRow = async () =>
  (
    await executor.queryRows<{
      incident_id: string;
      silenced_by: string[];
      owner: string | null;
      acknowledged_by: string | null;
    }>(`SELECT incident_id, silenced_by, owner, acknowledged_by FROM ${id}.incidents FINAL`)
  )[0];

describe('silences, acknowledgement and the audit trail', () => {
  let silenceId = '';
  let incidentId = '';

  it('refuses an anonymous action', async () => {
    const result = await aiops('silence', 'add', '--match', 'provider=anthropic', '--for', '1h');
    expect(result.code).toBe(2);
    expect(result.err.join('\n')).toContain('--by <name> is required');
  });

  it('a silence mutes the notification but not the incident; expiring it lets the notification out', async () => {
    const added = await aiops(
      'silence',
      'add',
      '--match',
      'provider=anthropic',
      '--for',
      '1h',
      '--by',
      'dana',
      '--comment',
      'provider incident',
    );
    expect(added.code).toBe(0);
    silenceId = added.out[0]!;
    const listed = await aiops('silence', 'list');
    expect(listed.out.join('\n')).toMatch(new RegExp(`${silenceId}\\s+active`));

    await produce(topics.alerts, alertMessages(outage(Date.now())));
    await waitFor(
      async () => (await incidentRow())?.silenced_by.includes(silenceId) === true,
      30_000,
      'incident muted by the silence',
    );
    incidentId = (await incidentRow())!.incident_id;
    // Several group_interval ticks (1.5 s) pass: still nothing sent.
    await new Promise((r) => setTimeout(r, 4000));
    expect(hook.requests).toHaveLength(0);

    expect((await aiops('silence', 'expire', silenceId, '--by', 'dana')).code).toBe(0);
    await hook.waitFor((r) => r.length === 1, 30_000, 'the notification after the silence expired');
    const body = hook.json<{ status: string; incident: { id: string } }>()[0]!;
    expect(body).toMatchObject({ status: 'firing', incident: { id: incidentId } });
    expect((await aiops('silence', 'list')).out.join('\n')).not.toContain(silenceId);
  });

  it('records an acknowledgement and an assignment in incidents and in audit_log', async () => {
    const open = await aiops('incidents', 'list', '--open');
    expect(open.out.join('\n')).toContain(incidentId);
    expect((await aiops('incidents', 'ack', incidentId, '--by', 'dana', '--note', 'looking')).code).toBe(0);
    await waitFor(
      async () => (await incidentRow())?.acknowledged_by === 'dana',
      30_000,
      'the ack in incidents',
    );
    expect((await incidentRow())?.owner).toBe('dana');
    expect((await aiops('incidents', 'assign', incidentId, '--to', 'erin', '--by', 'dana')).code).toBe(0);
    await waitFor(async () => (await incidentRow())?.owner === 'erin', 30_000, 'the assignment in incidents');
    const unknown = await aiops('incidents', 'ack', 'no-such-incident', '--by', 'dana');
    expect(unknown.code).toBe(1);
    expect(unknown.err.join('\n')).toContain('no incident no-such-incident');

    const audit = await executor.queryRows<{
      actor: string;
      action: string;
      target: string;
      comment: string;
    }>(`SELECT actor, action, target, comment FROM ${id}.audit_log ORDER BY at_ms`);
    expect(audit).toEqual([
      { actor: 'dana', action: 'silence.add', target: silenceId, comment: 'provider incident' },
      { actor: 'dana', action: 'silence.expire', target: silenceId, comment: '' },
      { actor: 'dana', action: 'incident.ack', target: incidentId, comment: 'looking' },
      { actor: 'dana', action: 'incident.assign', target: incidentId, comment: '' },
    ]);
  });

  it('dead-letters a malformed silence and action with the reason, and goes on', async () => {
    await produce(topics.silences, [{ key: 'bad', value: '{"silence_id":"bad","matchers":[]}' }]);
    await produce(topics.incidentActions, [{ key: incidentId, value: 'not json' }]);
    const dead = await consumeUntil(topics.dlq, (m) => m.length >= 2, 30_000);
    const reasons = dead.map((m) => [header(m, 'aiops.dlq.reason'), header(m, 'aiops.dlq.source.topic')]);
    expect(reasons).toEqual(
      expect.arrayContaining([
        ['invalid_silence', topics.silences],
        ['invalid_incident_action', topics.incidentActions],
      ]),
    );
    expect(dead).toHaveLength(2);
    const silence = dead.find((m) => header(m, 'aiops.dlq.reason') === 'invalid_silence')!;
    expect(header(silence, 'aiops.dlq.message')).toContain('matchers');
    expect(header(silence, 'aiops.dlq.service')).toBe('notifier');
    // The notifier is not stuck behind them: a valid action after them still lands.
    expect((await aiops('incidents', 'assign', incidentId, '--to', 'frank', '--by', 'dana')).code).toBe(0);
    await waitFor(
      async () => (await incidentRow())?.owner === 'frank',
      30_000,
      'the assignment after the bad records',
    );
  });
});
