/**
 * Titles and summaries a person can read at 3 a.m.: what is broken, for whom, how wide and how bad, derived
 * from the member alerts (detector, observed/expected, evidence and their own one-sentence summaries).
 */

import { severityRank } from '@aiops/alerts';
import type { Alert } from '@aiops/contract';
import { alertLabels, detectorFamily, seriesIdentity } from './labels.js';

const MAX_LISTED = 5;

export interface IncidentText {
  readonly title: string;
  readonly summary: string;
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 100)} %`;
}

function number(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(Math.abs(n) >= 100 ? 0 : 1);
}

function distinct(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** What the incident is about: the first of provider, model, application, operation all members share. */
function subjectOf(groupLabels: Record<string, string>, alerts: readonly Alert[]): string {
  for (const name of ['provider', 'model', 'application', 'operation'] as const) {
    const fromGroup = groupLabels[name];
    if (fromGroup !== undefined && fromGroup !== '') return fromGroup;
    const values = distinct(alerts.map((a) => a[name] ?? ''));
    if (values.length === 1 && values[0] !== '') return values[0] as string;
  }
  return 'the pipeline';
}

/** Who is affected: "for acme", "for 3 tenants" or "" when alerts carry no tenant. */
function audienceOf(groupLabels: Record<string, string>, alerts: readonly Alert[]): string {
  const grouped = groupLabels.tenant_id;
  if (grouped !== undefined && grouped !== '') return ` for ${grouped}`;
  const tenants = distinct(alerts.map((a) => a.tenant_id ?? '')).filter((t) => t !== '');
  if (tenants.length === 0) return '';
  if (tenants.length === 1) return ` for ${tenants[0]}`;
  return ` for ${tenants.length} tenants`;
}

function evidenceNumber(alert: Alert, key: string): number | null {
  const text = alert.evidence[key];
  if (text === undefined) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

function availabilityClause(alerts: readonly Alert[], seriesCount: number): { verb: string; detail: string } {
  // Per series, the alert that saw the most calls speaks for its error ratio (an outage and an error-rate
  // alert on one series describe the same calls; adding them would count those calls twice).
  const bySeries = new Map<string, { errors: number; events: number }>();
  let silent = 0;
  for (const a of alerts) {
    if (a.evidence.silent_ms !== undefined) silent++;
    const errors = evidenceNumber(a, 'errors');
    const events = evidenceNumber(a, 'events');
    if (errors === null || events === null || events <= 0) continue;
    const series = seriesIdentity(alertLabels(a));
    const seen = bySeries.get(series);
    if (seen === undefined || events > seen.events) bySeries.set(series, { errors, events });
  }
  let errors = 0;
  let events = 0;
  for (const s of bySeries.values()) {
    errors += s.errors;
    events += s.events;
  }
  const down = alerts.some((a) => a.detector === 'outage');
  const parts = [`${seriesCount} series`];
  if (events > 0) parts.push(`${percent(errors / events)} of calls failing`);
  if (silent > 0) parts.push(silent === seriesCount ? 'no telemetry' : `${silent} sending no telemetry`);
  return { verb: down ? 'looks down' : 'has elevated errors', detail: parts.join(', ') };
}

function worstBy(alerts: readonly Alert[], measure: (a: Alert) => number): Alert {
  let worst = alerts[0] as Alert;
  for (const a of alerts) if (measure(a) > measure(worst)) worst = a;
  return worst;
}

function latencyClause(alerts: readonly Alert[], seriesCount: number): { verb: string; detail: string } {
  const worst = worstBy(alerts, (a) => (a.expected > 0 ? a.observed / a.expected : a.observed));
  const metric = worst.evidence.metric ?? 'latency';
  return {
    verb: 'is slow',
    detail: `${seriesCount} series, ${metric} up to ${number(worst.observed)} ms (expected ${number(worst.expected)} ms)`,
  };
}

function costClause(alerts: readonly Alert[], seriesCount: number): { verb: string; detail: string } {
  const worst = worstBy(alerts, (a) => (a.expected > 0 ? a.observed / a.expected : a.observed));
  const ratio = worst.expected > 0 ? `, up to ${number(worst.observed / worst.expected)}× expected` : '';
  return { verb: 'spend is running away', detail: `${seriesCount} series${ratio}` };
}

function genericClause(family: string, alerts: readonly Alert[], seriesCount: number) {
  const detectors = distinct(alerts.map((a) => a.detector)).join(', ');
  return { verb: `has ${family} alerts`, detail: `${seriesCount} series (${detectors})` };
}

/**
 * Title and summary of an incident from its firing member alerts (all members when none fires any more).
 * `resolved.peakTitle` is the title at the most firing alerts: a resolved incident keeps the words of its worst moment.
 */
export function describeIncident(
  groupLabels: Record<string, string>,
  firing: readonly Alert[],
  members: readonly Alert[],
  resolved: {
    readonly peakTitle: string;
    readonly openedAt: number;
    readonly resolvedAt: number;
  } | null,
): IncidentText {
  if (resolved !== null) {
    const minutes = Math.max(0, Math.round((resolved.resolvedAt - resolved.openedAt) / 60_000));
    return {
      title: `Resolved: ${resolved.peakTitle}`,
      summary: `${members.length === 1 ? 'The alert' : `All ${members.length} alerts`} resolved after ${minutes} min.`,
    };
  }
  const alerts = firing.length > 0 ? firing : members;
  const seriesCount = new Set(alerts.map((a) => seriesIdentity(alertLabels(a)))).size;
  const families = distinct(alerts.map((a) => detectorFamily(a.detector)));
  const family = families.length === 1 ? (families[0] as string) : 'mixed';
  const clause =
    family === 'availability'
      ? availabilityClause(alerts, seriesCount)
      : family === 'latency'
        ? latencyClause(alerts, seriesCount)
        : family === 'cost'
          ? costClause(alerts, seriesCount)
          : genericClause(family, alerts, seriesCount);
  const title = `${subjectOf(groupLabels, alerts)} ${clause.verb}${audienceOf(groupLabels, alerts)}: ${clause.detail}`;
  const listed = [...alerts]
    .sort(
      (a, b) =>
        severityRank(b.severity) - severityRank(a.severity) || a.started_at - b.started_at || cmp(a, b),
    )
    .slice(0, MAX_LISTED)
    .map((a) => `- [${a.severity}] ${a.summary}`);
  if (alerts.length > MAX_LISTED) listed.push(`- … and ${alerts.length - MAX_LISTED} more alerts`);
  return { title, summary: listed.join('\n') };
}

function cmp(a: Alert, b: Alert): number {
  return a.alert_id < b.alert_id ? -1 : a.alert_id > b.alert_id ? 1 : 0;
}
