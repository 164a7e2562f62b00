import type { Alert, AlertSeverity } from '@aiops/contract';
import { fnv1a64 } from './hash.js';

/** The series dimensions an alert is about; null where the alert is wider than a dimension (e.g. per tenant). */
export interface AlertLabels {
  readonly tenant_id: string | null;
  readonly application: string | null;
  readonly environment: string | null;
  readonly provider: string | null;
  readonly model: string | null;
  readonly operation: string | null;
}

const LABEL_KEYS = ['tenant_id', 'application', 'environment', 'provider', 'model', 'operation'] as const;

/** A stable text key for detector + signal + labels: the identity of one alert condition. */
export function conditionKey(detector: string, signal: string, labels: AlertLabels): string {
  let key = `${detector}\u001f${signal}`;
  for (const k of LABEL_KEYS) key += `\u001f${labels[k] ?? '\u0000'}`;
  return key;
}

/** Deterministic dedup key: hash of detector + signal + series. */
export function alertFingerprint(detector: string, signal: string, labels: AlertLabels): string {
  return fnv1a64(conditionKey(detector, signal, labels));
}

/** Deterministic alert id: hash of fingerprint + start window, so a replay never creates a second alert. */
export function alertId(fingerprint: string, startedAt: number): string {
  return fnv1a64(`${fingerprint}@${startedAt}`);
}

const SEVERITY_RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };

export function severityRank(severity: AlertSeverity): number {
  return SEVERITY_RANK[severity];
}

export function labelsOf(alert: Alert): AlertLabels {
  return {
    tenant_id: alert.tenant_id,
    application: alert.application,
    environment: alert.environment,
    provider: alert.provider,
    model: alert.model,
    operation: alert.operation,
  };
}
