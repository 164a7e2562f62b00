import type { DetectorContext } from '../context.js';
import type { WindowFeatures } from '../features.js';
import type { LevelState } from '../stats/level.js';
import { levelExpected, levelInit, levelLearn, levelSigma } from '../stats/level.js';
import type { RollingState } from '../stats/rolling.js';
import { rollingAdd, rollingInit, rollingSum } from '../stats/rolling.js';
import { excessScore, fmt } from '../stats/score.js';

/**
 * Cost.
 * Per tenant/application (all its series summed, window by window):
 * - `spend_rate`: spend of the window against a robust seasonal baseline of log spend; needs z ≥ z_threshold,
 *   spend ≥ min_ratio × baseline and ≥ min_spend_usd. A window is judged as its series arrive (the sum only
 *   grows), and learned once a later window starts; late series windows of a closed window count towards
 *   the budgets but not the baseline.
 * - `budget_daily` / `budget_monthly` (UTC periods), where a budget is configured: critical once spent,
 *   warning when spent + recent rate × time left exceeds it (after min_elapsed_fraction of the period).
 *   The recent rate is the spend over rate_horizon_ms.
 * Per series:
 * - `token_runaway`: output tokens per event against their baseline: ratio ≥ token_runaway_ratio and
 *   z ≥ z_threshold.
 */
export const COST = 'cost';
const DAY = 86_400_000;

export interface CostGroupState {
  hasOpen: boolean;
  openStart: number;
  openEnd: number;
  openCost: number;
  spend: LevelState | null;
  dayStart: number;
  daySpent: number;
  monthStart: number;
  monthSpent: number;
  recent: RollingState | null;
  firstT: number;
  /** Series windows that arrived after their window had closed for the spend baseline. */
  lateWindows: number;
}

export function costGroupInit(): CostGroupState {
  return {
    hasOpen: false,
    openStart: 0,
    openEnd: 0,
    openCost: 0,
    spend: null,
    dayStart: -1,
    daySpent: 0,
    monthStart: -1,
    monthSpent: 0,
    recent: null,
    firstT: -1,
    lateWindows: 0,
  };
}

export interface TokenState {
  perCall: LevelState | null;
}

export function tokenInit(): TokenState {
  return { perCall: null };
}

function monthStartOf(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

function nextMonthStart(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/**
 * Adds `delta` USD of series window `f` to its tenant/application (delta is the whole cost of a new window,
 * or the difference a revision makes), then judges spend rate and budgets.
 */
export function costGroupAdd(
  ctx: DetectorContext,
  g: CostGroupState,
  f: WindowFeatures,
  delta: number,
): void {
  const r = ctx.compiled.rules.cost;
  if (!r.enabled) return;
  const eps = Math.max(r.min_spend_usd, 1e-6);
  const p = ctx.compiled.logLevel;
  if (g.firstT < 0) g.firstT = f.start;
  // Budgets: every dollar counts, late or not, in the UTC day and month it was spent.
  const day = Math.floor(f.start / DAY) * DAY;
  if (day > g.dayStart) {
    g.dayStart = day;
    g.daySpent = 0;
    const month = monthStartOf(day);
    if (month > g.monthStart) {
      g.monthStart = month;
      g.monthSpent = 0;
    }
  }
  if (day === g.dayStart) {
    g.daySpent += delta;
    g.monthSpent += delta;
  } else if (monthStartOf(f.start) === g.monthStart) g.monthSpent += delta;
  if (g.recent === null) g.recent = rollingInit(r.budget.rate_horizon_ms);
  rollingAdd(g.recent, f.end - 1, delta, 0);

  // Spend rate of the open window.
  if (!g.hasOpen || f.start > g.openStart) {
    if (g.hasOpen) {
      if (g.spend === null) g.spend = levelInit(p);
      levelLearn(g.spend, p, g.openStart, Math.log(g.openCost + eps));
    }
    g.hasOpen = true;
    g.openStart = f.start;
    g.openEnd = f.end;
    g.openCost = 0;
  }
  if (f.start === g.openStart) {
    g.openCost += delta;
    judgeSpend(ctx, g, eps);
  } else g.lateWindows++;

  const b = r.budget;
  if (b.daily_usd !== null) {
    judgeBudget(
      ctx,
      g,
      'budget_daily',
      'daily',
      b.daily_usd,
      g.dayStart,
      g.dayStart + DAY,
      g.daySpent,
      f.end,
    );
  }
  if (b.monthly_usd !== null) {
    const end = nextMonthStart(g.monthStart);
    judgeBudget(ctx, g, 'budget_monthly', 'monthly', b.monthly_usd, g.monthStart, end, g.monthSpent, f.end);
  }
}

function judgeSpend(ctx: DetectorContext, g: CostGroupState, eps: number): void {
  const r = ctx.compiled.rules.cost;
  const window = { start: g.openStart, end: g.openEnd };
  if (g.spend === null) return;
  const p = ctx.compiled.logLevel;
  const logExpected = levelExpected(g.spend, p, g.openStart);
  const sigma = levelSigma(g.spend, p, logExpected);
  const z = (Math.log(g.openCost + eps) - logExpected) / sigma;
  const expected = Math.max(0, Math.exp(logExpected) - eps);
  const threshold = Math.max(expected * r.min_ratio, r.min_spend_usd);
  const warm = g.spend.n >= ctx.compiled.warmup;
  if (warm && z >= r.z_threshold && g.openCost >= threshold) {
    const ratio = expected > 0 ? g.openCost / expected : Number.POSITIVE_INFINITY;
    ctx.emit.breach(
      COST,
      'spend_rate',
      ratio >= 2 * r.min_ratio ? 'critical' : 'warning',
      window,
      g.openCost,
      expected,
      threshold,
      excessScore(z, r.z_threshold),
      () => ({
        summary: `${ctx.scope} spent $${fmt(g.openCost)} in one window, ${fmt(ratio, 2)}× its usual $${fmt(expected)}.`,
        evidence: { spend_usd: fmt(g.openCost), baseline_usd: fmt(expected), ratio: fmt(ratio), z: fmt(z) },
      }),
    );
  } else ctx.emit.clear(COST, 'spend_rate', window, g.openCost, expected, threshold, 0);
}

function judgeBudget(
  ctx: DetectorContext,
  g: CostGroupState,
  signal: string,
  period: string,
  budget: number,
  periodStart: number,
  periodEnd: number,
  spent: number,
  now: number,
): void {
  const b = ctx.compiled.rules.cost.budget;
  const window = { start: periodStart, end: now };
  const elapsed = (now - periodStart) / (periodEnd - periodStart);
  const covered = Math.min(b.rate_horizon_ms, Math.max(1, now - g.firstT));
  const recent = g.recent === null ? 0 : rollingSum(g.recent, now - 1, [0, 0])[0];
  const rate = recent / covered; // USD per ms
  const projected = spent + rate * Math.max(0, periodEnd - now);
  if (spent >= budget) {
    ctx.emit.breach(COST, signal, 'critical', window, spent, budget, budget, 1, () => ({
      summary: `${ctx.scope} has spent $${fmt(spent)} of its $${fmt(budget)} ${period} budget.`,
      evidence: {
        spent_usd: fmt(spent),
        budget_usd: fmt(budget),
        period_start: new Date(periodStart).toISOString(),
      },
    }));
  } else if (elapsed >= b.min_elapsed_fraction && projected > budget && rate > 0) {
    const exhaustAt = now + (budget - spent) / rate;
    ctx.emit.breach(
      COST,
      signal,
      'warning',
      window,
      projected,
      budget,
      budget,
      excessScore(projected / budget - 1, 0.5),
      () => ({
        summary: `${ctx.scope} will exhaust its $${fmt(budget)} ${period} budget around ${new Date(exhaustAt).toISOString()}, before the period ends (projected $${fmt(projected)}).`,
        evidence: {
          spent_usd: fmt(spent),
          budget_usd: fmt(budget),
          projected_usd: fmt(projected),
          recent_rate_usd_per_hour: fmt(rate * 3_600_000),
          exhausted_at: new Date(exhaustAt).toISOString(),
          period_end: new Date(periodEnd).toISOString(),
        },
      }),
    );
  } else ctx.emit.clear(COST, signal, window, projected, budget, budget, 0);
}

export function tokenEvaluate(ctx: DetectorContext, s: TokenState, f: WindowFeatures): void {
  const r = ctx.compiled.rules.cost;
  if (!r.enabled || f.events < r.token_min_events || !(f.outputTokens > 0) || s.perCall === null) return;
  const p = ctx.compiled.logLevel;
  const perCall = f.outputTokens / f.events;
  const logExpected = levelExpected(s.perCall, p, f.start);
  const sigma = levelSigma(s.perCall, p, logExpected);
  const z = (Math.log(perCall) - logExpected) / sigma;
  const expected = Math.exp(logExpected);
  const ratio = perCall / expected;
  const threshold = expected * r.token_runaway_ratio;
  const warm = s.perCall.n >= ctx.compiled.warmup;
  if (warm && ratio >= r.token_runaway_ratio && z >= r.z_threshold) {
    ctx.emit.breach(
      COST,
      'token_runaway',
      ratio >= 2 * r.token_runaway_ratio ? 'critical' : 'warning',
      f,
      perCall,
      expected,
      threshold,
      excessScore(z, r.z_threshold),
      () => ({
        summary: `${ctx.scope} is producing ${fmt(perCall)} output tokens per call, ${fmt(ratio, 2)}× its usual ${fmt(expected)}.`,
        evidence: {
          output_tokens: String(f.outputTokens),
          events: String(f.events),
          tokens_per_call: fmt(perCall),
          baseline_tokens_per_call: fmt(expected),
          ratio: fmt(ratio),
          z: fmt(z),
        },
      }),
    );
  } else ctx.emit.clear(COST, 'token_runaway', f, perCall, expected, threshold, 0);
}

export function tokenLearn(ctx: DetectorContext, s: TokenState, f: WindowFeatures): void {
  const r = ctx.compiled.rules.cost;
  if (!r.enabled || f.events < r.token_min_events || !(f.outputTokens > 0)) return;
  if (s.perCall === null) s.perCall = levelInit(ctx.compiled.logLevel);
  levelLearn(s.perCall, ctx.compiled.logLevel, f.start, Math.log(f.outputTokens / f.events));
}
