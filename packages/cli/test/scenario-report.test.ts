import type { Alert } from '@aiops/contract';
import { scoreScenarioAlerts } from '@aiops/detectors';
import { alertNotification } from '@aiops/testkit';
import { describe, expect, it } from 'vitest';
import {
  alertScope,
  checkTargets,
  formatAlertLine,
  formatIncidentTable,
  formatScoreTable,
} from '../src/scenarios/report.js';
import { formatProgress } from '../src/scenarios/runner.js';

const MIN = 60_000;
const T = Date.UTC(2025, 0, 6, 10);

const alert: Alert = alertNotification({
  started_at: T,
  observed: 26_600,
  expected: 4370,
  threshold: 6555,
  summary: 'P95 latency of openai/gpt-4o chat (acme/support-bot, production) is 26600 ms, 6.1× its baseline.',
});

describe('scenario and alert formatting', () => {
  it('prints an alert as one readable line: time, status, severity, detector, scope, summary', () => {
    expect(formatAlertLine(alert)).toBe(
      '2025-01-06 10:02:00  FIRING   critical latency   acme/support-bot production openai/gpt-4o chat: ' +
        'P95 latency of openai/gpt-4o chat (acme/support-bot, production) is 26600 ms, 6.1× its baseline.',
    );
    expect(alertScope({ ...alert, environment: null, provider: null, model: null, operation: null })).toBe(
      'acme/support-bot',
    );
    expect(
      alertScope({
        ...alert,
        tenant_id: null,
        application: null,
        environment: null,
        model: null,
        operation: null,
      }),
    ).toBe('openai');
  });

  it('tabulates scores and checks them against the targets', () => {
    const label = {
      id: 'latency_spike#0:latency',
      detector: 'latency',
      series: { provider: 'openai', model: 'gpt-4o' },
      startMs: T,
      endMs: T + 10 * MIN,
    };
    const score = scoreScenarioAlerts([label], [alert], { windowMs: MIN, kinds: ['latency', 'outage'] });
    const table = formatScoreTable(score);
    expect(table[0]).toMatch(/^detector +labels detected recall firing matching precision median delay/);
    expect(table.find((l) => l.startsWith('latency'))).toMatch(
      /^latency +1 +1 +1\.00 +1 +1 +1\.00 +2\.0 +2\.0$/,
    );
    expect(table.at(-1)).toMatch(/^targets: recall ≥ 0\.95, precision ≥ 0\.9, median delay ≤ 2 windows/);
    expect(checkTargets(score)).toEqual({ met: true, misses: [] });
    expect(formatIncidentTable(score)[0]).toMatch(
      /^✓ latency_spike#0:latency +10:00–10:10 +firing 10:02 \(\+2\.0 windows\), still firing$/,
    );
    const missed = scoreScenarioAlerts([label], [], { windowMs: MIN });
    expect(checkTargets(missed).misses).toEqual(['latency recall 0.00 < 0.95', 'overall recall 0.00 < 0.95']);
    expect(formatIncidentTable(missed)[0]).toMatch(/NOT detected$/);
  });

  it('summarises live counters on one line', () => {
    expect(
      formatProgress({
        produced: 12_345,
        validated: 12_000,
        deadLettered: 0,
        windows: 2_000,
        rows: { events: 11_000, window_aggregates: 1_900 },
        alertsFiring: 3,
        alertsResolved: 1,
        producedUpToMs: T,
      }),
    ).toBe(
      'event time 10:00 | events 12,345 sent, 12,000 valid, 0 dead-lettered | windows 2,000 | ' +
        'ClickHouse 11,000 events, 1,900 windows, 0 alerts | notifications 3 firing, 1 resolved',
    );
  });
});
