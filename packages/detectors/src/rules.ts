import type { LifecycleOptions } from '@aiops/alerts';
import { formatDuration } from '@aiops/alerts';
import type { BurnAlertRule, DetectionRules } from './config.js';
import type { LevelParams } from './stats/level.js';
import { alphaForHalfLife } from './stats/level.js';
import type { RateParams } from './stats/rate.js';

/** Rules plus everything derived from them once (smoothing factors, lifecycle options). */
export interface CompiledRules {
  readonly rules: DetectionRules;
  readonly lifecycle: LifecycleOptions;
  /** Baselines on log scale (latency, spend, tokens per call): σ floored at 5%. */
  readonly logLevel: LevelParams;
  /** Baselines of counts (events per window). */
  readonly countLevel: LevelParams;
  readonly rate: RateParams;
  readonly warmup: number;
  /** Burn-rate alerts of the error SLO, with their signal names and burn thresholds (empty: no SLO). */
  readonly burn: readonly CompiledBurnAlert[];
  /** Distinct horizons (ms) the burn alerts need rolling sums for. */
  readonly burnHorizons: readonly number[];
}

export interface CompiledBurnAlert {
  readonly rule: BurnAlertRule;
  /** `burn_1h_5m` */
  readonly name: string;
  /** Burn rate both windows must reach: budget_fraction · period / long window. */
  readonly factor: number;
  readonly long: string;
  readonly short: string;
}

export function compileRules(rules: DetectionRules): CompiledRules {
  const b = rules.baseline;
  const alpha = alphaForHalfLife(b.half_life_windows);
  const robustAfter = Math.min(b.warmup_windows, 10);
  const slo = rules.errors.slo;
  const burn: CompiledBurnAlert[] = (slo?.burn_alerts ?? []).map((rule) => ({
    rule,
    name: `burn_${formatDuration(rule.long_ms)}_${formatDuration(rule.short_ms)}`,
    factor: (rule.budget_fraction * (slo?.period_days ?? 30) * 86_400_000) / rule.long_ms,
    long: formatDuration(rule.long_ms),
    short: formatDuration(rule.short_ms),
  }));
  const burnHorizons = [...new Set(burn.flatMap((b) => [b.rule.long_ms, b.rule.short_ms]))];
  return {
    rules,
    lifecycle: {
      pendingForMs: rules.lifecycle.pending_for_ms,
      recoveryForMs: rules.lifecycle.recovery_for_ms,
      repeatIntervalMs: rules.lifecycle.repeat_interval_ms,
      resolveTimeoutMs: rules.lifecycle.resolve_timeout_ms,
    },
    logLevel: {
      alpha,
      scaleAlpha: alpha,
      seasonality: b.seasonality,
      seasonMinVisits: b.season_min_visits,
      clip: b.clip,
      robustAfter,
      outlierWeight: b.outlier_weight,
      minScale: 0.05,
      relMinScale: 0,
    },
    countLevel: {
      alpha,
      scaleAlpha: alpha,
      seasonality: b.seasonality,
      seasonMinVisits: b.season_min_visits,
      clip: b.clip,
      robustAfter,
      outlierWeight: b.outlier_weight,
      minScale: 1,
      relMinScale: 0.1,
    },
    rate: { alpha, clip: b.clip, robustAfter },
    warmup: b.warmup_windows,
    burn,
    burnHorizons,
  };
}
