import type { DetectorContext } from '../context.js';
import type { WindowFeatures } from '../features.js';
import type { RateState } from '../stats/rate.js';
import { rateExpected, rateInit, rateLearn, rateZ } from '../stats/rate.js';
import type { RollingState } from '../stats/rolling.js';
import { rollingAdd, rollingInit, rollingSum } from '../stats/rolling.js';
import { excessScore, fmt } from '../stats/score.js';

/**
 * Error rate and SLO burn.
 * - `ratio`: errors/events of the window against the learned error ratio (binomial z, stats/rate.ts),
 *   needing z ≥ z_threshold, ratio ≥ min_ratio × baseline and ratio − baseline ≥ min_increase.
 * - `burn_<long>_<short>`: where an SLO is configured, the SRE workbook's multi-window multi-burn-rate
 *   alerts: the burn rate (error ratio / error budget) over both the long and the short window must reach
 *   budget_fraction × period / long (14.4 over 1h and 5m, 6 over 6h and 30m, 1 over 3d and 6h for 30 days).
 *   Sums over the horizons come from 12-bucket rolling counters (exact to 1/12 of the horizon). A burn
 *   alert is judged once the series has at least its short window of history, so that the first few
 *   windows of a new series cannot page on a handful of events.
 */
export const ERRORS = 'errors';

export interface ErrorsState {
  rate: RateState;
  /** Rolling (errors, events) per horizon (key: the horizon in ms), for the burn rates. */
  horizons: Record<number, RollingState>;
  /** Start of the first window seen: a burn alert needs at least its short window of history. */
  firstT: number;
}

export function errorsInit(): ErrorsState {
  return { rate: rateInit(), horizons: {}, firstT: -1 };
}

const pair: [number, number] = [0, 0];

function horizon(s: ErrorsState, ms: number): RollingState {
  let h = s.horizons[ms];
  if (h === undefined) {
    h = rollingInit(ms);
    s.horizons[ms] = h;
  }
  return h;
}

export function errorsEvaluate(ctx: DetectorContext, s: ErrorsState, f: WindowFeatures): void {
  const r = ctx.compiled.rules.errors;
  if (!r.enabled) return;
  if (f.events >= r.min_events && f.events > 0) {
    const ratio = f.errors / f.events;
    const expected = rateExpected(s.rate);
    const z = rateZ(s.rate, f.errors, f.events);
    const threshold = Math.max(expected * r.min_ratio, expected + r.min_increase);
    const warm = s.rate.windows >= ctx.compiled.warmup;
    if (warm && z >= r.z_threshold && ratio >= threshold) {
      ctx.emit.breach(
        ERRORS,
        'ratio',
        z >= 2 * r.z_threshold && ratio - expected >= 2 * r.min_increase ? 'critical' : 'warning',
        f,
        ratio,
        expected,
        threshold,
        excessScore(z, r.z_threshold),
        () => ({
          summary: `Error ratio of ${ctx.scope} is ${pct(ratio)} (${f.errors} of ${f.events} events), against a baseline of ${pct(expected)}.`,
          evidence: {
            errors: String(f.errors),
            events: String(f.events),
            error_ratio: fmt(ratio),
            baseline_ratio: fmt(expected),
            z: fmt(z),
            top_error_types: topTypes(f.errorsByType),
          },
        }),
      );
    } else
      ctx.emit.clear(
        ERRORS,
        'ratio',
        f,
        ratio,
        expected,
        threshold,
        warm ? excessScore(z, r.z_threshold) : 0,
      );
  }
  const slo = r.slo;
  if (slo === null) return;
  if (s.firstT < 0) s.firstT = f.start;
  const budget = 1 - slo.objective;
  for (const burn of ctx.compiled.burn) {
    const rule = burn.rule;
    rollingSum(horizon(s, rule.long_ms), f.end - 1, pair);
    const longErrors = pair[0] + f.errors;
    const longEvents = pair[1] + f.events;
    rollingSum(horizon(s, rule.short_ms), f.end - 1, pair);
    const shortErrors = pair[0] + f.errors;
    const shortEvents = pair[1] + f.events;
    const burnLong = longEvents > 0 ? longErrors / longEvents / budget : 0;
    const burnShort = shortEvents > 0 ? shortErrors / shortEvents / budget : 0;
    const { factor, name, long, short } = burn;
    const covered = f.end - s.firstT >= rule.short_ms;
    if (covered && shortEvents >= slo.min_events && burnLong >= factor && burnShort >= factor) {
      ctx.emit.breach(
        ERRORS,
        name,
        rule.severity,
        f,
        burnLong,
        1,
        factor,
        excessScore(Math.min(burnLong, burnShort) / factor, 1),
        () => ({
          summary: `${ctx.scope} is burning its ${pct(slo.objective)} SLO error budget ${fmt(burnLong, 2)}× too fast over ${long} (${fmt(burnShort, 2)}× over ${short}); at this rate ${pct(rule.budget_fraction)} of the ${slo.period_days}-day budget is gone within ${long}.`,
          evidence: {
            objective: String(slo.objective),
            burn_rate_long: fmt(burnLong),
            burn_rate_short: fmt(burnShort),
            burn_threshold: fmt(factor),
            error_ratio_long: fmt(longEvents > 0 ? longErrors / longEvents : 0),
            error_ratio_short: fmt(shortEvents > 0 ? shortErrors / shortEvents : 0),
            events_long: String(longEvents),
            events_short: String(shortEvents),
            long_window: long,
            short_window: short,
          },
        }),
      );
    } else ctx.emit.clear(ERRORS, name, f, burnLong, 1, factor, 0);
  }
}

export function errorsLearn(ctx: DetectorContext, s: ErrorsState, f: WindowFeatures): void {
  const r = ctx.compiled.rules.errors;
  if (!r.enabled) return;
  if (f.events > 0) rateLearn(s.rate, ctx.compiled.rate, f.errors, f.events);
  // Distinct horizons: 6h is the long window of one alert and the short one of another.
  for (const ms of ctx.compiled.burnHorizons) rollingAdd(horizon(s, ms), f.end - 1, f.errors, f.events);
}

function topTypes(byType: Record<string, number>): string {
  return Object.entries(byType)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 3)
    .map(([t, n]) => `${t}:${n}`)
    .join(',');
}

export function pct(ratio: number): string {
  return `${fmt(ratio * 100)}%`;
}
