import { describe, expect, it } from 'vitest';
import { describeIncident } from '../src/index.js';
import { seriesAlert } from './fixtures.js';

const group = { tenant_id: 'acme', provider: 'anthropic', detector_family: 'availability' };
const noData = (model: string) =>
  seriesAlert(model, { observed: 0, expected: 40, evidence: { silent_ms: '600000', peers_active: 'true' } });

describe('describeIncident', () => {
  it('says which series fail and which went silent', () => {
    const alerts = [
      seriesAlert('m1'),
      seriesAlert('m2', { evidence: { errors: '1', events: '25' } }),
      noData('m3'),
    ];
    expect(describeIncident(group, alerts, alerts, null).title).toBe(
      'anthropic looks down for acme: 3 series, 48 % of calls failing, 1 sending no telemetry',
    );
    const silent = [noData('m1'), noData('m2')];
    expect(describeIncident(group, silent, silent, null).title).toBe(
      'anthropic looks down for acme: 2 series, no telemetry',
    );
  });

  it('does not count the calls of one series twice (outage + error-rate alert on it)', () => {
    const alerts = [
      seriesAlert('m1'),
      seriesAlert('m1', { detector: 'errors', evidence: { errors: '20', events: '24' } }),
    ];
    expect(describeIncident(group, alerts, alerts, null).title).toBe(
      'anthropic looks down for acme: 1 series, 92 % of calls failing',
    );
  });

  it('calls an error-rate rise without an outage alert elevated errors', () => {
    const alerts = [
      seriesAlert('m1', { detector: 'errors', severity: 'warning', evidence: { errors: '3', events: '50' } }),
    ];
    expect(describeIncident(group, alerts, alerts, null).title).toBe(
      'anthropic has elevated errors for acme: 1 series, 6 % of calls failing',
    );
  });

  it('describes runaway spend by its ratio to the expected', () => {
    const alerts = [seriesAlert('m1', { detector: 'cost', observed: 31, expected: 10 })];
    expect(describeIncident({ tenant_id: 'acme' }, alerts, alerts, null).title).toBe(
      'anthropic spend is running away for acme: 1 series, up to 3.1× expected',
    );
  });

  it('lists at most five member sentences, most severe first', () => {
    const alerts = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((m) =>
      seriesAlert(m, { severity: m === 'g' ? 'critical' : 'warning', summary: `series ${m} is down.` }),
    );
    const lines = describeIncident(group, alerts, alerts, null).summary.split('\n');
    expect(lines).toEqual([
      '- [critical] series g is down.',
      '- [warning] series a is down.',
      '- [warning] series b is down.',
      '- [warning] series c is down.',
      '- [warning] series d is down.',
      '- … and 2 more alerts',
    ]);
  });

  it('keeps the words of the worst moment once resolved', () => {
    const text = describeIncident(group, [], [seriesAlert('m1')], {
      peakTitle: 'anthropic looks down for acme: 4 series, 92 % of calls failing',
      openedAt: 0,
      resolvedAt: 23 * 60_000,
    });
    expect(text).toEqual({
      title: 'Resolved: anthropic looks down for acme: 4 series, 92 % of calls failing',
      summary: 'The alert resolved after 23 min.',
    });
  });
});
