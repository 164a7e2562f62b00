import { randomUUID } from 'node:crypto';
import {
  type AuditEntry,
  auditEntryToRow,
  type ClickHouseConfig,
  clickhouseConfigFromEnv,
  clickhouseExecutor,
  createClickHouseClient,
  DELIVERY_TABLES,
  type SqlExecutor,
} from '@aiops/clickhouse';
import { errorMessage } from '@aiops/core';
import {
  createKafka,
  ensureTopics,
  kafkaConfigFromEnv,
  kafkaConfigSchema,
  type PipelineTopics,
  pipelineTopicsSchema,
  topicsFromEnv,
} from '@aiops/kafka';
import { createLogger } from '@aiops/ops';
import { notifierTopicSpecs } from '@aiops/service-notifier';
import type { Kafka } from 'kafkajs';
import { CliError, EXIT } from './command.js';

/**
 * What the people commands (`aiops silence`, `aiops incidents`) share: the Kafka topics their records go
 * to, the ClickHouse tables they read and the audit trail every action writes. `--by` is required by each
 * command: no anonymous action.
 */
export interface PeopleConnections {
  readonly kafka: Kafka;
  readonly topics: PipelineTopics;
  readonly clickhouse: ClickHouseConfig;
  readonly executor: SqlExecutor;
  close(): Promise<void>;
}

export async function connect(
  env: Readonly<Record<string, string | undefined>>,
  role: string,
): Promise<PeopleConnections> {
  const logger = createLogger({ service: `aiops-${role}`, level: 'error', destination: process.stderr });
  const kafka = createKafka(
    kafkaConfigSchema.parse(kafkaConfigFromEnv(env as NodeJS.ProcessEnv, `aiops-${role}`)),
    logger,
  );
  const topics = pipelineTopicsSchema.parse(topicsFromEnv(env as NodeJS.ProcessEnv));
  const clickhouse = clickhouseConfigFromEnv(env);
  const client = createClickHouseClient(clickhouse);
  return { kafka, topics, clickhouse, executor: clickhouseExecutor(client), close: () => client.close() };
}

/** A non-empty `--by`, trimmed. */
export function actor(by: string | undefined): string {
  const name = by?.trim() ?? '';
  if (name === '')
    throw new CliError('--by <name> is required: every action is recorded with who did it', EXIT.usage);
  return name;
}

/** Publishes one JSON record (acks from all replicas) to a people topic, creating the topics if missing. */
export async function publish(
  connections: PeopleConnections,
  topic: string,
  key: string,
  value: unknown,
): Promise<void> {
  const partitions = Number(process.env.TOPIC_PARTITIONS ?? 6);
  await ensureTopics(connections.kafka, notifierTopicSpecs(connections.topics, partitions));
  const producer = connections.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key, value: JSON.stringify(value) }] });
  } finally {
    await producer.disconnect();
  }
}

/** Appends to audit_log; a missing table says how to create it. */
export async function audit(
  connections: PeopleConnections,
  entry: Omit<AuditEntry, 'audit_id'>,
): Promise<void> {
  const table = `${connections.clickhouse.database}.${DELIVERY_TABLES.auditLog}`;
  try {
    await connections.executor.insertRows(table, [auditEntryToRow({ audit_id: randomUUID(), ...entry })]);
  } catch (error) {
    throw new CliError(
      `the action was published but could not be written to ${table}: ${errorMessage(error)} (run \`aiops migrate\` if the table is missing)`,
    );
  }
}

export function newId(): string {
  return randomUUID();
}

/** Fixed-width columns for a terminal. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
  );
}
