import { describe, expect, it } from 'vitest';
import { replayAlerts } from '../src/index.js';
import { config, MIN, seriesAlert, T0 } from './fixtures.js';

describe('replayAlerts', () => {
  it('turns a four-series outage and its resolution into one incident: opened, then resolved', () => {
    const models = ['claude-a', 'claude-b', 'claude-c', 'claude-d'];
    const firing = models.map((model, i) => seriesAlert(model, { notified_at: T0 + i * 5_000 }));
    const resolved = models.map((model, i) =>
      seriesAlert(model, { status: 'resolved', resolved_at: T0 + 20 * MIN, notified_at: T0 + 20 * MIN + i }),
    );
    // Out of order on purpose: the replay orders by notified_at, as the notifier's clock would see them.
    const replay = replayAlerts(config({ route: { receiver: 'oncall' } }), [...resolved, ...firing]);
    expect(replay.incidentIds).toHaveLength(1);
    expect(replay.notifications.map((n) => n.kind)).toEqual(['opened', 'resolved']);
    expect(replay.notifications[0]!.alerts).toHaveLength(4);
  });

  it('flushes the last group_wait even when no later alert moves the clock', () => {
    const replay = replayAlerts(config({ route: { receiver: 'oncall', group_wait_ms: 10 * MIN } }), [
      seriesAlert('claude-a'),
    ]);
    expect(replay.notifications.map((n) => n.kind)).toEqual(['opened']);
  });

  it('makes nothing of nothing', () => {
    expect(replayAlerts(config({ route: { receiver: 'oncall' } }), [])).toEqual({
      notifications: [],
      incidentIds: [],
    });
  });
});
