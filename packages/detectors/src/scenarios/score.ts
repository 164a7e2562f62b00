import { type Alert, type SeriesFilter, seriesMatchesFilter } from '@aiops/contract';
import { ERRORS } from '../errors/errors.js';

/**
 * Scores published alerts against labelled incidents (the simulator's ground truth), per detector kind:
 * recall (labels detected), precision (firing alerts that belong to a label) and detection delay in
 * windows. Pure; the scenario benchmark and `aiops demo` feed it the alerts they read from Kafka.
 *
 * Rules (bench/scenarios/README.md):
 * - an alert's kind is its detector (`errors` is the `error_rate` kind); the outage detector's two
 *   conditions (a provider/model failing nearly every call, and a series gone silent) are both `outage`;
 * - a firing alert matches a label of its kind when its series is compatible with the label's filter (no
 *   dimension present on both sides differs) and it started (`started_at`) within
 *   [label.start − 1 window, label.end + grace];
 * - a label is detected when some firing alert matches it; its delay is (window_end of the first matching
 *   firing notification − label.start) / window size;
 * - precision of a kind = distinct firing alerts (by alert_id) matching some label / all its firing alerts;
 *   an alert of one of a label's `corroborating` kinds on its series, started in the same interval, matches
 *   it too (the same incident seen by another detector), but never counts as detecting it.
 */

export interface ScenarioLabel {
  readonly id: string;
  /** Kind of detector that should fire: latency, error_rate, outage, cost, quality, guardrail. */
  readonly detector: string;
  /** Dimensions that identify the affected series; absent dimensions are "any". */
  readonly series: SeriesFilter;
  readonly startMs: number;
  readonly endMs: number;
  readonly description?: string;
  /** Kinds whose alerts on the label's series during it belong to the incident (precision only). */
  readonly corroborating?: readonly string[];
}

export interface ScenarioScoreOptions {
  /** Window size of the aggregates the detectors judged (delays are counted in these). */
  readonly windowMs: number;
  /** How long after a label ends an alert may still start and count for it (default 5 windows). */
  readonly graceMs?: number;
  /** Kinds to report even without labels or alerts (default: those seen). */
  readonly kinds?: readonly string[];
}

export interface LabelOutcome {
  readonly label: ScenarioLabel;
  readonly detected: boolean;
  /** window_end of the first matching firing notification. */
  readonly firstFiringMs: number | null;
  readonly delayWindows: number | null;
  /** Latest resolution among the matching alerts; null while one of them still fires (or none matched). */
  readonly resolvedMs: number | null;
  /** Distinct alert_ids that matched, in order of first firing. */
  readonly alertIds: readonly string[];
  /** Summary of the first matching firing notification. */
  readonly summary: string | null;
}

export interface KindScore {
  readonly kind: string;
  readonly labels: number;
  readonly detected: number;
  /** detected / labels; null without labels. */
  readonly recall: number | null;
  /** Distinct firing alerts of this kind. */
  readonly firing: number;
  readonly matching: number;
  /** matching / firing; null without firing alerts. */
  readonly precision: number | null;
  readonly delaysWindows: readonly number[];
  readonly medianDelayWindows: number | null;
}

export interface ScenarioScore {
  readonly windowMs: number;
  readonly graceMs: number;
  readonly kinds: readonly KindScore[];
  readonly labels: readonly LabelOutcome[];
  /** Firing alerts that matched no label, one per alert_id (their first firing notification). */
  readonly falsePositives: readonly Alert[];
  readonly total: {
    readonly labels: number;
    readonly detected: number;
    readonly recall: number | null;
    readonly firing: number;
    readonly matching: number;
    readonly precision: number | null;
    readonly medianDelayWindows: number | null;
  };
}

/** The kind of detector an alert speaks for (see the module comment). */
export function alertKind(alert: Alert): string {
  return alert.detector === ERRORS ? 'error_rate' : alert.detector;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface AlertHistory {
  /** The first firing notification. */
  readonly first: Alert;
  readonly kind: string;
  resolvedMs: number | null;
}

export function scoreScenarioAlerts(
  labels: readonly ScenarioLabel[],
  alerts: readonly Alert[],
  options: ScenarioScoreOptions,
): ScenarioScore {
  const windowMs = options.windowMs;
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be > 0; got ${windowMs}`);
  const graceMs = options.graceMs ?? 5 * windowMs;
  // One history per alert_id: its first firing notification and, if any, its resolution.
  const histories = new Map<string, AlertHistory>();
  const ordered = [...alerts].sort((a, b) => a.notified_at - b.notified_at);
  for (const alert of ordered) {
    let h = histories.get(alert.alert_id);
    if (h === undefined) {
      if (alert.status !== 'firing') continue;
      h = { first: alert, kind: alertKind(alert), resolvedMs: null };
      histories.set(alert.alert_id, h);
    }
    if (alert.status === 'resolved') h.resolvedMs = alert.resolved_at ?? alert.notified_at;
  }

  const matchedIds = new Set<string>();
  const outcomes: LabelOutcome[] = labels.map((label) => {
    const from = label.startMs - windowMs;
    const to = label.endMs + graceMs;
    const during = (h: AlertHistory) =>
      h.first.started_at >= from && h.first.started_at <= to && seriesMatchesFilter(label.series, h.first);
    const matching = [...histories.values()]
      .filter((h) => h.kind === label.detector && during(h))
      .sort((a, b) => a.first.window_end - b.first.window_end);
    for (const h of matching) matchedIds.add(h.first.alert_id);
    for (const h of histories.values())
      if (label.corroborating?.includes(h.kind) && during(h)) matchedIds.add(h.first.alert_id);
    const first = matching[0];
    const stillFiring = matching.some((h) => h.resolvedMs === null);
    return {
      label,
      detected: first !== undefined,
      firstFiringMs: first?.first.window_end ?? null,
      delayWindows: first === undefined ? null : (first.first.window_end - label.startMs) / windowMs,
      resolvedMs:
        first === undefined || stillFiring ? null : Math.max(...matching.map((h) => h.resolvedMs ?? 0)),
      alertIds: matching.map((h) => h.first.alert_id),
      summary: first?.first.summary ?? null,
    };
  });

  const kindNames = new Set<string>(options.kinds ?? []);
  for (const l of labels) kindNames.add(l.detector);
  for (const h of histories.values()) kindNames.add(h.kind);
  const kinds: KindScore[] = [...kindNames].map((kind) => {
    const mine = outcomes.filter((o) => o.label.detector === kind);
    const detected = mine.filter((o) => o.detected).length;
    const firing = [...histories.values()].filter((h) => h.kind === kind);
    const matching = firing.filter((h) => matchedIds.has(h.first.alert_id)).length;
    const delays = mine.flatMap((o) => (o.delayWindows === null ? [] : [o.delayWindows]));
    return {
      kind,
      labels: mine.length,
      detected,
      recall: mine.length === 0 ? null : detected / mine.length,
      firing: firing.length,
      matching,
      precision: firing.length === 0 ? null : matching / firing.length,
      delaysWindows: delays,
      medianDelayWindows: median(delays),
    };
  });

  const falsePositives = [...histories.values()]
    .filter((h) => !matchedIds.has(h.first.alert_id))
    .map((h) => h.first);
  const detected = outcomes.filter((o) => o.detected).length;
  const firing = histories.size;
  const matching = matchedIds.size;
  return {
    windowMs,
    graceMs,
    kinds,
    labels: outcomes,
    falsePositives,
    total: {
      labels: labels.length,
      detected,
      recall: labels.length === 0 ? null : detected / labels.length,
      firing,
      matching,
      precision: firing === 0 ? null : matching / firing,
      medianDelayWindows: median(outcomes.flatMap((o) => (o.delayWindows === null ? [] : [o.delayWindows]))),
    },
  };
}

/** Several runs (e.g. seeds) as one score: counts summed, delays pooled, labels and false positives listed. */
export function mergeScenarioScores(scores: readonly ScenarioScore[]): ScenarioScore {
  if (scores.length === 0) throw new RangeError('nothing to merge');
  if (scores.length === 1) return scores[0]!;
  const byKind = new Map<string, KindScore[]>();
  for (const s of scores) {
    for (const k of s.kinds) {
      const list = byKind.get(k.kind) ?? [];
      list.push(k);
      byKind.set(k.kind, list);
    }
  }
  const kinds: KindScore[] = [...byKind].map(([kind, list]) => {
    const labels = list.reduce((n, k) => n + k.labels, 0);
    const detected = list.reduce((n, k) => n + k.detected, 0);
    const firing = list.reduce((n, k) => n + k.firing, 0);
    const matching = list.reduce((n, k) => n + k.matching, 0);
    const delays = list.flatMap((k) => k.delaysWindows);
    return {
      kind,
      labels,
      detected,
      recall: labels === 0 ? null : detected / labels,
      firing,
      matching,
      precision: firing === 0 ? null : matching / firing,
      delaysWindows: delays,
      medianDelayWindows: median(delays),
    };
  });
  const labels = scores.flatMap((s) => s.labels);
  const detected = labels.filter((o) => o.detected).length;
  const firing = scores.reduce((n, s) => n + s.total.firing, 0);
  const matching = scores.reduce((n, s) => n + s.total.matching, 0);
  return {
    windowMs: scores[0]!.windowMs,
    graceMs: scores[0]!.graceMs,
    kinds,
    labels,
    falsePositives: scores.flatMap((s) => s.falsePositives),
    total: {
      labels: labels.length,
      detected,
      recall: labels.length === 0 ? null : detected / labels.length,
      firing,
      matching,
      precision: firing === 0 ? null : matching / firing,
      medianDelayWindows: median(labels.flatMap((o) => (o.delayWindows === null ? [] : [o.delayWindows]))),
    },
  };
}
