import { createHmac } from 'node:crypto';
import type { Alert } from '@aiops/contract';
import { alertLabels, type Notification } from '@aiops/incidents';
import type { HttpRequest } from '../http.js';
import { isoTime } from '../receiver.js';

/** Alertmanager's endsAt of an alert that has not resolved: the zero time of Go. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface WebhookTarget {
  readonly webhook_url: string;
  readonly hmac_key: string | null;
  readonly signature_header: string;
  readonly external_url: string;
}

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** The Alertmanager webhook v4 body, plus an `incident` object (extra keys are ignored by v4 readers). */
export interface WebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
  incident: {
    id: string;
    kind: Notification['kind'];
    title: string;
    summary: string;
    severity: string;
    owner: string | null;
    acknowledged_by: string | null;
    silenced_by: string[];
    notification_id: string;
  };
}

function annotationsOf(alert: Alert): Record<string, string> {
  return {
    summary: alert.summary,
    observed: String(alert.observed),
    expected: String(alert.expected),
    threshold: String(alert.threshold),
    ...alert.evidence,
  };
}

/** The key/value pairs every one of `sets` has with the same value. */
function common(sets: readonly Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = sets;
  if (first === undefined) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(first))
    if (rest.every((set) => set[key] === value)) out[key] = value;
  return out;
}

export function webhookPayload(notification: Notification, externalUrl: string): WebhookPayload {
  const { incident } = notification;
  const base = externalUrl.replace(/\/+$/, '');
  const alerts = notification.alerts.map(
    (alert): WebhookAlert => ({
      status: alert.status,
      labels: { ...alertLabels(alert) },
      annotations: annotationsOf(alert),
      startsAt: isoTime(alert.started_at),
      endsAt: alert.resolved_at === null ? ZERO_TIME : isoTime(alert.resolved_at),
      generatorURL: base === '' ? '' : `${base}/alerts/${encodeURIComponent(alert.alert_id)}`,
      fingerprint: alert.fingerprint,
    }),
  );
  return {
    version: '4',
    groupKey: notification.group_key,
    truncatedAlerts: 0,
    status: notification.status,
    receiver: notification.receiver,
    groupLabels: incident.group_labels,
    // Over the alerts in this payload (Alertmanager's), not the incident's members: a muted or
    // another tenant's member is not in the payload and must not narrow or leak into its labels.
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: externalUrl,
    alerts,
    incident: {
      id: incident.incident_id,
      kind: notification.kind,
      title: incident.title,
      summary: incident.summary,
      severity: incident.severity,
      owner: incident.owner,
      acknowledged_by: incident.acknowledged_by,
      silenced_by: incident.silenced_by,
      notification_id: notification.notification_id,
    },
  };
}

/** `sha256=<hex>`: HMAC-SHA256 of the exact body bytes with the shared key (GitHub's convention). */
export function signBody(body: string, key: string): string {
  return `sha256=${createHmac('sha256', key).update(body, 'utf8').digest('hex')}`;
}

/** Pure: the notification as the POST the receiver gets. `Idempotency-Key` lets a receiver drop a repeat. */
export function buildWebhookRequest(notification: Notification, target: WebhookTarget): HttpRequest {
  const body = JSON.stringify(webhookPayload(notification, target.external_url));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'aiops-notifier',
    'idempotency-key': notification.notification_id,
  };
  if (target.hmac_key !== null)
    headers[target.signature_header.toLowerCase()] = signBody(body, target.hmac_key);
  return { method: 'POST', url: target.webhook_url, headers, body };
}
