import type { Notification } from '@aiops/incidents';
import type { HttpRequest } from '../http.js';
import { isoTime } from '../receiver.js';

const SUMMARY_MAX = 1024;
const MAX_LISTED_ALERTS = 20;

export interface PagerDutyTarget {
  readonly routing_key: string;
  readonly url: string;
  readonly source: string | undefined;
  readonly client: string;
  readonly client_url: string | undefined;
}

export type PagerDutyAction = 'trigger' | 'acknowledge' | 'resolve';

/** resolved → resolve; acknowledged and still firing → acknowledge; otherwise trigger. */
export function pagerdutyAction(notification: Notification): PagerDutyAction {
  if (notification.status === 'resolved') return 'resolve';
  return notification.incident.acknowledged_at !== null ? 'acknowledge' : 'trigger';
}

export interface PagerDutyEvent {
  routing_key: string;
  event_action: PagerDutyAction;
  dedup_key: string;
  client?: string;
  client_url?: string;
  payload?: {
    summary: string;
    source: string;
    severity: 'critical' | 'error' | 'warning' | 'info';
    timestamp: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details: Record<string, unknown>;
  };
}

/**
 * The Events API v2 event. dedup_key is the incident id, so every trigger, acknowledge and resolve of one
 * incident is one PagerDuty alert, and a retried or repeated trigger deduplicates there too.
 */
export function pagerdutyEvent(notification: Notification, target: PagerDutyTarget): PagerDutyEvent {
  const { incident } = notification;
  const action = pagerdutyAction(notification);
  const event: PagerDutyEvent = {
    routing_key: target.routing_key,
    event_action: action,
    dedup_key: incident.incident_id,
  };
  if (action !== 'trigger') return event;
  const labels = incident.group_labels;
  const source =
    target.source ??
    (Object.values(labels)
      .filter((v) => v !== '')
      .join('/') ||
      'aiops');
  event.client = target.client;
  if (target.client_url !== undefined) event.client_url = target.client_url;
  event.payload = {
    summary: incident.title.slice(0, SUMMARY_MAX),
    source,
    severity: incident.severity,
    timestamp: isoTime(incident.opened_at),
    ...(labels.provider ? { component: labels.provider } : {}),
    ...(labels.tenant_id ? { group: labels.tenant_id } : {}),
    ...(labels.detector_family ? { class: labels.detector_family } : {}),
    custom_details: {
      incident_id: incident.incident_id,
      summary: incident.summary,
      owner: incident.owner,
      firing_alerts: incident.firing_alert_ids.length,
      member_alerts: incident.member_alert_ids.length,
      silenced_by: incident.silenced_by,
      alerts: notification.alerts.slice(0, MAX_LISTED_ALERTS).map((a) => ({
        alert_id: a.alert_id,
        status: a.status,
        detector: a.detector,
        series: [a.tenant_id, a.application, a.provider, a.model, a.operation].filter(Boolean).join('/'),
        summary: a.summary,
      })),
    },
  };
  return event;
}

export function buildPagerDutyRequest(notification: Notification, target: PagerDutyTarget): HttpRequest {
  return {
    method: 'POST',
    url: target.url,
    headers: { 'content-type': 'application/json', 'user-agent': 'aiops-notifier' },
    body: JSON.stringify(pagerdutyEvent(notification, target)),
  };
}
