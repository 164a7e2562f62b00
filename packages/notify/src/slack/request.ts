import type { Notification } from '@aiops/incidents';
import type { HttpRequest } from '../http.js';
import { isoTime } from '../receiver.js';

const HEADER_MAX = 150;
const SECTION_MAX = 3000;

const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/** Slack mrkdwn needs &, < and > escaped in user text. */
const escapeMrkdwn = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const PREFIX: Record<Notification['kind'], string> = {
  opened: 'FIRING',
  updated: 'FIRING (updated)',
  repeat: 'STILL FIRING',
  resolved: 'RESOLVED',
};

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

/** `text` is the fallback notifications and screen readers show; `blocks` the message itself. */
export function slackMessage(notification: Notification, externalUrl: string): SlackMessage {
  const { incident } = notification;
  const headline = `[${PREFIX[notification.kind]}] ${incident.title}`;
  const facts = [
    `*severity* ${incident.severity}`,
    `*incident* \`${incident.incident_id}\``,
    `*alerts* ${incident.firing_alert_ids.length} firing of ${incident.member_alert_ids.length}`,
    `*owner* ${incident.owner ?? 'nobody yet'}`,
  ];
  if (incident.acknowledged_by !== null) facts.push(`*acknowledged by* ${incident.acknowledged_by}`);
  if (notification.status === 'resolved' && incident.resolved_at !== null)
    facts.push(`*resolved at* ${isoTime(incident.resolved_at)}`);
  const context = [`opened ${isoTime(incident.opened_at)}`];
  if (externalUrl !== '')
    context.push(`<${externalUrl.replace(/\/+$/, '')}/incidents/${incident.incident_id}|details>`);
  return {
    text: clip(headline, SECTION_MAX),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(headline, HEADER_MAX) } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(escapeMrkdwn(incident.summary), SECTION_MAX) } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(facts.join('   '), SECTION_MAX) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] },
    ],
  };
}

export function buildSlackRequest(
  notification: Notification,
  webhookUrl: string,
  externalUrl: string,
): HttpRequest {
  return {
    method: 'POST',
    url: webhookUrl,
    headers: { 'content-type': 'application/json', 'user-agent': 'aiops-notifier' },
    body: JSON.stringify(slackMessage(notification, externalUrl)),
  };
}
