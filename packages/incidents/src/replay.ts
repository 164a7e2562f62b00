import type { Alert } from '@aiops/contract';
import { IncidentEngine } from './engine.js';
import {
  DEFAULT_GROUP_INTERVAL_MS,
  DEFAULT_GROUP_WAIT_MS,
  type IncidentsConfig,
  type Notification,
} from './model.js';

export interface AlertReplay {
  /** Every notification the engine made, in order. */
  readonly notifications: Notification[];
  /** Incidents that reached a person (at least one notification), in order of first notification. */
  readonly incidentIds: string[];
}

/**
 * A recorded alert stream (e.g. a benchmark's or a backtest's) through the incident engine on event time
 * alone: alerts in `notified_at` order, the clock advanced to each, then far enough past the last one for
 * every pending group_wait / group_interval flush (but not a repeat) to fire. What the notifier would have
 * sent for these alerts with this config, without Kafka or a wall clock.
 */
export function replayAlerts(config: IncidentsConfig, alerts: readonly Alert[]): AlertReplay {
  const engine = new IncidentEngine(config);
  const ordered = [...alerts].sort((a, b) => a.notified_at - b.notified_at);
  const notifications: Notification[] = [];
  for (const alert of ordered) {
    engine.observeAlert(alert);
    notifications.push(...engine.advance(alert.notified_at));
  }
  const last = ordered.at(-1)?.notified_at;
  if (last !== undefined) notifications.push(...engine.advance(last + longestFlushWait(config)));
  const incidentIds = [...new Set(notifications.map((n) => n.incident.incident_id))];
  return { notifications, incidentIds };
}

/** The longest group_wait + group_interval of any route: past it every flush is due, no repeat yet. */
function longestFlushWait(config: IncidentsConfig): number {
  let longest = 0;
  const visit = (route: IncidentsConfig['route']) => {
    longest = Math.max(longest, (route.group_wait_ms ?? 0) + (route.group_interval_ms ?? 0));
    for (const child of route.routes ?? []) visit(child);
  };
  visit(config.route);
  return Math.max(longest, DEFAULT_GROUP_WAIT_MS + DEFAULT_GROUP_INTERVAL_MS);
}
