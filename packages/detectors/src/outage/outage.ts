import type { DetectorContext } from '../context.js';
import { pct } from '../errors/errors.js';
import type { WindowFeatures } from '../features.js';
import type { RateState } from '../stats/rate.js';
import { rateExpected } from '../stats/rate.js';
import { fmt } from '../stats/score.js';

/**
 * Outage and no data, per series (one provider/model/operation of one application).
 * - `errors`: the error ratio of a window reaches error_ratio (0.9) with at least min_events events. No
 *   warm-up needed, but a series whose *learned* ratio is already that high is chronically failing, not
 *   going down, and is left to the error-rate detector.
 * - `no_data`: driven by `tick(now)` (stream-time or wall-clock punctuation), since silence produces no
 *   windows. A warm series that used to carry ≥ min_expected_events per window (windows it skipped count
 *   as empty) and has sent nothing for absence_after_ms — and for gap_factor × the longest silence it has
 *   shown before (a decaying maximum, so a bursty series, such as an agent's tool calls that come in runs
 *   minutes apart, is not called down during its usual pauses) — enters the explicit no-data state; it
 *   alerts while its peers (the other series of the same tenant/application/environment) still report, or
 *   always if require_peers is off, and, once raised, holds until the series reports again: its next
 *   window leaves the state and lets it recover.
 */
export const OUTAGE = 'outage';

export interface OutageState {
  /** EW mean events per window, windows the series skipped counted as empty. */
  traffic: number;
  windows: number;
  /** Highest window end seen. */
  lastEnd: number;
  noData: boolean;
  /** Event time of the last tick that judged this series silent. */
  lastSilentTick: number;
  /** End of the last learned window (0: none yet). Absent in snapshots of older versions. */
  learnedEnd?: number;
  /** Longest silence between learned windows, in ms, decaying with the baseline's half-life. */
  gapMax?: number;
}

export function outageInit(): OutageState {
  return { traffic: 0, windows: 0, lastEnd: 0, noData: false, lastSilentTick: 0, learnedEnd: 0, gapMax: 0 };
}

export function outageEvaluate(
  ctx: DetectorContext,
  s: OutageState,
  f: WindowFeatures,
  errorRate: RateState,
): void {
  const r = ctx.compiled.rules.outage;
  if (!r.enabled) return;
  // Data is here: leave the no-data state, and keep telling a tracked no-data alert so that it recovers.
  // (Observed no earlier than the last tick that judged the series silent: ticks may run ahead of windows.)
  s.noData = false;
  ctx.emit.clear(
    OUTAGE,
    'no_data',
    { start: f.start, end: Math.max(f.end, s.lastSilentTick) },
    f.events,
    s.traffic,
    0,
    0,
  );
  if (f.events < r.min_events || f.events === 0) return;
  const ratio = f.errors / f.events;
  const chronic = errorRate.windows >= ctx.compiled.warmup && rateExpected(errorRate) >= r.error_ratio;
  if (ratio >= r.error_ratio && !chronic) {
    ctx.emit.breach(
      OUTAGE,
      'errors',
      'critical',
      f,
      ratio,
      rateExpected(errorRate),
      r.error_ratio,
      ratio,
      () => ({
        summary: `${ctx.scope} looks down: ${pct(ratio)} of its ${f.events} calls failed.`,
        evidence: {
          errors: String(f.errors),
          events: String(f.events),
          error_ratio: fmt(ratio),
          baseline_ratio: fmt(rateExpected(errorRate)),
        },
      }),
    );
  } else ctx.emit.clear(OUTAGE, 'errors', f, ratio, rateExpected(errorRate), r.error_ratio, ratio);
}

export function outageSeen(s: OutageState, f: WindowFeatures): void {
  if (f.end > s.lastEnd) s.lastEnd = f.end;
}

export function outageLearn(ctx: DetectorContext, s: OutageState, f: WindowFeatures): void {
  const alpha = ctx.compiled.rate.alpha;
  const previous = s.learnedEnd ?? 0;
  const gap = previous > 0 && f.start > previous ? f.start - previous : 0;
  const size = f.end - f.start;
  // Windows that never came carried no events: fold them in as zeros (bounded: a day of 1-minute windows).
  const skipped = size > 0 ? Math.min(1440, Math.round(gap / size)) : 0;
  if (s.windows > 0 && skipped > 0) s.traffic *= (1 - alpha) ** skipped;
  const a = Math.max(alpha, 1 / (s.windows + 1));
  s.traffic += a * (f.events - s.traffic);
  s.gapMax = Math.max(gap, (s.gapMax ?? 0) * (1 - alpha) ** (1 + skipped));
  s.learnedEnd = f.end;
  s.windows++;
}

/**
 * Judges silence at event time `now`. `peersLastEnd` is the latest window end among the other series of
 * the same tenant/application/environment (0 when none). Returns whether it wrote `s` (the series was
 * judged silent): a tick visits every series, and an incremental checkpoint takes only those.
 */
export function outageTick(ctx: DetectorContext, s: OutageState, now: number, peersLastEnd: number): boolean {
  const r = ctx.compiled.rules.outage;
  if (!r.enabled || s.windows < ctx.compiled.warmup || s.traffic < r.min_expected_events) return false;
  const silent = now - s.lastEnd;
  if (silent < r.absence_after_ms || silent < r.gap_factor * (s.gapMax ?? 0)) return false;
  s.noData = true;
  s.lastSilentTick = now;
  const peersActive = now - peersLastEnd < r.absence_after_ms;
  const window = { start: s.lastEnd, end: now };
  // Once raised, the alert holds until data returns, even if the peers fall silent too.
  if (peersActive || !r.require_peers || ctx.emit.tracks(OUTAGE, 'no_data')) {
    const minutes = Math.round(silent / 60_000);
    ctx.emit.breach(OUTAGE, 'no_data', 'critical', window, 0, s.traffic, r.absence_after_ms, 1, () => ({
      summary: `${ctx.scope} has sent no telemetry for ${minutes} min (it usually sends ${fmt(s.traffic)} events per window)${peersActive ? ' while its peers still report' : ''}.`,
      evidence: {
        last_window_end: new Date(s.lastEnd).toISOString(),
        silent_ms: String(silent),
        expected_events_per_window: fmt(s.traffic),
        peers_active: String(peersActive),
      },
    }));
  }
  return true;
}
