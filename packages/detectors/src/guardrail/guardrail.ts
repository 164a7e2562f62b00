import type { DetectorContext } from '../context.js';
import { pct } from '../errors/errors.js';
import type { WindowFeatures } from '../features.js';
import type { RateState } from '../stats/rate.js';
import { rateExpected, rateLearn, rateZ } from '../stats/rate.js';
import { excessScore, fmt } from '../stats/score.js';

/**
 * Guardrail flags (prompt_injection, pii, jailbreak, …): the share of events carrying each flag against its
 * learned rate (binomial z). A spike needs z ≥ z_threshold, at least min_count flags, a rate ≥ min_ratio ×
 * baseline and ≥ baseline + min_increase. A flag never seen before starts from the series' whole history at
 * rate 0 (so its first burst is judged at once). Watched flags: `flags`, or every flag (at most 32 per series).
 */
export const GUARDRAIL = 'guardrail';
const MAX_FLAGS = 32;

export interface GuardrailState {
  /** Windows and EW-decayed events learned, shared by every flag. */
  windows: number;
  trials: number;
  flags: Record<string, RateState>;
}

export function guardrailInit(): GuardrailState {
  return { windows: 0, trials: 0, flags: {} };
}

function watched(ctx: DetectorContext, flag: string): boolean {
  const list = ctx.compiled.rules.guardrail.flags;
  return list === null || list.includes(flag);
}

function judge(ctx: DetectorContext, flag: string, base: RateState, count: number, f: WindowFeatures): void {
  const r = ctx.compiled.rules.guardrail;
  const ratio = count / f.events;
  const expected = rateExpected(base);
  const z = rateZ(base, count, f.events);
  const threshold = Math.max(expected * r.min_ratio, expected + r.min_increase);
  const warm = base.windows >= ctx.compiled.warmup;
  if (warm && count >= r.min_count && z >= r.z_threshold && ratio >= threshold) {
    ctx.emit.breach(
      GUARDRAIL,
      flag,
      z >= 2 * r.z_threshold ? 'critical' : 'warning',
      f,
      ratio,
      expected,
      threshold,
      excessScore(z, r.z_threshold),
      () => ({
        summary: `'${flag}' guardrail flags on ${ctx.scope} jumped to ${pct(ratio)} of events (${count} of ${f.events}), against a usual ${pct(expected)}.`,
        evidence: {
          flag,
          flagged: String(count),
          events: String(f.events),
          rate: fmt(ratio),
          baseline_rate: fmt(expected),
          z: fmt(z),
        },
      }),
    );
  } else ctx.emit.clear(GUARDRAIL, flag, f, ratio, expected, threshold, 0);
}

export function guardrailEvaluate(ctx: DetectorContext, s: GuardrailState, f: WindowFeatures): void {
  if (!ctx.compiled.rules.guardrail.enabled || f.events <= 0) return;
  for (const flag in s.flags) judge(ctx, flag, s.flags[flag] as RateState, f.flags[flag] ?? 0, f);
  for (const flag in f.flags) {
    if (s.flags[flag] !== undefined || !watched(ctx, flag)) continue;
    judge(ctx, flag, { windows: s.windows, hits: 0, trials: s.trials }, f.flags[flag] ?? 0, f);
  }
}

export function guardrailLearn(ctx: DetectorContext, s: GuardrailState, f: WindowFeatures): void {
  if (!ctx.compiled.rules.guardrail.enabled || f.events <= 0) return;
  for (const flag in f.flags) {
    if (s.flags[flag] === undefined && watched(ctx, flag) && Object.keys(s.flags).length < MAX_FLAGS) {
      s.flags[flag] = { windows: s.windows, hits: 0, trials: s.trials };
    }
  }
  for (const flag in s.flags)
    rateLearn(s.flags[flag] as RateState, ctx.compiled.rate, f.flags[flag] ?? 0, f.events);
  s.trials = s.windows === 0 ? f.events : s.trials * (1 - ctx.compiled.rate.alpha) + f.events;
  s.windows++;
}
