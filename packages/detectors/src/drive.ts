import type { Alert, WindowAggregate } from '@aiops/contract';
import { type AlignedStep, type AlignerOptions, DEFAULT_LANE, EventTimeAligner } from '@aiops/windowing';
import type { DetectionEngine } from './engine.js';

/**
 * How windows reach the detection engine, in one place for the live detector (services/detector) and the
 * backtest (backtest.ts): an event-time aligner whose lanes are tenants hands the engine windows in
 * event-time order, with absence checks (ticks) at fixed event-time steps on each tenant's own clock;
 * history (a window that closed far behind live data) only teaches the baselines when the policy says so.
 */

/** A window waiting for the event-time clock. */
export interface AlignedWindow {
  readonly window: WindowAggregate;
  /** Its series key (contract seriesKey). */
  readonly series: string;
  /** How far behind its aggregator partition's newest data it closed (header aiops.behind-ms); 0 if unknown. */
  readonly behind: number;
  /** A late correction's place in event time (header aiops.align-at); a window's is its end. */
  readonly at?: number;
}

/** What history does (the detector's `backfill` and `liveHorizonMs`). */
export interface BackfillPolicy {
  readonly backfill: 'learn' | 'page';
  readonly liveHorizonMs: number;
}

/** Windows of one end are judged in a fixed order, so a run does not depend on arrival order. */
export function compareAlignedWindows(a: AlignedWindow, b: AlignedWindow): number {
  const x = a.window;
  const y = b.window;
  if (x.window_start !== y.window_start) return x.window_start - y.window_start;
  if (a.series !== b.series) return a.series < b.series ? -1 : 1;
  if (x.revision !== y.revision) return x.revision - y.revision;
  const c = x.correction_event_id ?? '';
  const d = y.correction_event_id ?? '';
  return c === d ? 0 : c < d ? -1 : 1;
}

/** The aligner the engine is fed through: time = window end, lanes = tenants. */
export function createWindowAligner<T extends AlignedWindow>(options: AlignerOptions): EventTimeAligner<T> {
  return new EventTimeAligner<T>(
    options,
    (held) => held.at ?? held.window.window_end,
    compareAlignedWindows,
    (held) => held.window.tenant_id,
  );
}

/**
 * Applies the aligner's steps to the engine and returns the notifications. `backfilling` (tenants whose
 * latest window was history) is updated in place; a window the engine cannot judge goes to `onFailed`
 * and never stops the rest.
 */
export function judgeSteps<T extends AlignedWindow>(
  engine: DetectionEngine,
  steps: Iterable<AlignedStep<T>>,
  backfilling: Set<string>,
  policy: BackfillPolicy,
  onFailed: (item: T, error: unknown) => void,
): Alert[] {
  const alerts: Alert[] = [];
  for (const step of steps) {
    if (step.kind === 'tick') {
      // Each tenant's absence is judged on its own clock, and not while its windows are history.
      if (step.lane !== DEFAULT_LANE && !backfilling.has(step.lane))
        alerts.push(...engine.tick(step.atMs, step.lane));
      continue;
    }
    try {
      const tenant = step.item.window.tenant_id;
      const history = policy.backfill === 'learn' && step.item.behind > policy.liveHorizonMs;
      if (history) backfilling.add(tenant);
      else backfilling.delete(tenant);
      alerts.push(...engine.process(step.item.window, history));
    } catch (error) {
      onFailed(step.item, error);
    }
  }
  return alerts;
}
