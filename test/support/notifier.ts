import {
  clickhouseExecutor,
  createClickHouseClient,
  parseClickHouseConfig,
  type SqlExecutor,
} from '@aiops/clickhouse';
import { type Alert, alertCodec } from '@aiops/contract';
import type { RunningService } from '@aiops/kafka';
import type { Logger } from '@aiops/ops';
import { createPipelineMetrics } from '@aiops/ops';
import { type NotifierConfig, notifierConfigSchema, startNotifier } from '@aiops/service-notifier';
import { alertNotification } from '@aiops/testkit';
import type { Message } from 'kafkajs';
import { clickhouseUrl, kafkaBrokers } from '../setup/endpoints.js';
import { waitFor } from './pipeline.js';

/** The notifier's topics under a test's own prefix (alerts in, people's topics, DLQs, state). */
export function notifierTopics(prefix: string) {
  return {
    alerts: `${prefix}.alerts`,
    dlq: `${prefix}.dlq`,
    silences: `${prefix}.silences`,
    incidentActions: `${prefix}.actions`,
    deliveryDlq: `${prefix}.delivery-dlq`,
    notifierState: `${prefix}.notifier-state`,
    audit: `${prefix}.audit`,
  };
}

/** The same topics as the environment `aiops` commands and `aiops run notifier` read. */
export function notifierTopicEnv(prefix: string): Record<string, string> {
  const t = notifierTopics(prefix);
  return {
    TOPIC_ALERTS: t.alerts,
    TOPIC_DLQ: t.dlq,
    TOPIC_SILENCES: t.silences,
    TOPIC_INCIDENT_ACTIONS: t.incidentActions,
    TOPIC_DELIVERY_DLQ: t.deliveryDlq,
    TOPIC_NOTIFIER_STATE: t.notifierState,
    TOPIC_AUDIT: t.audit,
  };
}

export interface OutageOptions {
  readonly tenants: readonly string[];
  readonly models: readonly string[];
  readonly status: 'firing' | 'resolved';
  /** Event time of the notification (the resolve time of a resolved one). */
  readonly at: number;
  readonly startedAt?: number;
}

/**
 * An anthropic outage seen by the outage detector on one series per tenant and model (testkit builder):
 * the same alert ids for the firing and the resolved notifications.
 */
export function outageAlerts(options: OutageOptions): Alert[] {
  const startedAt = options.startedAt ?? options.at - 60_000;
  return options.tenants.flatMap((tenant) =>
    options.models.map((model, i) =>
      alertNotification({
        alert_id: `outage-${tenant}-${model}`,
        fingerprint: `fp-${tenant}-${model}`,
        tenant_id: tenant,
        detector: 'outage',
        provider: 'anthropic',
        model,
        status: options.status,
        started_at: startedAt,
        resolved_at: options.status === 'resolved' ? options.at : null,
        notified_at: options.at + i,
        summary: `anthropic/${model}: 23 of 25 calls failing`,
        evidence: { errors: '23', events: '25' },
      }),
    ),
  );
}

/** Alerts as the detector publishes them (keyed by fingerprint), here as JSON. */
export function alertMessages(alerts: readonly Alert[]): Message[] {
  return alerts.map((a) => ({ key: a.fingerprint, value: alertCodec.encode(a, 'json') }));
}

/** The in-process notifier of a test: its own topics, group and database on the real broker and server. */
export function notifierTestConfig(prefix: string, routing: Record<string, unknown>): NotifierConfig {
  return notifierConfigSchema.parse({
    kafka: { brokers: kafkaBrokers(), clientId: prefix },
    clickhouse: { url: clickhouseUrl(), database: prefix },
    topics: notifierTopics(prefix),
    groupId: `${prefix}-notifier`,
    partitions: 3,
    tickIntervalMs: 200,
    routing,
  });
}

export interface TestNotifier {
  readonly notifier: RunningService;
  /** On the test's own database. */
  readonly executor: SqlExecutor;
  /** Stops the notifier, drops the test's database, closes the client. */
  stop(): Promise<void>;
}

/** Starts the in-process notifier of a test (notifierTestConfig), ready, with a client on its database. */
export async function startTestNotifier(
  prefix: string,
  routing: Record<string, unknown>,
  logger: Logger,
): Promise<TestNotifier> {
  const notifier = await startNotifier(
    notifierTestConfig(prefix, routing),
    logger,
    createPipelineMetrics({ defaultMetrics: false }),
  );
  await waitFor(() => notifier.isReady(), 60_000, 'notifier ready');
  const client = createClickHouseClient(parseClickHouseConfig({ url: clickhouseUrl(), database: prefix }));
  const executor = clickhouseExecutor(client);
  return {
    notifier,
    executor,
    async stop() {
      await notifier.stop(10_000);
      await executor.command(`DROP DATABASE IF EXISTS ${prefix}`);
      await client.close();
    },
  };
}
