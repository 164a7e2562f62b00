import { type Alert, seriesMatchesFilter } from '@aiops/contract';
import { alertNotification } from '@aiops/testkit';
import { describe, expect, it } from 'vitest';
import {
  alertKind,
  median,
  mergeScenarioScores,
  type ScenarioLabel,
  scoreScenarioAlerts,
} from '../src/index.js';

const MIN = 60_000;
const T = Date.UTC(2025, 0, 6, 10);

/** A firing latency alert of acme/support-bot openai/gpt-4o chat that started at T. */
const alert = (fields: Partial<Alert>): Alert => alertNotification({ started_at: T, ...fields });

const latencyLabel: ScenarioLabel = {
  id: 'latency_spike#0:latency',
  detector: 'latency',
  series: { provider: 'openai', model: 'gpt-4o' },
  startMs: T,
  endMs: T + 10 * MIN,
};

describe('scenario scoring', () => {
  it('maps alert detectors to label kinds', () => {
    expect(alertKind(alert({ detector: 'errors' }))).toBe('error_rate');
    expect(alertKind(alert({ detector: 'outage' }))).toBe('outage');
    expect(alertKind(alert({ detector: 'quality' }))).toBe('quality');
  });

  it('matches an alert to a label with the contract filter: dimensions present on both sides must agree', () => {
    expect(seriesMatchesFilter({ provider: 'openai' }, alert({}))).toBe(true);
    expect(seriesMatchesFilter({ provider: 'anthropic' }, alert({}))).toBe(false);
    // a tenant/application-level alert (other dimensions null) matches an application label
    expect(
      seriesMatchesFilter(
        { tenant_id: 'acme', application: 'support-bot', environment: 'production' },
        alert({ environment: null, provider: null, model: null, operation: null }),
      ),
    ).toBe(true);
  });

  it('scores recall, precision and delay per kind, counting each alert id once', () => {
    const alerts = [
      alert({}),
      // a repeat of the same alert id does not count twice
      alert({ notified_at: T + 30 * MIN, window_end: T + 30 * MIN }),
      alert({ status: 'resolved', resolved_at: T + 12 * MIN, notified_at: T + 17 * MIN }),
      // same kind, other series: a false positive
      alert({ alert_id: 'a2', provider: 'anthropic', model: 'claude-sonnet-4', summary: 'other' }),
      // right series, but long after the label (+ grace): a false positive
      alert({
        alert_id: 'a3',
        started_at: T + 40 * MIN,
        window_end: T + 42 * MIN,
        notified_at: T + 42 * MIN,
      }),
    ];
    const score = scoreScenarioAlerts([latencyLabel], alerts, { windowMs: MIN, kinds: ['latency', 'cost'] });
    const latency = score.kinds.find((k) => k.kind === 'latency')!;
    expect(latency).toMatchObject({ labels: 1, detected: 1, recall: 1, firing: 3, matching: 1 });
    expect(latency.precision).toBeCloseTo(1 / 3, 10);
    expect(latency.delaysWindows).toEqual([2]);
    expect(score.kinds.find((k) => k.kind === 'cost')).toMatchObject({
      labels: 0,
      recall: null,
      precision: null,
    });
    expect(score.labels[0]).toMatchObject({
      detected: true,
      firstFiringMs: T + 2 * MIN,
      resolvedMs: T + 12 * MIN,
    });
    expect(score.falsePositives.map((a) => a.alert_id).sort()).toEqual(['a2', 'a3']);
  });

  it('counts a corroborating detector’s alert on the incident as no false alarm, and never as detecting it', () => {
    const label: ScenarioLabel = { ...latencyLabel, corroborating: ['agent_runaway'] };
    const runaway = alert({ alert_id: 'r1', detector: 'agent_runaway', provider: null, model: null });
    const elsewhere = alert({ alert_id: 'r2', detector: 'agent_runaway', provider: 'anthropic' });
    const score = scoreScenarioAlerts([label], [runaway, elsewhere], { windowMs: MIN });
    expect(score.labels[0]!.detected).toBe(false);
    expect(score.kinds.find((k) => k.kind === 'agent_runaway')).toMatchObject({ firing: 2, matching: 1 });
    expect(score.falsePositives.map((a) => a.alert_id)).toEqual(['r2']);
    // without the corroboration both are false alarms
    expect(scoreScenarioAlerts([latencyLabel], [runaway], { windowMs: MIN }).falsePositives).toHaveLength(1);
  });

  it('accepts an alert that started one window before the label, not two', () => {
    const early = (startedAt: number) =>
      scoreScenarioAlerts([latencyLabel], [alert({ started_at: startedAt })], { windowMs: MIN }).total
        .detected;
    expect(early(T - MIN)).toBe(1);
    expect(early(T - 2 * MIN)).toBe(0);
  });

  it('reports a label without alerts as missed, and a still-firing one as unresolved', () => {
    const missed = scoreScenarioAlerts([latencyLabel], [], { windowMs: MIN });
    expect(missed.total).toMatchObject({ labels: 1, detected: 0, recall: 0, firing: 0, precision: null });
    const firing = scoreScenarioAlerts([latencyLabel], [alert({})], { windowMs: MIN });
    expect(firing.labels[0]!.resolvedMs).toBeNull();
  });

  it('merges runs by summing counts and pooling delays', () => {
    const a = scoreScenarioAlerts([latencyLabel], [alert({})], { windowMs: MIN });
    const b = scoreScenarioAlerts([{ ...latencyLabel, id: 'b' }], [], { windowMs: MIN });
    const merged = mergeScenarioScores([a, b]);
    expect(merged.total).toMatchObject({ labels: 2, detected: 1, recall: 0.5, firing: 1, matching: 1 });
    expect(merged.kinds[0]).toMatchObject({ kind: 'latency', labels: 2, delaysWindows: [2] });
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});
