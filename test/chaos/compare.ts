/**
 * What one run left behind (ClickHouse tables and the alerts topic) and how two runs differ. Pure: the
 * rows are read elsewhere (snapshot.ts).
 */

export type Row = Record<string, unknown>;

export interface AlertNotification {
  readonly alertId: string;
  readonly status: string;
  readonly severity: string;
  readonly notifiedAt: number;
}

export interface RunSnapshot {
  readonly events: {
    /** Rows after deduplication (`FINAL`). */
    readonly final: number;
    /** Rows as inserted, replays and retries included (before merges collapse them). */
    readonly inserted: number;
    readonly distinctIds: number;
    /** Order-independent hashes of the set of event_ids and of the deterministic columns. */
    readonly idHash: string;
    readonly contentHash: string;
  };
  /** window_aggregates FINAL by (series, size, window_start), without emitted_at / emitted_at_ms. */
  readonly windows: ReadonlyMap<string, Row>;
  readonly windowsInserted: number;
  /** sum(events) over window_aggregates FINAL, per window size in seconds: each event counted once per size. */
  readonly windowEventTotals: Readonly<Record<string, number>>;
  /** alerts FINAL by `alert_id/status`. */
  readonly alerts: ReadonlyMap<string, Row>;
  /** Every notification on the alerts topic (committed transactions), in topic order per partition. */
  readonly notifications: readonly AlertNotification[];
  /** Dead letters by `aiops.dlq.reason`. */
  readonly deadLetters: Readonly<Record<string, number>>;
}

/** Columns of window_aggregates that depend on when things happened, not on the data. */
export const WINDOW_TIMING_COLUMNS = ['revision', 'late_events'] as const;

export interface NotificationCheck {
  readonly notifications: number;
  readonly alertIds: number;
  readonly firing: number;
  /** The same notification (alert_id, status, notified_at) published more than once. */
  readonly duplicates: number;
  /** A firing repeated sooner than the repeat interval without a severity rise (duplicates included). */
  readonly earlyRepeats: number;
  readonly examples: string[];
}

const SEVERITY_RANK: Readonly<Record<string, number>> = { info: 0, warning: 1, critical: 2 };

/** Checks the notification topic on its own: nothing published twice, repeats only by the interval. */
export function checkNotifications(
  notifications: readonly AlertNotification[],
  repeatIntervalMs: number,
): NotificationCheck {
  const seen = new Set<string>();
  let duplicates = 0;
  const examples: string[] = [];
  const firingById = new Map<string, AlertNotification[]>();
  for (const n of notifications) {
    const key = `${n.alertId}/${n.status}/${n.notifiedAt}`;
    if (seen.has(key)) {
      duplicates++;
      if (examples.length < 5) examples.push(`duplicate ${key}`);
    }
    seen.add(key);
    if (n.status === 'firing') {
      const list = firingById.get(n.alertId) ?? [];
      list.push(n);
      firingById.set(n.alertId, list);
    }
  }
  let earlyRepeats = 0;
  let firing = 0;
  for (const [alertId, list] of firingById) {
    firing += list.length;
    const sorted = [...list].sort((a, b) => a.notifiedAt - b.notifiedAt);
    for (let i = 1; i < sorted.length; i++) {
      const previous = sorted[i - 1]!;
      const current = sorted[i]!;
      const escalated = (SEVERITY_RANK[current.severity] ?? 0) > (SEVERITY_RANK[previous.severity] ?? 0);
      if (current.notifiedAt - previous.notifiedAt < repeatIntervalMs && !escalated) {
        earlyRepeats++;
        if (examples.length < 5) {
          examples.push(
            `${alertId} fired at ${previous.notifiedAt} and again at ${current.notifiedAt} (${current.severity})`,
          );
        }
      }
    }
  }
  return {
    notifications: notifications.length,
    alertIds: new Set(notifications.map((n) => n.alertId)).size,
    firing,
    duplicates,
    earlyRepeats,
    examples,
  };
}

/** Per alert_id, its distinct notifications as one comparable line: `firing@t:severity resolved@t ...`. */
export function alertHistories(notifications: readonly AlertNotification[]): Map<string, string> {
  const byId = new Map<string, Set<string>>();
  for (const n of notifications) {
    const set = byId.get(n.alertId) ?? new Set<string>();
    set.add(`${n.notifiedAt}:${n.status}:${n.severity}`);
    byId.set(n.alertId, set);
  }
  const out = new Map<string, string>();
  for (const [id, set] of byId) out.set(id, [...set].sort().join(' '));
  return out;
}

function sameValue(a: unknown, b: unknown): 'equal' | 'float' | 'different' {
  if (a === b) return 'equal';
  if (typeof a === 'number' && typeof b === 'number') {
    const scale = Math.max(Math.abs(a), Math.abs(b), 1e-300);
    return Math.abs(a - b) / scale <= 1e-9 ? 'float' : 'different';
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return 'different';
    let result: 'equal' | 'float' = 'equal';
    for (let i = 0; i < a.length; i++) {
      const r = sameValue(a[i], b[i]);
      if (r === 'different') return 'different';
      if (r === 'float') result = 'float';
    }
    return result;
  }
  return 'different';
}

export interface TableDiff {
  readonly expected: number;
  readonly actual: number;
  readonly missing: number;
  readonly extra: number;
  /** Rows present in both whose compared columns differ. */
  readonly differing: number;
  /** Rows equal only within a relative 1e-9 on some float column. */
  readonly floatOnly: number;
  /** Per ignored-but-reported column (e.g. revision): rows where it differs. */
  readonly informational: Record<string, number>;
  readonly examples: string[];
}

/** Row-by-row comparison by key; `informational` columns are counted apart and not part of `differing`. */
export function diffTables(
  expected: ReadonlyMap<string, Row>,
  actual: ReadonlyMap<string, Row>,
  informationalColumns: readonly string[] = [],
): TableDiff {
  let missing = 0;
  let extra = 0;
  let differing = 0;
  let floatOnly = 0;
  const informational: Record<string, number> = Object.fromEntries(informationalColumns.map((c) => [c, 0]));
  const examples: string[] = [];
  for (const [key, row] of expected) {
    const other = actual.get(key);
    if (other === undefined) {
      missing++;
      if (examples.length < 5) examples.push(`missing ${key}`);
      continue;
    }
    let rowResult: 'equal' | 'float' | 'different' = 'equal';
    const columns: string[] = [];
    for (const column of new Set([...Object.keys(row), ...Object.keys(other)])) {
      const r = sameValue(row[column], other[column]);
      if (r === 'equal') continue;
      if (informationalColumns.includes(column)) {
        if (r === 'different') informational[column] = (informational[column] ?? 0) + 1;
        continue;
      }
      if (r === 'different') {
        rowResult = 'different';
        columns.push(`${column}: ${JSON.stringify(row[column])} → ${JSON.stringify(other[column])}`);
      } else if (rowResult === 'equal') rowResult = 'float';
    }
    if (rowResult === 'different') {
      differing++;
      if (examples.length < 5) examples.push(`${key}: ${columns.slice(0, 4).join('; ')}`);
    } else if (rowResult === 'float') floatOnly++;
  }
  for (const key of actual.keys()) {
    if (!expected.has(key)) {
      extra++;
      if (examples.length < 5) examples.push(`extra ${key}`);
    }
  }
  return {
    expected: expected.size,
    actual: actual.size,
    missing,
    extra,
    differing,
    floatOnly,
    informational,
    examples,
  };
}

export interface RunComparison {
  /** Same count, same set of event_ids, same deterministic columns. */
  readonly eventsEqual: boolean;
  /** Rows after deduplication minus the baseline's (negative: lost, positive: duplicated). */
  readonly eventsDelta: number;
  readonly windows: TableDiff;
  readonly alerts: TableDiff;
  /** Missing and extra alert rows by detector (`detector: -missing/+extra`). */
  readonly alertsByDetector: Record<string, { missing: number; extra: number }>;
  /** alert_ids whose notification history on the topic differs from the baseline's. */
  readonly historiesDiffering: number;
  readonly historyExamples: string[];
}

export function compareRuns(baseline: RunSnapshot, run: RunSnapshot): RunComparison {
  const eventsEqual =
    baseline.events.final === run.events.final &&
    baseline.events.idHash === run.events.idHash &&
    baseline.events.contentHash === run.events.contentHash;
  const expectedHistories = alertHistories(baseline.notifications);
  const actualHistories = alertHistories(run.notifications);
  let historiesDiffering = 0;
  const historyExamples: string[] = [];
  for (const id of new Set([...expectedHistories.keys(), ...actualHistories.keys()])) {
    const a = expectedHistories.get(id);
    const b = actualHistories.get(id);
    if (a !== b) {
      historiesDiffering++;
      if (historyExamples.length < 5) historyExamples.push(`${id}: ${a ?? '(none)'} → ${b ?? '(none)'}`);
    }
  }
  const alertsByDetector: Record<string, { missing: number; extra: number }> = {};
  const tally = (row: Row, field: 'missing' | 'extra') => {
    const name = String(row.detector ?? 'unknown');
    alertsByDetector[name] ??= { missing: 0, extra: 0 };
    alertsByDetector[name][field]++;
  };
  for (const [key, row] of baseline.alerts) if (!run.alerts.has(key)) tally(row, 'missing');
  for (const [key, row] of run.alerts) if (!baseline.alerts.has(key)) tally(row, 'extra');
  return {
    alertsByDetector,
    eventsEqual,
    eventsDelta: run.events.final - baseline.events.final,
    windows: diffTables(baseline.windows, run.windows, WINDOW_TIMING_COLUMNS),
    alerts: diffTables(baseline.alerts, run.alerts),
    historiesDiffering,
    historyExamples,
  };
}

export interface RunReport {
  readonly name: string;
  readonly wallSeconds: number;
  readonly drainSeconds: number;
  readonly drained: boolean;
  readonly snapshot: RunSnapshot;
  readonly notificationsCheck: NotificationCheck;
  readonly comparison: RunComparison | null;
  readonly restarts: { crashRestarts: number; kills: number; byProcess: string };
  readonly notes: readonly string[];
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** The table the suite prints: one line per run, the baseline first. */
export function formatReports(reports: readonly RunReport[]): string[] {
  const header = [
    'run',
    'wall s',
    'events FINAL',
    'inserted',
    'Δevents',
    'windows',
    'Σ window events',
    'win missing/extra/diff',
    'revision≠',
    'alert rows',
    'alert diff',
    'alert ids',
    'notifications',
    'dup/early',
    'history≠',
    'late DLQ',
    'restarts crash/kill',
  ];
  const rows = reports.map((r) => {
    const s = r.snapshot;
    const c = r.comparison;
    return [
      r.name,
      r.wallSeconds.toFixed(0),
      String(s.events.final),
      String(s.events.inserted),
      c === null ? '-' : c.eventsEqual ? '0' : `${c.eventsDelta} (set≠)`,
      String(s.windows.size),
      Object.values(s.windowEventTotals).join('/'),
      c === null ? '-' : `${c.windows.missing}/${c.windows.extra}/${c.windows.differing}`,
      c === null ? '-' : String(c.windows.informational.revision ?? 0),
      String(s.alerts.size),
      c === null ? '-' : `${c.alerts.missing}/${c.alerts.extra}/${c.alerts.differing}`,
      String(r.notificationsCheck.alertIds),
      `${r.notificationsCheck.notifications} (${r.notificationsCheck.firing} firing)`,
      `${r.notificationsCheck.duplicates}/${r.notificationsCheck.earlyRepeats}`,
      c === null ? '-' : String(c.historiesDiffering),
      String(s.deadLetters.late_event ?? 0),
      `${r.restarts.crashRestarts}/${r.restarts.kills}`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => pad(cell, widths[i]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}
