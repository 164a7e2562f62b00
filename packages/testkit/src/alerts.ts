import type { Alert } from '@aiops/contract';
import { DEFAULT_SERIES } from './series.js';

/**
 * A complete firing alert notification (a latency alert of DEFAULT_SERIES) with `overrides` applied:
 * tests state only the fields they are about.
 */
export function alertNotification(overrides: Partial<Alert> = {}): Alert {
  const startedAt = overrides.started_at ?? Date.UTC(2026, 10, 20, 12, 0, 0);
  return {
    alert_id: 'a1',
    fingerprint: 'f1',
    status: 'firing',
    severity: 'critical',
    detector: 'latency',
    ...DEFAULT_SERIES,
    window_start: startedAt + 60_000,
    window_end: startedAt + 120_000,
    observed: 1,
    expected: 0,
    threshold: 0,
    score: 1,
    started_at: startedAt,
    resolved_at: null,
    summary: 'slow',
    evidence: {},
    notified_at: startedAt + 120_000,
    ...overrides,
  };
}
