import type { AuditEntry } from '@aiops/clickhouse';
import { alertCodec } from '@aiops/contract';
import { type Incident, IncidentEngine, incidentsConfigSchema, type Silence } from '@aiops/incidents';
import { DLQ_HEADERS, type InputBatch, type TransactionQueue, type TransactionWork } from '@aiops/kafka';
import { createLogger, createPipelineMetrics } from '@aiops/ops';
import { alertNotification } from '@aiops/testkit';
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  createNotifierCore,
  type DeliveryEnvironment,
  type NotifierTopics,
  notifierMetrics,
  type Receiver,
} from '../src/index.js';
import { T0 } from './fixtures.js';

/**
 * The notifier's decisions between its topics and its receivers, with the transaction queue and the row
 * writers recorded: what each step makes durable. (The same core against the real broker, ClickHouse and HTTP
 * receivers: test/integration/notifier*.test.ts.)
 */

const topics: NotifierTopics = {
  alerts: 't.alerts',
  silences: 't.silences',
  incidentActions: 't.actions',
  audit: 't.audit',
  notifierState: 't.state',
  deliveryDlq: 't.delivery-dlq',
  dlq: 't.dlq',
};

function recordingQueue(): TransactionQueue & { works: TransactionWork[] } {
  const works: TransactionWork[] = [];
  return {
    works,
    async publish(work) {
      works.push(work);
    },
    async settled() {},
  };
}

const immediate: DeliveryEnvironment = { now: () => T0, sleep: async () => undefined, random: () => 0.5 };

function setup() {
  const transactions = recordingQueue();
  const incidentRows: Incident[][] = [];
  const delivered: string[] = [];
  const auditRows: AuditEntry[] = [];
  const hook: Receiver = {
    name: 'hook',
    type: 'webhook',
    settings: { timeoutMs: 1000, maxDeliveryMs: 1000, backoffBaseMs: 1, backoffMaxMs: 1, minIntervalMs: 0 },
    async attempt(n) {
      delivered.push(n.notification_id);
      return { kind: 'delivered' };
    },
  };
  const config = incidentsConfigSchema.parse({ route: { receiver: 'hook', group_wait_ms: 30_000 } });
  const metrics = createPipelineMetrics({ defaultMetrics: false });
  const core = createNotifierCore({
    service: 'notifier',
    groupId: 'g',
    topics,
    clock: 'wall',
    transactions,
    restore: async () => ({ engine: new IncidentEngine(config), pending: [], records: 0 }),
    receivers: [hook],
    deliveryEnvironment: immediate,
    incidentRows: { write: async (rows) => void incidentRows.push(rows) },
    notificationRows: { write: async () => undefined },
    auditRows: { write: async (rows) => void auditRows.push(...rows) },
    logger: createLogger({ service: 'test', level: 'silent' }),
    metrics,
    notifierMetrics: notifierMetrics(metrics.registry),
    wallClock: () => T0,
  });
  return { core, transactions, incidentRows, delivered, metrics, auditRows };
}

function message(offset: number, value: Buffer | string | null): KafkaMessage {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return {
    key: null,
    value: bytes,
    timestamp: String(T0),
    attributes: 0,
    offset: String(offset),
    headers: {},
  };
}

const batch = (topic: string, messages: KafkaMessage[]): InputBatch => ({
  topic,
  partition: 0,
  messages,
  highWatermark: String(messages.length),
  nextOffset: String(Number(messages[messages.length - 1]?.offset ?? -1) + 1),
});

const silence: Silence = {
  silence_id: 's1',
  matchers: [{ name: 'provider', op: '=', value: 'anthropic' }],
  starts_at: T0 - 60_000,
  ends_at: T0 + 3_600_000,
  created_by: 'dana',
  comment: 'provider incident',
  created_at: T0 - 60_000,
  expired_at: null,
  expired_by: null,
};

const alert = alertNotification({
  alert_id: 'a1',
  fingerprint: 'f1',
  detector: 'outage',
  provider: 'anthropic',
  model: 'claude-opus-4',
  started_at: T0 - 60_000,
  notified_at: T0,
});

const header = (m: { headers?: unknown }, name: string) =>
  String((m.headers as Record<string, Buffer | string>)[name]);

describe('createNotifierCore', () => {
  it('dead-letters malformed silences and actions with the reason, counts them, and commits past them', async () => {
    const { core, transactions, metrics } = setup();
    await core.handler.onAssigned?.([]);
    const silences = batch(topics.silences, [
      message(0, 'not json'),
      message(1, JSON.stringify({ ...silence, matchers: [] })),
      message(2, JSON.stringify(silence)),
      message(3, null),
    ]);
    await (await core.handler.handleBatch(silences, async () => undefined)).durable;
    const actions = batch(topics.incidentActions, [message(0, JSON.stringify({ kind: 'ack', by: 'dana' }))]);
    await (await core.handler.handleBatch(actions, async () => undefined)).durable;

    const [first, second] = transactions.works;
    const dlq = (w: TransactionWork | undefined) =>
      w?.messages.find((t) => t.topic === topics.dlq)?.messages ?? [];
    expect(
      dlq(first).map((m) => [header(m, DLQ_HEADERS.reason), header(m, DLQ_HEADERS.sourceOffset)]),
    ).toEqual([
      ['invalid_silence', '0'],
      ['invalid_silence', '1'],
    ]);
    expect(header(dlq(first)[1]!, DLQ_HEADERS.message)).toContain('a silence needs at least one matcher');
    expect(String(dlq(first)[0]!.value)).toBe('not json');
    expect(header(dlq(first)[0]!, DLQ_HEADERS.message)).toMatch(/^not JSON: /);
    expect(first?.offsets).toEqual([
      { consumerGroupId: 'g', topic: topics.silences, partition: 0, offset: '4' },
    ]);
    // The valid silence is state: its changelog entry is in the same transaction.
    const state = first?.messages.find((t) => t.topic === topics.notifierState)?.messages ?? [];
    expect(state.map((m) => String(m.key))).toContain('g/engine/silence/s1');
    expect(dlq(second).map((m) => header(m, DLQ_HEADERS.reason))).toEqual(['invalid_incident_action']);
    expect(header(dlq(second)[0]!, DLQ_HEADERS.sourceTopic)).toBe(topics.incidentActions);

    const counted = (await metrics.deadLettered.get()).values.map((v) => [v.labels.reason, v.value]);
    expect(counted).toEqual(
      expect.arrayContaining([
        ['invalid_silence', 2],
        ['invalid_incident_action', 1],
      ]),
    );
  });

  it('stores audit records in audit_log before committing past them; a malformed one is dead-lettered', async () => {
    const { core, transactions, auditRows } = setup();
    await core.handler.onAssigned?.([]);
    const record = {
      audit_id: 'rules.change/g/none/sha256:b',
      at: T0,
      actor: 'dana',
      action: 'rules.change',
      target: 'detector/g',
      before: null,
      after: { hash: 'sha256:b', changes: ['+ latency.z_threshold = 5'] },
      comment: '1 rule setting(s) changed',
    };
    const audit = batch(topics.audit, [
      message(0, JSON.stringify(record)),
      message(1, JSON.stringify({ ...record, actor: ' ' })),
    ]);
    await (await core.handler.handleBatch(audit, async () => undefined)).durable;
    expect(auditRows).toEqual([record]);
    const work = transactions.works[0]!;
    const dlq = work.messages.find((t) => t.topic === topics.dlq)?.messages ?? [];
    expect(dlq.map((m) => header(m, DLQ_HEADERS.reason))).toEqual(['invalid_audit_record']);
    expect(header(dlq[0]!, DLQ_HEADERS.message)).toContain('an audit record needs an actor');
    expect(work.offsets).toEqual([{ consumerGroupId: 'g', topic: topics.audit, partition: 0, offset: '2' }]);
  });

  it('a tick that notifies nobody still commits the incident it changed; a tick that changed nothing, nothing', async () => {
    const { core, transactions, incidentRows, delivered } = setup();
    await core.handler.onAssigned?.([]);
    await (
      await core.handler.handleBatch(
        batch(topics.silences, [message(0, JSON.stringify(silence))]),
        async () => undefined,
      )
    ).durable;
    await (
      await core.handler.handleBatch(
        batch(topics.alerts, [message(0, alertCodec.encode(alert))]),
        async () => undefined,
      )
    ).durable;
    const before = transactions.works.length;
    const rowsBefore = incidentRows.length;

    // group_wait is over: the flush is muted by the silence, so no notification, but the incident changed.
    await (await core.handler.onTick?.(T0 + 31_000))?.durable;
    const tick = transactions.works[before]!;
    const state = tick.messages.find((t) => t.topic === topics.notifierState)?.messages ?? [];
    expect(state.length).toBeGreaterThan(0);
    expect(state.some((m) => String(m.key).startsWith('g/delivery/'))).toBe(false);
    expect(tick.offsets).toEqual([]);
    expect(incidentRows.length).toBe(rowsBefore + 1);
    expect(incidentRows.at(-1)?.[0]?.silenced_by).toEqual(['s1']);

    // Nothing changed since (not even the clock, which a later tick moves and so commits): the work is
    // empty, and the queue publishes no transaction for it.
    await (await core.handler.onTick?.(T0 + 31_000))?.durable;
    expect(transactions.works[before + 1]!.messages.every((t) => t.messages.length === 0)).toBe(true);
    expect(delivered).toEqual([]);
  });
});
