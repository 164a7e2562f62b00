import type { Alert, AlertSeverity } from '@aiops/contract';
import type { AlertLabels } from './labels.js';
import { alertFingerprint, alertId, conditionKey, severityRank } from './labels.js';

/**
 * The alert lifecycle, in the stream and in event time (window ends), so a replay takes exactly the same
 * path: inactive → pending → firing → resolved, like Alertmanager's but fed by detector observations.
 *
 * - pending: a condition breached; it fires only once it has lasted `pendingForMs` (from the start of its
 *   first breaching window to the end of the latest). A clean observation while pending drops it silently,
 *   so a blip never notifies.
 * - firing: notified once; again every `repeatIntervalMs` while it lasts, and at once if the severity rises.
 * - recovering: a firing condition must stay clean for `recoveryForMs` before it resolves; a breach in the
 *   meantime keeps it firing without a new notification (no flapping).
 * - resolved: notified once, then forgotten. A condition that is not observed at all for `resolveTimeoutMs`
 *   is resolved by `advance(now)` (its series went away).
 *
 * `alert_id` is a hash of the fingerprint and the start window, so the same incident replayed from the same
 * windows gets the same id. Observations older than the latest one seen for a condition are ignored; one
 * for the same window is applied only if it turns a clean observation into a breach (a late correction).
 */
export interface LifecycleOptions {
  readonly pendingForMs: number;
  readonly recoveryForMs: number;
  readonly repeatIntervalMs: number;
  readonly resolveTimeoutMs: number;
}

export const DEFAULT_LIFECYCLE: LifecycleOptions = Object.freeze({
  pendingForMs: 120_000,
  recoveryForMs: 300_000,
  repeatIntervalMs: 4 * 3_600_000,
  resolveTimeoutMs: 900_000,
});

/** What a notification says: one human sentence and a string map of evidence. */
export interface AlertDescription {
  readonly summary: string;
  readonly evidence: Readonly<Record<string, string>>;
}

/** One detector's verdict on one condition for one window (or one tick). */
export interface AlertSignal {
  readonly detector: string;
  readonly signal: string;
  readonly labels: AlertLabels;
  /** conditionKey(detector, signal, labels), when the caller already has it. */
  readonly key?: string;
  readonly breached: boolean;
  readonly severity: AlertSeverity;
  readonly window_start: number;
  readonly window_end: number;
  readonly observed: number;
  readonly expected: number;
  readonly threshold: number;
  /** Anomaly score in [0, 1]. */
  readonly score: number;
  /**
   * The sentence and evidence of a breach, called only when this observation causes a notification, so a
   * condition that stays firing costs no string formatting between notifications.
   */
  readonly describe: () => AlertDescription;
  /** Per-condition lifecycle options (per-tenant overrides); the lifecycle's defaults otherwise. */
  readonly lifecycle?: LifecycleOptions;
}

interface Observation {
  window_start: number;
  window_end: number;
  observed: number;
  expected: number;
  threshold: number;
  score: number;
}

/** The tracked state of one condition: plain data, so it snapshots as JSON. */
export interface TrackedAlert {
  key: string;
  fingerprint: string;
  alert_id: string;
  detector: string;
  signal: string;
  labels: AlertLabels;
  phase: 'pending' | 'firing';
  started_at: number;
  last_observed_end: number;
  last_observed_breached: boolean;
  /** Start of the first clean window since the last breach, while firing. */
  clear_since: number | null;
  last_notified_at: number | null;
  severity: AlertSeverity;
  /** The latest breaching observation. */
  last: Observation;
  /** What the latest notification said (empty until the alert fires). */
  summary: string;
  evidence: Record<string, string>;
  options: LifecycleOptions;
}

export interface LifecycleSnapshot {
  readonly version: 1;
  readonly alerts: readonly TrackedAlert[];
}

/** One tracked condition since the last `takeChanges()`: its state, or null when it is gone. */
export interface TrackedAlertChange {
  readonly key: string;
  readonly state: TrackedAlert | null;
}

export interface LifecycleChanges {
  /**
   * Every tracked condition, not only the changed ones: the first call after creation or a restore, when
   * what the caller stored is unknown. A condition the caller holds that is not listed is gone.
   */
  readonly full: boolean;
  /** In the order the lifecycle tracks them (a condition created since moves to the end, as it does there). */
  readonly alerts: readonly TrackedAlertChange[];
}

export interface LifecycleStats {
  pending: number;
  firing: number;
  recovering: number;
  notifications: number;
}

export interface AlertLifecycle {
  /** Applies one observation; returns the notification it causes, if any. */
  observe(signal: AlertSignal): Alert | null;
  /**
   * Resolves conditions not observed for their resolve timeout; `nowMs` is event time — of one tenant
   * when `tenant` is given (tenants have their own clocks), and then only that tenant's conditions.
   */
  advance(nowMs: number, tenant?: string): Alert[];
  /** Tracked conditions (pending and firing), in a stable order. */
  tracked(): readonly TrackedAlert[];
  get(key: string): TrackedAlert | undefined;
  stats(): LifecycleStats;
  snapshot(): LifecycleSnapshot;
  restore(snapshot: LifecycleSnapshot): void;
  /**
   * The conditions created, changed or dropped since the last call (copies, as in `snapshot()`), and
   * forgets them: an incremental checkpoint costs what changed, not everything tracked.
   */
  takeChanges(): LifecycleChanges;
}

export function createAlertLifecycle(defaults: LifecycleOptions = DEFAULT_LIFECYCLE): AlertLifecycle {
  let alerts = new Map<string, TrackedAlert>();
  let notifications = 0;
  /**
   * Keys touched since the last takeChanges(). Those created meanwhile come in the order `alerts` holds
   * them (see track): a checkpoint numbers new keys in that order, and a restore iterates by it.
   */
  const dirty = new Set<string>();
  /**
   * Until the first takeChanges() after creation or a restore: that call lists everything, so nothing
   * needs marking meanwhile (and a caller that never takes changes keeps no marks).
   */
  let full = true;
  /** Marks `key` before its state moves, so no path (nor an exception) skips it. */
  const touch = (key: string): void => {
    if (!full) dirty.add(key);
  };
  /** A new condition goes to the end of `alerts`, so its mark moves to the end of `dirty` too. */
  const track = (t: TrackedAlert): void => {
    if (!full) {
      dirty.delete(t.key);
      dirty.add(t.key);
    }
    alerts.set(t.key, t);
  };

  const notify = (
    t: TrackedAlert,
    status: 'firing' | 'resolved',
    obs: Observation,
    notifiedAt: number,
    resolvedAt: number | null,
    summary: string,
    evidence: Record<string, string>,
  ): Alert => {
    notifications++;
    t.last_notified_at = notifiedAt;
    return {
      alert_id: t.alert_id,
      fingerprint: t.fingerprint,
      status,
      severity: t.severity,
      detector: t.detector,
      tenant_id: t.labels.tenant_id,
      application: t.labels.application,
      environment: t.labels.environment,
      provider: t.labels.provider,
      model: t.labels.model,
      operation: t.labels.operation,
      window_start: obs.window_start,
      window_end: obs.window_end,
      observed: obs.observed,
      expected: obs.expected,
      threshold: obs.threshold,
      score: obs.score,
      started_at: t.started_at,
      resolved_at: resolvedAt,
      summary,
      evidence,
      notified_at: notifiedAt,
    };
  };

  const resolve = (
    t: TrackedAlert,
    obs: Observation,
    notifiedAt: number,
    resolvedAt: number,
    reason: string,
  ): Alert => {
    touch(t.key);
    alerts.delete(t.key);
    const summary = `Resolved after ${formatDuration(resolvedAt - t.started_at)} (last breach: ${stripPeriod(t.summary)}).`;
    const evidence = {
      ...t.evidence,
      resolution: reason,
      last_breach_window_end: String(t.last.window_end),
    };
    return notify(t, 'resolved', obs, notifiedAt, resolvedAt, summary, evidence);
  };

  const observationOf = (s: AlertSignal): Observation => ({
    window_start: s.window_start,
    window_end: s.window_end,
    observed: s.observed,
    expected: s.expected,
    threshold: s.threshold,
    score: s.score,
  });

  const fire = (t: TrackedAlert, s: AlertSignal): Alert => {
    const d = s.describe();
    t.summary = d.summary;
    t.evidence = { ...d.evidence };
    return notify(t, 'firing', t.last, s.window_end, null, t.summary, t.evidence);
  };

  const breach = (t: TrackedAlert, s: AlertSignal): Alert | null => {
    const previous = t.severity;
    if (severityRank(s.severity) > severityRank(t.severity)) t.severity = s.severity;
    t.last = observationOf(s);
    t.clear_since = null;
    if (t.phase === 'pending') {
      if (s.window_end - t.started_at < t.options.pendingForMs) return null;
      t.phase = 'firing';
      return fire(t, s);
    }
    const escalated = severityRank(t.severity) > severityRank(previous);
    const due =
      t.last_notified_at === null || s.window_end - t.last_notified_at >= t.options.repeatIntervalMs;
    if (!escalated && !due) return null;
    return fire(t, s);
  };

  return {
    observe(s) {
      const key = s.key ?? conditionKey(s.detector, s.signal, s.labels);
      const t = alerts.get(key);
      if (t === undefined) {
        if (!s.breached) return null;
        const options = s.lifecycle ?? defaults;
        const fingerprint = alertFingerprint(s.detector, s.signal, s.labels);
        const created: TrackedAlert = {
          key,
          fingerprint,
          alert_id: alertId(fingerprint, s.window_start),
          detector: s.detector,
          signal: s.signal,
          labels: { ...s.labels },
          phase: 'pending',
          started_at: s.window_start,
          last_observed_end: s.window_end,
          last_observed_breached: true,
          clear_since: null,
          last_notified_at: null,
          severity: s.severity,
          last: observationOf(s),
          summary: '',
          evidence: {},
          options: { ...options },
        };
        track(created);
        return breach(created, s);
      }
      touch(key);
      if (s.window_end < t.last_observed_end) return null;
      if (s.window_end === t.last_observed_end && !(s.breached && !t.last_observed_breached)) return null;
      t.last_observed_end = s.window_end;
      t.last_observed_breached = s.breached;
      if (s.breached) return breach(t, s);
      if (t.phase === 'pending') {
        alerts.delete(key);
        return null;
      }
      if (t.clear_since === null) t.clear_since = s.window_start;
      if (s.window_end - t.clear_since < t.options.recoveryForMs) return null;
      return resolve(t, observationOf(s), s.window_end, t.clear_since, 'recovered');
    },

    advance(nowMs, tenant) {
      const out: Alert[] = [];
      for (const t of [...alerts.values()]) {
        if (tenant !== undefined && t.labels.tenant_id !== tenant) continue;
        if (nowMs - t.last_observed_end < t.options.resolveTimeoutMs) continue;
        touch(t.key);
        if (t.phase === 'pending') {
          alerts.delete(t.key);
          continue;
        }
        const resolvedAt = t.clear_since ?? t.last_observed_end;
        out.push(
          resolve(
            t,
            { ...t.last, window_start: t.last_observed_end, window_end: nowMs },
            nowMs,
            resolvedAt,
            'no_data',
          ),
        );
      }
      return out;
    },

    tracked() {
      return [...alerts.values()];
    },

    get(key) {
      return alerts.get(key);
    },

    stats() {
      let pending = 0;
      let firing = 0;
      let recovering = 0;
      for (const t of alerts.values()) {
        if (t.phase === 'pending') pending++;
        else if (t.clear_since === null) firing++;
        else recovering++;
      }
      return { pending, firing, recovering, notifications };
    },

    snapshot() {
      return { version: 1, alerts: structuredClone([...alerts.values()]) };
    },

    restore(snapshot) {
      if (snapshot.version !== 1)
        throw new Error(`unsupported lifecycle snapshot version ${snapshot.version}`);
      alerts = new Map(structuredClone(snapshot.alerts).map((t) => [t.key, t]));
      dirty.clear();
      full = true;
    },

    takeChanges() {
      const keys = full ? [...alerts.keys()] : [...dirty];
      const changes: LifecycleChanges = {
        full,
        alerts: structuredClone(keys.map((key) => ({ key, state: alerts.get(key) ?? null }))),
      };
      dirty.clear();
      full = false;
      return changes;
    },
  };
}

function stripPeriod(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}

/** 90_000 → "1m30s", 7_200_000 → "2h". */
export function formatDuration(ms: number): string {
  let s = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts: string[] = [];
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (s || parts.length === 0) parts.push(`${s}s`);
  return parts.slice(0, 2).join('');
}
