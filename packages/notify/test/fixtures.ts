import type { Incident, Notification } from '@aiops/incidents';
import { alertNotification } from '@aiops/testkit';

export const T0 = Date.UTC(2026, 11, 6, 3, 0, 0);

/** An incident of acme's anthropic outage with two firing series, as the engine would flush it. */
export function notification(
  overrides: Partial<Notification> = {},
  incident: Partial<Incident> = {},
): Notification {
  const alerts = ['claude-opus-4', 'claude-sonnet-4'].map((model, i) =>
    alertNotification({
      alert_id: `a${i + 1}`,
      fingerprint: `f${i + 1}`,
      detector: 'outage',
      provider: 'anthropic',
      model,
      started_at: T0,
      notified_at: T0 + 60_000,
      summary: `anthropic/${model} failing`,
      evidence: { error_ratio: '0.92' },
    }),
  );
  return {
    notification_id: 'n-1',
    receiver: 'oncall',
    group_key: '{}:{detector_family="availability",provider="anthropic",tenant_id="acme"}',
    kind: 'opened',
    status: 'firing',
    at: T0 + 90_000,
    alerts,
    ...overrides,
    incident: {
      incident_id: 'inc-1',
      group_key: '{}:{detector_family="availability",provider="anthropic",tenant_id="acme"}',
      route_receiver: 'oncall',
      status: 'firing',
      severity: 'critical',
      title: 'anthropic looks down for acme: 2 series, 92 % of calls failing',
      summary: 'anthropic looks down for acme\n- [critical] anthropic/claude-opus-4',
      group_labels: { tenant_id: 'acme', provider: 'anthropic', detector_family: 'availability' },
      common_labels: { tenant_id: 'acme', provider: 'anthropic', detector: 'outage' },
      member_alert_ids: ['a1', 'a2'],
      firing_alert_ids: ['a1', 'a2'],
      opened_at: T0 + 60_000,
      updated_at: T0 + 90_000,
      acknowledged_at: null,
      acknowledged_by: null,
      owner: null,
      resolved_at: null,
      silenced_by: [],
      ...incident,
    },
  };
}
