import type { Alert } from '@aiops/contract';
import type { KindScore, ScenarioScore } from '@aiops/detectors';

/** What `npm run bench:scenarios` aims for (issue 4). */
export const SCENARIO_TARGETS = Object.freeze({ recall: 0.95, precision: 0.9, medianDelayWindows: 2 });

/** The detector kinds the simulator's labels name, in table order. */
export const SCENARIO_KINDS_ORDER = ['latency', 'error_rate', 'outage', 'cost', 'quality', 'guardrail'];

const pad = (text: string, width: number): string => text.padEnd(width);
const lpad = (text: string, width: number): string => text.padStart(width);

function ratio(value: number | null): string {
  return value === null ? '-' : value.toFixed(2);
}

function delay(value: number | null): string {
  return value === null ? '-' : value.toFixed(1);
}

export interface TargetCheck {
  readonly met: boolean;
  /** What misses, e.g. "cost precision 0.50 < 0.9". */
  readonly misses: readonly string[];
}

/** Whether a score meets the targets, per kind (recall, precision) and overall (median delay too). */
export function checkTargets(score: ScenarioScore): TargetCheck {
  const misses: string[] = [];
  const t = SCENARIO_TARGETS;
  for (const k of score.kinds) {
    if (k.recall !== null && k.recall < t.recall)
      misses.push(`${k.kind} recall ${ratio(k.recall)} < ${t.recall}`);
    if (k.precision !== null && k.precision < t.precision)
      misses.push(`${k.kind} precision ${ratio(k.precision)} < ${t.precision}`);
    if (k.medianDelayWindows !== null && k.medianDelayWindows > t.medianDelayWindows)
      misses.push(`${k.kind} median delay ${delay(k.medianDelayWindows)} > ${t.medianDelayWindows} windows`);
  }
  const total = score.total;
  if (total.recall !== null && total.recall < t.recall)
    misses.push(`overall recall ${ratio(total.recall)} < ${t.recall}`);
  if (total.precision !== null && total.precision < t.precision)
    misses.push(`overall precision ${ratio(total.precision)} < ${t.precision}`);
  if (total.medianDelayWindows !== null && total.medianDelayWindows > t.medianDelayWindows)
    misses.push(`overall median delay ${delay(total.medianDelayWindows)} > ${t.medianDelayWindows} windows`);
  return { met: misses.length === 0, misses };
}

function orderedKinds(score: ScenarioScore): KindScore[] {
  const rank = (kind: string): number => {
    const i = SCENARIO_KINDS_ORDER.indexOf(kind);
    return i < 0 ? SCENARIO_KINDS_ORDER.length : i;
  };
  return [...score.kinds].sort((a, b) => rank(a.kind) - rank(b.kind) || a.kind.localeCompare(b.kind));
}

/** The per-detector table: labels, detected, recall, firing alerts, matching, precision, delays. */
export function formatScoreTable(score: ScenarioScore): string[] {
  const header = `${pad('detector', 11)} ${lpad('labels', 6)} ${lpad('detected', 8)} ${lpad('recall', 6)} ${lpad('firing', 6)} ${lpad('matching', 8)} ${lpad('precision', 9)} ${lpad('median delay', 12)}  delays (windows)`;
  const lines = [header, '-'.repeat(header.length)];
  const row = (
    name: string,
    labels: number,
    detected: number,
    recall: number | null,
    firing: number,
    matching: number,
    precision: number | null,
    median: number | null,
    delays: readonly number[],
  ): string =>
    `${pad(name, 11)} ${lpad(String(labels), 6)} ${lpad(String(detected), 8)} ${lpad(ratio(recall), 6)} ${lpad(String(firing), 6)} ${lpad(String(matching), 8)} ${lpad(ratio(precision), 9)} ${lpad(delay(median), 12)}  ${delays.map((d) => delay(d)).join(' ')}`;
  for (const k of orderedKinds(score)) {
    lines.push(
      row(
        k.kind,
        k.labels,
        k.detected,
        k.recall,
        k.firing,
        k.matching,
        k.precision,
        k.medianDelayWindows,
        k.delaysWindows,
      ),
    );
  }
  const t = score.total;
  lines.push('-'.repeat(header.length));
  lines.push(
    row('all', t.labels, t.detected, t.recall, t.firing, t.matching, t.precision, t.medianDelayWindows, []),
  );
  const s = SCENARIO_TARGETS;
  lines.push(
    `targets: recall ≥ ${s.recall}, precision ≥ ${s.precision}, median delay ≤ ${s.medianDelayWindows} windows (window ${Math.round(score.windowMs / 1000)} s, grace ${Math.round(score.graceMs / 1000)} s)`,
  );
  return lines;
}

const clock = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().slice(11, 16));

/** One line per incident label: detected (firing) at …, resolved at …, and the first alert's summary. */
export function formatIncidentTable(score: ScenarioScore): string[] {
  const lines: string[] = [];
  for (const o of score.labels) {
    const l = o.label;
    const span = `${clock(l.startMs)}–${clock(l.endMs)}`;
    if (!o.detected) {
      lines.push(`✗ ${pad(l.id, 34)} ${span}  NOT detected`);
      continue;
    }
    const resolved = o.resolvedMs === null ? 'still firing' : `resolved ${clock(o.resolvedMs)}`;
    lines.push(
      `✓ ${pad(l.id, 34)} ${span}  firing ${clock(o.firstFiringMs)} (+${delay(o.delayWindows)} windows), ${resolved}`,
    );
    if (o.summary !== null) lines.push(`    ${o.summary}`);
  }
  if (score.falsePositives.length > 0) {
    lines.push(`alerts that matched no incident (${score.falsePositives.length}):`);
    for (const a of score.falsePositives.slice(0, 20)) lines.push(`  ${formatAlertLine(a)}`);
    if (score.falsePositives.length > 20) lines.push(`  … and ${score.falsePositives.length - 20} more`);
  }
  return lines;
}

/** Who an alert is about, widest dimension first: "acme/support-bot production openai/gpt-4o chat". */
export function alertScope(alert: Alert): string {
  const parts: string[] = [];
  if (alert.tenant_id !== null || alert.application !== null)
    parts.push([alert.tenant_id, alert.application].filter((p) => p !== null).join('/'));
  if (alert.environment !== null) parts.push(alert.environment);
  if (alert.provider !== null || alert.model !== null)
    parts.push([alert.provider, alert.model].filter((p) => p !== null).join('/'));
  if (alert.operation !== null) parts.push(alert.operation);
  return parts.length === 0 ? 'all traffic' : parts.join(' ');
}

/** One readable line per alert notification: event time, status, severity, detector, scope, summary. */
export function formatAlertLine(alert: Alert): string {
  const at = new Date(alert.notified_at).toISOString().replace('T', ' ').slice(0, 19);
  return `${at}  ${pad(alert.status.toUpperCase(), 8)} ${pad(alert.severity, 8)} ${pad(alert.detector, 9)} ${alertScope(alert)}: ${alert.summary}`;
}
