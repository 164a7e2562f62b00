import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildPagerDutyRequest,
  buildSlackRequest,
  buildWebhookRequest,
  cloudEventRecord,
  type PagerDutyTarget,
  receiverListSchema,
  resolveSecret,
  ZERO_TIME,
} from '../src/index.js';
import { notification, T0 } from './fixtures.js';

const webhookTarget = {
  webhook_url: 'http://hooks.local/in',
  hmac_key: null,
  signature_header: 'X-Aiops-Signature',
  external_url: 'https://aiops.example',
};
const pdTarget: PagerDutyTarget = {
  routing_key: 'R0UTINGKEY',
  url: 'http://pd.local/v2/enqueue',
  source: undefined,
  client: 'aiops',
  client_url: undefined,
};

describe('webhook: Alertmanager webhook v4 payload', () => {
  it('has every documented field, one entry per member alert', () => {
    const request = buildWebhookRequest(notification(), webhookTarget);
    expect(request).toMatchObject({ method: 'POST', url: 'http://hooks.local/in' });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toBe('n-1');
    const body = JSON.parse(request.body);
    expect(body).toMatchObject({
      version: '4',
      groupKey: '{}:{detector_family="availability",provider="anthropic",tenant_id="acme"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'oncall',
      groupLabels: { tenant_id: 'acme', provider: 'anthropic', detector_family: 'availability' },
      commonAnnotations: { error_ratio: '0.92', expected: '0', observed: '1', threshold: '0' },
      externalURL: 'https://aiops.example',
      incident: { id: 'inc-1', kind: 'opened', owner: null, notification_id: 'n-1' },
    });
    // Every label the two alerts share (they differ only in model), computed over the payload's alerts.
    expect(body.commonLabels).toEqual({
      tenant_id: 'acme',
      application: 'support-bot',
      environment: 'production',
      provider: 'anthropic',
      operation: 'chat',
      detector: 'outage',
      alertname: 'outage',
      detector_family: 'availability',
      severity: 'critical',
    });
    expect(body.alerts).toHaveLength(2);
    expect(body.alerts[0]).toEqual({
      status: 'firing',
      labels: {
        tenant_id: 'acme',
        application: 'support-bot',
        environment: 'production',
        provider: 'anthropic',
        model: 'claude-opus-4',
        operation: 'chat',
        detector: 'outage',
        alertname: 'outage',
        detector_family: 'availability',
        severity: 'critical',
      },
      annotations: {
        summary: 'anthropic/claude-opus-4 failing',
        observed: '1',
        expected: '0',
        threshold: '0',
        error_ratio: '0.92',
      },
      startsAt: new Date(T0).toISOString(),
      endsAt: ZERO_TIME,
      generatorURL: 'https://aiops.example/alerts/a1',
      fingerprint: 'f1',
    });
  });

  it('computes commonLabels over the alerts in the payload, not over every member of the incident', () => {
    // The incident also has a muted member on another model and detector: its common_labels are narrower.
    const n = notification({}, { common_labels: { tenant_id: 'acme', provider: 'anthropic' } });
    n.alerts = n.alerts.slice(0, 1);
    const body = JSON.parse(buildWebhookRequest(n, webhookTarget).body);
    expect(body.commonLabels).toEqual(body.alerts[0].labels);
    expect(body.commonLabels.model).toBe('claude-opus-4');
  });

  it('gives a resolved alert its end time', () => {
    const n = notification({ kind: 'resolved', status: 'resolved' });
    n.alerts = n.alerts.map((a) => ({ ...a, status: 'resolved' as const, resolved_at: T0 + 600_000 }));
    const body = JSON.parse(buildWebhookRequest(n, webhookTarget).body);
    expect(body.status).toBe('resolved');
    expect(body.alerts[1].endsAt).toBe(new Date(T0 + 600_000).toISOString());
  });

  it('signs the exact body with HMAC-SHA256 when a key is set', () => {
    const request = buildWebhookRequest(notification(), { ...webhookTarget, hmac_key: 'k3y' });
    const expected = createHmac('sha256', 'k3y').update(request.body).digest('hex');
    expect(request.headers['x-aiops-signature']).toBe(`sha256=${expected}`);
  });

  it('is byte-for-byte deterministic', () => {
    expect(buildWebhookRequest(notification(), webhookTarget)).toEqual(
      buildWebhookRequest(notification(), webhookTarget),
    );
  });
});

describe('slack: incoming webhook text + blocks', () => {
  it('says firing in the fallback text and the header, and lists the facts', () => {
    const body = JSON.parse(
      buildSlackRequest(notification(), 'https://hooks.slack.com/services/T/B/X', '').body,
    );
    expect(body.text).toBe('[FIRING] anthropic looks down for acme: 2 series, 92 % of calls failing');
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: body.text } });
    expect(body.blocks[1]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
    expect(body.blocks[2].text.text).toContain('*owner* nobody yet');
    expect(body.blocks.map((b: { type: string }) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'context',
    ]);
  });

  it('sends resolved explicitly, with the owner who acknowledged it', () => {
    const n = notification(
      { kind: 'resolved', status: 'resolved' },
      {
        status: 'resolved',
        resolved_at: T0 + 600_000,
        owner: 'dana',
        acknowledged_by: 'dana',
        acknowledged_at: T0 + 120_000,
      },
    );
    const body = JSON.parse(buildSlackRequest(n, 'https://hooks.slack.com/services/T/B/X', '').body);
    expect(body.text.startsWith('[RESOLVED] ')).toBe(true);
    expect(body.blocks[2].text.text).toContain('*owner* dana');
    expect(body.blocks[2].text.text).toContain('*acknowledged by* dana');
  });

  it('escapes mrkdwn control characters in text from alerts', () => {
    const body = JSON.parse(
      buildSlackRequest(notification({}, { summary: 'a <b> & c' }), 'https://x', '').body,
    );
    expect(body.blocks[1].text.text).toBe('a &lt;b&gt; &amp; c');
  });
});

describe('pagerduty: Events API v2', () => {
  it('triggers with dedup_key = incident id and the documented payload fields', () => {
    const request = buildPagerDutyRequest(notification(), pdTarget);
    expect(request.url).toBe('http://pd.local/v2/enqueue');
    const body = JSON.parse(request.body);
    expect(body).toMatchObject({
      routing_key: 'R0UTINGKEY',
      event_action: 'trigger',
      dedup_key: 'inc-1',
      client: 'aiops',
      payload: {
        summary: 'anthropic looks down for acme: 2 series, 92 % of calls failing',
        source: 'acme/anthropic/availability',
        severity: 'critical',
        timestamp: new Date(T0 + 60_000).toISOString(),
        component: 'anthropic',
        group: 'acme',
        class: 'availability',
      },
    });
    expect(body.payload.custom_details).toMatchObject({ incident_id: 'inc-1', firing_alerts: 2 });
    expect(body.payload.custom_details.alerts[0]).toMatchObject({
      alert_id: 'a1',
      series: 'acme/support-bot/anthropic/claude-opus-4/chat',
    });
  });

  it('acknowledges an acknowledged incident and resolves a resolved one, same dedup_key', () => {
    const acked = JSON.parse(
      buildPagerDutyRequest(
        notification({ kind: 'updated' }, { acknowledged_at: T0, acknowledged_by: 'dana' }),
        pdTarget,
      ).body,
    );
    expect(acked).toEqual({ routing_key: 'R0UTINGKEY', event_action: 'acknowledge', dedup_key: 'inc-1' });
    const resolved = JSON.parse(
      buildPagerDutyRequest(notification({ kind: 'resolved', status: 'resolved' }), pdTarget).body,
    );
    expect(resolved).toEqual({ routing_key: 'R0UTINGKEY', event_action: 'resolve', dedup_key: 'inc-1' });
  });

  it('maps every severity onto one PagerDuty accepts', () => {
    for (const severity of ['info', 'warning', 'critical'] as const) {
      const body = JSON.parse(buildPagerDutyRequest(notification({}, { severity }), pdTarget).body);
      expect(['critical', 'error', 'warning', 'info']).toContain(body.payload.severity);
    }
  });
});

describe('cloudevents: Kafka binary content mode', () => {
  it('puts the attributes in ce_ headers, the data in the value and the incident id in the key', () => {
    const record = cloudEventRecord(notification(), {
      source: '/aiops/notifier',
      type_prefix: 'io.aiops.incident',
    });
    expect(record.key).toBe('inc-1');
    expect(record.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: 'n-1',
      ce_source: '/aiops/notifier',
      ce_type: 'io.aiops.incident.opened',
      ce_time: new Date(T0 + 90_000).toISOString(),
      ce_subject: 'inc-1',
      'content-type': 'application/json',
    });
    const data = JSON.parse(record.value);
    expect(data).toMatchObject({
      notification_id: 'n-1',
      kind: 'opened',
      incident: { incident_id: 'inc-1' },
    });
    expect(data.alerts).toHaveLength(2);
  });
});

describe('receiver config', () => {
  it('applies defaults (Slack: one message a second) and refuses unknown keys and duplicates', () => {
    const parsed = receiverListSchema.parse([
      { name: 'chat', type: 'slack', webhook_url: { env: 'SLACK_URL' } },
      { name: 'pager', type: 'pagerduty', routing_key: { file: '/run/secrets/pd' } },
    ]);
    expect(parsed[0]).toMatchObject({ min_interval_ms: 1000, max_delivery_ms: 300_000 });
    expect(parsed[1]).toMatchObject({ url: 'https://events.pagerduty.com/v2/enqueue', min_interval_ms: 0 });
    const bad = receiverListSchema.safeParse([
      { name: 'x', type: 'slack', webhook_url: 'https://hooks.slack.com/x' },
    ]);
    expect(bad.success).toBe(false);
    const twice = receiverListSchema.safeParse([
      { name: 'x', type: 'webhook', url: 'http://a' },
      { name: 'x', type: 'webhook', url: 'http://b' },
    ]);
    expect(twice.error?.issues[0]?.message).toBe('receiver x is defined twice');
  });

  it('reads secrets from the environment, naming the variable (not the value) when missing', () => {
    expect(resolveSecret({ env: 'PD_KEY' }, 'receiver pager routing_key', { PD_KEY: 'abc' })).toBe('abc');
    expect(() => resolveSecret({ env: 'PD_KEY' }, 'receiver pager routing_key', {})).toThrow(
      'receiver pager routing_key: environment variable PD_KEY is not set',
    );
  });
});
