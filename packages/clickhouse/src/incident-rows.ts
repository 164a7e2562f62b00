import type { AuditRecord } from '@aiops/contract';
import type { Incident } from '@aiops/incidents';

/**
 * Row mappings of the alert-delivery tables (migrations 0010-0012): incidents, notifications, audit_log.
 * Same conventions as rows.ts: DateTime columns take epoch seconds, label maps are Nested columns.
 */

export const DELIVERY_TABLES = {
  incidents: 'incidents',
  notifications: 'notifications',
  auditLog: 'audit_log',
} as const;

const seconds = (ms: number): number => Math.floor(ms / 1000);
const orNull = (ms: number | null): number | null => (ms === null ? null : seconds(ms));

/** `versionMs`: when the row is written; the latest version of an incident wins under FINAL. */
export function incidentToRow(incident: Incident, versionMs: number): Record<string, unknown> {
  const groupNames = Object.keys(incident.group_labels).sort();
  const commonNames = Object.keys(incident.common_labels).sort();
  return {
    incident_id: incident.incident_id,
    group_key: incident.group_key,
    receiver: incident.route_receiver,
    status: incident.status,
    severity: incident.severity,
    title: incident.title,
    summary: incident.summary,
    'group_labels.name': groupNames,
    'group_labels.value': groupNames.map((n) => incident.group_labels[n]),
    'common_labels.name': commonNames,
    'common_labels.value': commonNames.map((n) => incident.common_labels[n]),
    member_alert_ids: incident.member_alert_ids,
    firing_alert_ids: incident.firing_alert_ids,
    silenced_by: incident.silenced_by,
    opened_at: seconds(incident.opened_at),
    opened_at_ms: incident.opened_at,
    updated_at: seconds(incident.updated_at),
    acknowledged_at: orNull(incident.acknowledged_at),
    acknowledged_by: incident.acknowledged_by,
    owner: incident.owner,
    resolved_at: orNull(incident.resolved_at),
    version: versionMs,
  };
}

/** The end of one notification's delivery to one receiver. */
export interface NotificationRecord {
  readonly notification_id: string;
  readonly incident_id: string;
  readonly receiver: string;
  readonly kind: string;
  readonly status: string;
  readonly outcome: 'delivered' | 'dead_lettered';
  readonly attempts: number;
  readonly error: string | null;
  /** Event time of the flush that made the notification. */
  readonly notified_at: number;
  /** When delivery finished (wall clock). */
  readonly sent_at: number;
}

export function notificationToRow(record: NotificationRecord): Record<string, unknown> {
  return {
    notification_id: record.notification_id,
    incident_id: record.incident_id,
    receiver: record.receiver,
    kind: record.kind,
    status: record.status,
    outcome: record.outcome,
    attempts: record.attempts,
    error: record.error,
    notified_at: seconds(record.notified_at),
    sent_at: seconds(record.sent_at),
    sent_at_ms: record.sent_at,
  };
}

/** One line of the audit trail: who (`actor`, never anonymous) did what (`action`) to what (`target`). */
export type AuditEntry = AuditRecord;

export function auditEntryToRow(entry: AuditEntry): Record<string, unknown> {
  if (entry.actor.trim() === '') throw new Error(`audit entry ${entry.audit_id} has no actor`);
  return {
    audit_id: entry.audit_id,
    at: seconds(entry.at),
    at_ms: entry.at,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    before: entry.before === null || entry.before === undefined ? '' : JSON.stringify(entry.before),
    after: entry.after === null || entry.after === undefined ? '' : JSON.stringify(entry.after),
    comment: entry.comment,
  };
}
