import type { Alert } from '@aiops/contract';
import { SERIES_DIMENSIONS } from '@aiops/contract';
import { SERIES_LABELS } from './model.js';

/** A label set: name -> value. A label that is absent is "" for matchers and group keys (Alertmanager). */
export type Labels = Readonly<Record<string, string>>;

/**
 * Detector name (the `detector` of an alert, packages/detectors) -> family. Alerts of one family about one
 * provider for one tenant are one problem seen from several series: the outage detector's error and no-data
 * signals and the error-rate detector are all "availability"; the others are their own family.
 */
export const DETECTOR_FAMILIES: Readonly<Record<string, string>> = {
  outage: 'availability',
  errors: 'availability',
  latency: 'latency',
  cost: 'cost',
  quality: 'quality',
  guardrail: 'guardrail',
};

/** The family of a detector; a detector this table does not know is its own family. */
export function detectorFamily(detector: string): string {
  return DETECTOR_FAMILIES[detector] ?? detector;
}

/**
 * The label set of an alert, for matchers, grouping and inhibition: the series labels that are set
 * (tenant_id, application, environment, provider, model, operation), plus detector, alertname (= detector),
 * detector_family and severity.
 */
export function alertLabels(alert: Alert): Labels {
  const labels: Record<string, string> = {};
  for (const name of SERIES_DIMENSIONS) {
    const value = alert[name];
    if (value !== null) labels[name] = value;
  }
  labels.detector = alert.detector;
  labels.alertname = alert.detector;
  labels.detector_family = detectorFamily(alert.detector);
  labels.severity = alert.severity;
  return labels;
}

/** The identity of the series an alert is about (its series labels, absent ones empty). */
export function seriesIdentity(labels: Labels): string {
  return SERIES_LABELS.map((name) => labels[name] ?? '').join('\u001f');
}

/** Alertmanager's text form of a label set, names sorted: {a="1",b="2"}. */
export function formatLabels(labels: Labels): string {
  const names = Object.keys(labels).sort();
  return `{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(',')}}`;
}
