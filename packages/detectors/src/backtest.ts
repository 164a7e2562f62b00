import type { Alert, WindowAggregate } from '@aiops/contract';
import { seriesKey } from '@aiops/contract';
import { z } from 'zod';
import { type AlignedWindow, type BackfillPolicy, PartitionDetector } from './drive.js';
import { ENGINE_DETECTORS } from './engine.js';

/**
 * Backtesting rules on history: stored window aggregates (latest revisions, any order) replayed through the
 * live detector's path (drive.ts: the tenant-lane aligner, the engine, the alert lifecycle), then compared
 * with the notifications the live detector published. Pure: the CLI reads ClickHouse and prints.
 */

export const backtestOptionsSchema = z.strictObject({
  /** Reported period, epoch ms, inclusive: notifications whose event time falls in it are compared. */
  fromMs: z.number().int().nonnegative(),
  toMs: z.number().int().nonnegative(),
  /** The live detector's absence-check step (DETECTOR_TICK_STEP_MS). */
  tickStepMs: z.number().int().positive().default(10_000),
});
export type BacktestOptions = z.output<typeof backtestOptionsSchema>;

/** One notification reduced to what the `alerts` table keeps of it: one row per (alert_id, status). */
export interface BacktestAlert {
  readonly alert_id: string;
  readonly status: 'firing' | 'resolved';
  readonly detector: string;
  readonly severity: string;
  readonly tenant_id: string | null;
  readonly summary: string;
  /** Event time of the notification's status, epoch seconds (started_at, or resolved_at), as stored. */
  readonly at_s: number;
}

export interface DetectorDiff {
  readonly added: BacktestAlert[];
  readonly removed: BacktestAlert[];
  readonly unchanged: BacktestAlert[];
}

export interface BacktestReport {
  readonly from_ms: number;
  readonly to_ms: number;
  /** Windows replayed. */
  readonly windows: number;
  /** Windows the engine could not judge (set aside, as the live detector dead-letters them). */
  readonly failed: number;
  readonly totals: { readonly added: number; readonly removed: number; readonly unchanged: number };
  /** Per detector, sorted by name. */
  readonly detectors: Record<string, DetectorDiff>;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** The stored form of a notification, and its event time (what a replay and the table both know). */
export function backtestAlertOf(alert: Alert): BacktestAlert {
  const at = alert.status === 'resolved' ? (alert.resolved_at ?? alert.notified_at) : alert.started_at;
  return {
    alert_id: alert.alert_id,
    status: alert.status,
    detector: alert.detector,
    severity: alert.severity,
    tenant_id: alert.tenant_id,
    summary: alert.summary,
    at_s: seconds(at),
  };
}

/**
 * Replays windows with `rules` as the live detector would have judged them over a closed period: every
 * window up to `untilMs` is released (one source whose watermark is `untilMs`), in event-time order per
 * tenant, with the absence checks on the tick grid. `partitionOf` names the windows partition each window
 * was on: the detector runs one engine per partition, and so does the replay. Returns every notification.
 */
export function replayWindows(
  rules: unknown,
  windows: readonly WindowAggregate[],
  options: {
    tickStepMs: number;
    untilMs: number;
    policy?: BackfillPolicy;
    partitionOf?: (window: WindowAggregate) => number;
  },
): { alerts: Alert[]; failed: number } {
  const partitions = new Map<number, WindowAggregate[]>();
  for (const window of windows) {
    const partition = options.partitionOf?.(window) ?? 0;
    let list = partitions.get(partition);
    if (list === undefined) {
      list = [];
      partitions.set(partition, list);
    }
    list.push(window);
  }
  const alerts: Alert[] = [];
  let failed = 0;
  for (const partition of [...partitions.keys()].sort((a, b) => a - b)) {
    const replay = replayPartition(rules, partitions.get(partition)!, options);
    alerts.push(...replay.alerts);
    failed += replay.failed;
  }
  return { alerts, failed };
}

function replayPartition(
  rules: unknown,
  windows: readonly WindowAggregate[],
  options: { tickStepMs: number; untilMs: number; policy?: BackfillPolicy },
): { alerts: Alert[]; failed: number } {
  // The source is a single, closed history: nothing is ever idle or awaited.
  const detector = new PartitionDetector<AlignedWindow>(rules, {
    tickStepMs: options.tickStepMs,
    sourceIdleTimeoutMs: Number.MAX_SAFE_INTEGER,
    ...(options.policy ?? { backfill: 'page', liveHorizonMs: Number.MAX_SAFE_INTEGER }),
  });
  for (const window of windows) detector.add({ window, series: seriesKey(window), behind: 0 });
  detector.observeWatermark({ id: 'history', count: 1 }, options.untilMs, 0);
  let failed = 0;
  const alerts = detector.judge(0, () => {
    failed++;
  });
  return { alerts, failed };
}

const keyOf = (a: BacktestAlert) => `${a.alert_id}/${a.status}`;

/** Keeps one notification per (alert id, status), the latest, as the alerts table does. */
function latestByKey(alerts: readonly BacktestAlert[]): Map<string, BacktestAlert> {
  const out = new Map<string, BacktestAlert>();
  for (const a of alerts) out.set(keyOf(a), a);
  return out;
}

const inPeriod = (a: BacktestAlert, fromMs: number, toMs: number) =>
  a.at_s >= seconds(fromMs) && a.at_s <= seconds(toMs);

const byTime = (a: BacktestAlert, b: BacktestAlert) =>
  a.at_s - b.at_s || (a.alert_id < b.alert_id ? -1 : a.alert_id > b.alert_id ? 1 : 0);

/**
 * Current (the live detector's notifications, from the alerts table) against candidate (a replay's), in
 * the period: added = only the candidate's, removed = only the current's, unchanged = both; per detector.
 * Only the engine's detectors are compared: alerts other services publish to the same table (agent and
 * tool behaviour per trace) come from events, not windows, and no replay of windows could reproduce them.
 */
export function diffBacktest(
  current: readonly BacktestAlert[],
  candidate: readonly BacktestAlert[],
  options: Pick<BacktestOptions, 'fromMs' | 'toMs'> & { windows: number; failed: number },
): BacktestReport {
  const { fromMs, toMs } = options;
  const live = latestByKey(
    current.filter((a) => inPeriod(a, fromMs, toMs) && ENGINE_DETECTORS.includes(a.detector)),
  );
  const next = latestByKey(candidate.filter((a) => inPeriod(a, fromMs, toMs)));
  const detectors: Record<string, DetectorDiff> = {};
  const entry = (detector: string): DetectorDiff => {
    detectors[detector] ??= { added: [], removed: [], unchanged: [] };
    return detectors[detector];
  };
  for (const [key, a] of next)
    (live.has(key) ? entry(a.detector).unchanged : entry(a.detector).added).push(a);
  for (const [key, a] of live) if (!next.has(key)) entry(a.detector).removed.push(a);
  const sorted: Record<string, DetectorDiff> = {};
  const totals = { added: 0, removed: 0, unchanged: 0 };
  for (const name of Object.keys(detectors).sort()) {
    const d = detectors[name]!;
    sorted[name] = {
      added: d.added.sort(byTime),
      removed: d.removed.sort(byTime),
      unchanged: d.unchanged.sort(byTime),
    };
    totals.added += d.added.length;
    totals.removed += d.removed.length;
    totals.unchanged += d.unchanged.length;
  }
  return {
    from_ms: fromMs,
    to_ms: toMs,
    windows: options.windows,
    failed: options.failed,
    totals,
    detectors: sorted,
  };
}

/** The report for a terminal: totals, then per detector what changed (unchanged counted, not listed). */
export function formatBacktest(report: BacktestReport): string[] {
  const iso = (s: number) => new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const t = report.totals;
  const lines = [
    `backtest ${iso(seconds(report.from_ms))} → ${iso(seconds(report.to_ms))} UTC: ${report.windows} windows replayed` +
      (report.failed > 0 ? `, ${report.failed} could not be judged` : ''),
    `candidate vs current: +${t.added} added, -${t.removed} removed, ${t.unchanged} unchanged`,
  ];
  for (const [name, d] of Object.entries(report.detectors)) {
    lines.push(`${name}: +${d.added.length} -${d.removed.length} =${d.unchanged.length}`);
    for (const [sign, list] of [
      ['+', d.added],
      ['-', d.removed],
    ] as const)
      for (const a of list)
        lines.push(`  ${sign} ${iso(a.at_s)}  ${a.status.padEnd(8)} ${a.severity.padEnd(8)} ${a.summary}`);
  }
  return lines;
}
