import type { SqlExecutor } from '@aiops/clickhouse';
import { alertCodec } from '@aiops/contract';
import type { Kafka } from 'kafkajs';
import { header } from '../support/kafka.js';
import type { AlertNotification, Row, RunSnapshot } from './compare.js';
import { readTopic } from './kafka.js';

/** Reads what a run left in ClickHouse and on its alerts and dead-letter topics. */

export interface EventCounts {
  final: number;
  inserted: number;
  distinctIds: number;
  idHash: string;
  contentHash: string;
}

/** Deterministic columns of `events` (not ingested_at), NULL spelled out so that it hashes. */
const EVENT_CONTENT = [
  'event_id',
  'toString(timestamp_ms)',
  'event_type',
  'tenant_id',
  'application',
  'environment',
  'provider',
  'model',
  'operation',
  'status',
  "ifNull(error_type, '')",
  "ifNull(toString(duration_ms), 'null')",
  "ifNull(toString(time_to_first_token_ms), 'null')",
  "ifNull(toString(input_tokens), 'null')",
  "ifNull(toString(output_tokens), 'null')",
  "ifNull(toString(cache_read_input_tokens), 'null')",
  "ifNull(toString(cost_usd), 'null')",
  "ifNull(cost_source, '')",
  "ifNull(user_id, '')",
  "ifNull(prompt_name, '')",
  "ifNull(prompt_version, '')",
  "ifNull(toString(feedback), 'null')",
  "arrayStringConcat(scores.name, ',')",
  "arrayStringConcat(arrayMap(x -> toString(x), scores.value), ',')",
  "arrayStringConcat(guardrail_flags, ',')",
].join(', ');

export async function eventCounts(sql: SqlExecutor, database: string): Promise<EventCounts> {
  const [final] = await sql.queryRows<Record<string, string>>(
    `SELECT count() AS n, uniqExact(event_id) AS ids, toString(sum(cityHash64(event_id))) AS id_hash,
            toString(sum(cityHash64(${EVENT_CONTENT}))) AS content_hash
     FROM ${database}.events FINAL`,
  );
  const [inserted] = await sql.queryRows<{ n: string }>(`SELECT count() AS n FROM ${database}.events`);
  return {
    final: Number(final?.n ?? 0),
    inserted: Number(inserted?.n ?? 0),
    distinctIds: Number(final?.ids ?? 0),
    idHash: final?.id_hash ?? '',
    contentHash: final?.content_hash ?? '',
  };
}

export async function countRows(sql: SqlExecutor, query: string): Promise<number> {
  const [row] = await sql.queryRows<{ n: string }>(query);
  return Number(row?.n ?? 0);
}

function windowKey(row: Row): string {
  return [
    row.tenant_id,
    row.application,
    row.environment,
    row.provider,
    row.model,
    row.operation,
    row.window_size_s,
    row.window_start,
  ].join('|');
}

export async function readSnapshot(
  sql: SqlExecutor,
  kafka: Kafka,
  database: string,
  topics: { alerts: string; dlq: string },
): Promise<RunSnapshot> {
  const events = await eventCounts(sql, database);
  // A window's rows: its latest revision, and its late corrections (each a row of its own).
  const windows = new Map<string, Row>();
  for (const table of ['window_aggregates', 'window_late_corrections']) {
    for (const row of await sql.queryRows<Row>(`SELECT * FROM ${database}.${table} FINAL`)) {
      delete row.emitted_at;
      delete row.emitted_at_ms;
      const correction = row.correction_event_id === undefined ? '' : `|${String(row.correction_event_id)}`;
      windows.set(`${windowKey(row)}${correction}`, row);
    }
  }
  const windowsInserted =
    (await countRows(sql, `SELECT count() AS n FROM ${database}.window_aggregates`)) +
    (await countRows(sql, `SELECT count() AS n FROM ${database}.window_late_corrections`));
  const windowEventTotals: Record<string, number> = {};
  for (const row of await sql.queryRows<{ size: string; n: string }>(
    `SELECT toString(window_size_s) AS size, toString(sum(events)) AS n FROM (
       SELECT window_size_s, events FROM ${database}.window_aggregates FINAL
       UNION ALL SELECT window_size_s, events FROM ${database}.window_late_corrections FINAL)
     GROUP BY window_size_s`,
  )) {
    windowEventTotals[row.size] = Number(row.n);
  }
  const alerts = new Map<string, Row>();
  for (const row of await sql.queryRows<Row>(`SELECT * FROM ${database}.alerts FINAL`)) {
    alerts.set(`${String(row.alert_id)}/${String(row.status)}`, row);
  }
  const notifications: AlertNotification[] = [];
  for (const message of await readTopic(kafka, topics.alerts)) {
    if (message.value === null) continue;
    const alert = alertCodec.decode(message.value);
    notifications.push({
      alertId: alert.alert_id,
      status: alert.status,
      severity: alert.severity,
      notifiedAt: alert.notified_at,
    });
  }
  const deadLetters: Record<string, number> = {};
  for (const message of await readTopic(kafka, topics.dlq)) {
    const reason = header(message, 'aiops.dlq.reason') ?? 'unknown';
    deadLetters[reason] = (deadLetters[reason] ?? 0) + 1;
  }
  return { events, windows, windowsInserted, windowEventTotals, alerts, notifications, deadLetters };
}
