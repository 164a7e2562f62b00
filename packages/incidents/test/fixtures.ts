import type { Alert } from '@aiops/contract';
import { alertNotification } from '@aiops/testkit';
import { type IncidentsConfig, type IncidentsConfigInput, incidentsConfigSchema } from '../src/index.js';

export const T0 = Date.UTC(2026, 11, 6, 3, 0, 0);
export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;

export function config(input: IncidentsConfigInput): IncidentsConfig {
  return incidentsConfigSchema.parse(input);
}

/** An alert of tenant `tenant` on provider anthropic, model `model`: outage by default, 23 of 25 calls failing. */
export function seriesAlert(model: string, overrides: Partial<Alert> = {}): Alert {
  const tenant = overrides.tenant_id ?? 'acme';
  const detector = overrides.detector ?? 'outage';
  const startedAt = overrides.started_at ?? T0 - MIN;
  return alertNotification({
    alert_id: `${detector}-${tenant}-${model}-${startedAt}`,
    fingerprint: `${detector}-${tenant}-${model}`,
    detector,
    tenant_id: tenant,
    application: 'support-bot',
    environment: 'production',
    provider: 'anthropic',
    model,
    operation: 'chat',
    started_at: startedAt,
    window_start: startedAt,
    window_end: startedAt + MIN,
    observed: 0.92,
    expected: 0.01,
    threshold: 0.5,
    severity: 'critical',
    summary: `anthropic/${model} chat (${tenant}/support-bot, production) looks down: 92% of its 25 calls failed.`,
    evidence: { errors: '23', events: '25', error_ratio: '0.92' },
    notified_at: T0,
    ...overrides,
  });
}

/** The resolved notification of an alert, at event time `at`. */
export function resolvedAt(alert: Alert, at: number): Alert {
  return { ...alert, status: 'resolved', resolved_at: at, notified_at: at, evidence: {} };
}
