import { z } from 'zod';
import type { TimeRange } from './api.js';
import { num } from './numbers.js';

/**
 * The weekly improvement report: this week against last week, per application. Pure: rows in, a
 * comparison out, and the comparison as one self-contained HTML document (inline CSS, no script, no
 * external resource), which the dashboard shows and `aiops report --week` writes to a file for an email.
 */

const metric = z.preprocess(num, z.number().nullable());

export const weekRowSchema = z.object({
  application: z.string(),
  events: metric,
  errors: metric,
  p95_ms: metric,
  cost_usd: metric,
  input_tokens: metric,
  output_tokens: metric,
  quality_mean: metric,
  feedback_positive: metric,
  feedback_total: metric,
});
export type WeekRow = z.output<typeof weekRowSchema>;

export interface WeekMetrics {
  readonly events: number;
  readonly error_rate: number | null;
  readonly p95_ms: number | null;
  readonly cost_usd: number;
  readonly tokens: number;
  readonly quality_mean: number | null;
  readonly feedback_positive_rate: number | null;
}

/** Which way is better for each metric (events: neither). */
export const BETTER: Readonly<Record<keyof WeekMetrics, 'up' | 'down' | null>> = {
  events: null,
  error_rate: 'down',
  p95_ms: 'down',
  cost_usd: 'down',
  tokens: null,
  quality_mean: 'up',
  feedback_positive_rate: 'up',
};

export interface WeeklyApplication {
  readonly application: string;
  readonly thisWeek: WeekMetrics | null;
  readonly lastWeek: WeekMetrics | null;
}

export interface WeeklyReport {
  readonly tenant: string | null;
  readonly thisWeek: TimeRange;
  readonly lastWeek: TimeRange;
  readonly applications: readonly WeeklyApplication[];
}

function metrics(row: WeekRow): WeekMetrics {
  const events = row.events ?? 0;
  return {
    events,
    error_rate: events === 0 ? null : (row.errors ?? 0) / events,
    p95_ms: row.p95_ms,
    cost_usd: row.cost_usd ?? 0,
    tokens: (row.input_tokens ?? 0) + (row.output_tokens ?? 0),
    quality_mean: row.quality_mean,
    feedback_positive_rate: row.feedback_total ? (row.feedback_positive ?? 0) / row.feedback_total : null,
  };
}

export function compareWeeks(input: {
  thisWeek: TimeRange;
  lastWeek: TimeRange;
  tenant: string | null;
  current: readonly unknown[];
  previous: readonly unknown[];
}): WeeklyReport {
  const current = new Map(input.current.map((r) => weekRowSchema.parse(r)).map((r) => [r.application, r]));
  const previous = new Map(input.previous.map((r) => weekRowSchema.parse(r)).map((r) => [r.application, r]));
  const names = [...new Set([...current.keys(), ...previous.keys()])].sort();
  return {
    tenant: input.tenant,
    thisWeek: input.thisWeek,
    lastWeek: input.lastWeek,
    applications: names.map((application) => {
      const now = current.get(application);
      const before = previous.get(application);
      return {
        application,
        thisWeek: now ? metrics(now) : null,
        lastWeek: before ? metrics(before) : null,
      };
    }),
  };
}

/** Relative change, or null when either side is missing or the base is 0. */
export function change(now: number | null | undefined, before: number | null | undefined): number | null {
  if (now === null || now === undefined || before === null || before === undefined || before === 0)
    return null;
  return (now - before) / Math.abs(before);
}

const FORMAT: Readonly<Record<keyof WeekMetrics, (v: number) => string>> = {
  events: (v) => Math.round(v).toLocaleString('en-US'),
  error_rate: (v) => `${(v * 100).toFixed(2)} %`,
  p95_ms: (v) => `${Math.round(v)} ms`,
  cost_usd: (v) => `$${v.toFixed(2)}`,
  tokens: (v) => Math.round(v).toLocaleString('en-US'),
  quality_mean: (v) => v.toFixed(3),
  feedback_positive_rate: (v) => `${(v * 100).toFixed(1)} %`,
};

const LABEL: Readonly<Record<keyof WeekMetrics, string>> = {
  events: 'events',
  error_rate: 'error rate',
  p95_ms: 'p95 latency',
  cost_usd: 'cost',
  tokens: 'tokens',
  quality_mean: 'mean score',
  feedback_positive_rate: 'positive feedback',
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** One cell: this week's value, last week's, and the change coloured by whether it is better. */
function cell(key: keyof WeekMetrics, app: WeeklyApplication): string {
  const now = app.thisWeek?.[key] ?? null;
  const before = app.lastWeek?.[key] ?? null;
  const shown = now === null ? '—' : FORMAT[key](now);
  const delta = change(now, before);
  let note = before === null ? 'no data last week' : `last week ${FORMAT[key](before)}`;
  let tone = 'same';
  if (delta !== null) {
    const better = BETTER[key];
    if (Math.abs(delta) >= 0.005 && better !== null)
      tone = delta > 0 === (better === 'up') ? 'better' : 'worse';
    note += ` (${delta > 0 ? '+' : ''}${(delta * 100).toFixed(1)} %)`;
  }
  return `<td class="${tone}"><b>${escapeHtml(shown)}</b><br><small>${escapeHtml(note)}</small></td>`;
}

/** The report as a standalone HTML document. */
export function renderWeeklyReportHtml(report: WeeklyReport, generatedAtMs: number): string {
  const keys = Object.keys(LABEL) as (keyof WeekMetrics)[];
  const head = `<tr><th>application</th>${keys.map((k) => `<th>${LABEL[k]}</th>`).join('')}</tr>`;
  const rows = report.applications
    .map((app) => `<tr><th>${escapeHtml(app.application)}</th>${keys.map((k) => cell(k, app)).join('')}</tr>`)
    .join('\n');
  const empty =
    report.applications.length === 0
      ? '<p class="empty">No windows in either week: run <code>npm run demo</code> or point your exporter at the pipeline.</p>'
      : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aiops weekly report ${day(report.thisWeek.toMs - 1)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1d232a}
table{border-collapse:collapse}th,td{border:1px solid #d0d7de;padding:.4em .6em;text-align:right;vertical-align:top}
th:first-child{text-align:left}small{color:#57606a}.better{background:#e6f6ea}.worse{background:#fdecea}
</style></head><body>
<h1>Weekly report</h1>
<p>This week ${day(report.thisWeek.fromMs)} – ${day(report.thisWeek.toMs - 1)} against last week ${day(report.lastWeek.fromMs)} – ${day(report.lastWeek.toMs - 1)} (UTC)${report.tenant === null ? ', all tenants' : `, tenant ${escapeHtml(report.tenant)}`}. Green: better, red: worse.</p>
${empty}<table id="weekly">
${head}
${rows}
</table>
<p><small>Generated ${new Date(generatedAtMs).toISOString()} from ClickHouse window_aggregates. p95: mean of window p95s weighted by window size.</small></p>
</body></html>
`;
}
