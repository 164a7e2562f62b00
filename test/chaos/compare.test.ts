import { describe, expect, it } from 'vitest';
import {
  type AlertNotification,
  alertHistories,
  checkNotifications,
  diffTables,
  type Row,
} from './compare.js';

/** The comparisons the chaos runs are judged by, on hand-made inputs. */

const HOUR = 3_600_000;
const n = (alertId: string, status: string, notifiedAt: number, severity = 'warning'): AlertNotification => ({
  alertId,
  status,
  severity,
  notifiedAt,
});

describe('checkNotifications', () => {
  it('accepts a firing repeated after the interval and a resolution', () => {
    const check = checkNotifications(
      [n('a', 'firing', 0), n('a', 'firing', 4 * HOUR), n('a', 'resolved', 5 * HOUR), n('b', 'firing', HOUR)],
      4 * HOUR,
    );
    expect(check).toMatchObject({ notifications: 4, alertIds: 2, firing: 3, duplicates: 0, earlyRepeats: 0 });
  });

  it('counts a notification published twice and a firing repeated too soon', () => {
    const check = checkNotifications(
      [n('a', 'firing', 0), n('a', 'firing', 0), n('b', 'firing', 0), n('b', 'firing', HOUR)],
      4 * HOUR,
    );
    expect(check.duplicates).toBe(1);
    // a: the duplicate is also a repeat at Δ 0; b: a second firing after 1 h.
    expect(check.earlyRepeats).toBe(2);
    expect(check.examples.length).toBeGreaterThan(0);
  });

  it('allows an early repeat when the severity rises', () => {
    const check = checkNotifications(
      [n('a', 'firing', 0, 'warning'), n('a', 'firing', HOUR, 'critical')],
      4 * HOUR,
    );
    expect(check.earlyRepeats).toBe(0);
  });
});

describe('alertHistories', () => {
  it('is one line per alert_id, independent of topic order and of replays', () => {
    const first = alertHistories([n('a', 'firing', 0), n('a', 'resolved', HOUR)]);
    const second = alertHistories([n('a', 'resolved', HOUR), n('a', 'firing', 0), n('a', 'firing', 0)]);
    expect(second).toEqual(first);
    expect(alertHistories([n('a', 'firing', 0)]).get('a')).not.toBe(first.get('a'));
  });
});

describe('diffTables', () => {
  const table = (rows: Array<[string, Row]>) => new Map(rows);

  it('finds missing, extra and differing rows, and reports informational columns apart', () => {
    const expected = table([
      ['k1', { events: '10', cost_usd: 0.3, revision: 0 }],
      ['k2', { events: '5', cost_usd: 1, revision: 0 }],
      ['k3', { events: '1', cost_usd: 0, revision: 0 }],
    ]);
    const actual = table([
      ['k1', { events: '10', cost_usd: 0.1 + 0.2, revision: 2 }],
      ['k2', { events: '6', cost_usd: 1, revision: 0 }],
      ['k4', { events: '1', cost_usd: 0, revision: 0 }],
    ]);
    const diff = diffTables(expected, actual, ['revision']);
    expect(diff).toMatchObject({ expected: 3, actual: 3, missing: 1, extra: 1, differing: 1, floatOnly: 1 });
    expect(diff.informational.revision).toBe(1);
    expect(diff.examples.join('\n')).toMatch(/k2: events: "5" → "6"/);
  });

  it('compares arrays element by element', () => {
    const expected = table([['k', { 'quality.histogram': [[1, 2, 3]], 'quality.sum': [0.1 + 0.2] }]]);
    const same = table([['k', { 'quality.histogram': [[1, 2, 3]], 'quality.sum': [0.3] }]]);
    const other = table([['k', { 'quality.histogram': [[1, 2, 4]], 'quality.sum': [0.3] }]]);
    expect(diffTables(expected, same)).toMatchObject({ differing: 0, floatOnly: 1 });
    expect(diffTables(expected, other)).toMatchObject({ differing: 1 });
  });
});
