import { type Series, type SeriesFilter, seriesMatchesFilter } from '@aiops/contract';
import { z } from 'zod';

/**
 * Detection rules: SLOs, budgets and thresholds in one config, validated by zod. Every key has a default,
 * so `{}` (or no config at all) is a working configuration; `overrides` adjust rules for the series that
 * match (tenant, application, …), applied in order, later overrides winning key by key. A bad config fails
 * with an error that names the key (`latency.z_threshold: expected number, received string`).
 */

export interface LifecycleRules {
  /** A breach must last this long (event time) before the alert fires. */
  pending_for_ms: number;
  /** A firing alert must stay clean this long before it resolves. */
  recovery_for_ms: number;
  /** A long incident is notified again this often. */
  repeat_interval_ms: number;
  /** A condition no longer observed at all (its series went away) resolves after this long. */
  resolve_timeout_ms: number;
}

export interface BaselineRules {
  /** Windows a baseline must have learned before it may alert (static SLO thresholds need none). */
  warmup_windows: number;
  /** Half-life of the learned baselines, in windows. */
  half_life_windows: number;
  seasonality: 'none' | 'daily' | 'weekly';
  /** Visits (days for daily, weeks for weekly) an hour needs before its seasonal offset is used. */
  season_min_visits: number;
  /** Residuals beyond this many σ are clipped before they are learned… */
  clip: number;
  /** …and such points are learned with this fraction of the usual step. */
  outlier_weight: number;
}

export interface LatencySlo {
  p95_ms: number | null;
  p99_ms: number | null;
  ttft_p95_ms: number | null;
}

export interface LatencyRules {
  enabled: boolean;
  metrics: ('p50' | 'p95' | 'p99' | 'ttft_p95')[];
  /** z of log latency against the baseline. */
  z_threshold: number;
  /** …and at least this ratio to the baseline (effect size, so tiny jitters on stable series stay quiet). */
  min_ratio: number;
  /** Ratio to baseline from which a breach is critical. */
  critical_ratio: number;
  /** Latency samples a window needs to be judged. */
  min_count: number;
  /** Static thresholds, alerting without any baseline (null: none). */
  slo: LatencySlo;
}

export interface BurnAlertRule {
  long_ms: number;
  short_ms: number;
  /** Fraction of the period's error budget that this alert pages on; burn factor = fraction · period / long. */
  budget_fraction: number;
  severity: 'info' | 'warning' | 'critical';
}

export interface ErrorSlo {
  /** Target success ratio, e.g. 0.99. */
  objective: number;
  period_days: number;
  /** Events the short window needs before a burn alert may fire. */
  min_events: number;
  burn_alerts: BurnAlertRule[];
}

export interface ErrorRules {
  enabled: boolean;
  z_threshold: number;
  min_ratio: number;
  /** Absolute increase of the error ratio over its baseline (0.05 = five points). */
  min_increase: number;
  min_events: number;
  /** Multi-window multi-burn-rate SLO alerts (SRE workbook), when an SLO is configured. */
  slo: ErrorSlo | null;
}

export interface OutageRules {
  enabled: boolean;
  /** Error ratio from which a provider/model series is considered down. */
  error_ratio: number;
  min_events: number;
  /** Silence after which a series with traffic is in the no-data state. */
  absence_after_ms: number;
  /** Alert on absence only while other series of the same tenant/application/environment still report. */
  require_peers: boolean;
  /** Learned events per window a series needs before its silence means anything. */
  min_expected_events: number;
  /** Silence must also last this many times the longest pause the series has shown before. */
  gap_factor: number;
}

export interface BudgetRules {
  daily_usd: number | null;
  monthly_usd: number | null;
  /** No projection before this fraction of the period has passed. */
  min_elapsed_fraction: number;
  /** The spend rate projected forward is measured over this horizon. */
  rate_horizon_ms: number;
}

export interface CostRules {
  enabled: boolean;
  /** z of log spend per window (per tenant/application) against its baseline. */
  z_threshold: number;
  min_ratio: number;
  min_spend_usd: number;
  /** Output tokens per call above this multiple of the baseline is a runaway. */
  token_runaway_ratio: number;
  token_min_events: number;
  budget: BudgetRules;
}

export interface FeedbackRules {
  z_threshold: number;
  min_total: number;
  min_ratio: number;
  min_increase: number;
}

export interface QualityRules {
  enabled: boolean;
  /** Windows whose scores form the reference distribution of each evaluator… */
  reference_windows: number;
  /** …and the scores it needs at least. */
  min_reference_scores: number;
  /** Scores the recent distribution needs before it is compared. */
  min_scores: number;
  /** Half-life, in windows, of the recent distribution. */
  current_half_life_windows: number;
  /** PSI from which the shift alerts (warning) and is critical. */
  psi_threshold: number;
  psi_critical: number;
  /** One-sided CUSUM on the standardised mean score (drops): slack k and decision interval h. */
  cusum_k: number;
  cusum_h: number;
  feedback: FeedbackRules;
}

export interface GuardrailRules {
  enabled: boolean;
  /** Flags to watch; null: every flag that appears. */
  flags: string[] | null;
  z_threshold: number;
  min_count: number;
  min_ratio: number;
  min_increase: number;
}

export interface DetectionRules {
  lifecycle: LifecycleRules;
  baseline: BaselineRules;
  latency: LatencyRules;
  errors: ErrorRules;
  outage: OutageRules;
  cost: CostRules;
  quality: QualityRules;
  guardrail: GuardrailRules;
}

export type SeriesMatch = SeriesFilter;

export type RulesOverride = { match: SeriesMatch } & {
  [S in keyof DetectionRules]?: Partial<DetectionRules[S]>;
};

export interface DetectionConfig extends DetectionRules {
  overrides: RulesOverride[];
}

// ---- schemas -------------------------------------------------------------------------------------------

type Field = readonly [schema: z.ZodType, fallback: unknown];

/** One section, twice: with defaults (the base config) and without (an override names only what it changes). */
function section(spec: Record<string, Field>): { full: z.ZodType; partial: z.ZodType } {
  const full: Record<string, z.ZodType> = {};
  const partial: Record<string, z.ZodType> = {};
  for (const [key, [schema, fallback]] of Object.entries(spec)) {
    full[key] = schema.default(fallback as never);
    partial[key] = schema.optional();
  }
  return { full: z.object(full).strict().prefault({}), partial: z.object(partial).strict().optional() };
}

const ms = () => z.number().int().nonnegative();
const positive = () => z.number().positive();
const ratio = () => z.number().min(0).max(1);
const count = () => z.number().int().nonnegative();
const usd = () => z.number().positive().nullable();

const latencySloSchema = z
  .object({
    p95_ms: positive().nullable().default(null),
    p99_ms: positive().nullable().default(null),
    ttft_p95_ms: positive().nullable().default(null),
  })
  .strict();

const burnAlertSchema = z
  .object({
    long_ms: z.number().int().positive(),
    short_ms: z.number().int().positive(),
    budget_fraction: z.number().positive().max(1),
    severity: z.enum(['info', 'warning', 'critical']),
  })
  .strict()
  .refine((r) => r.short_ms < r.long_ms, { message: 'short_ms must be shorter than long_ms' });

const HOUR = 3_600_000;
/** SRE workbook, for a 30-day SLO: 2% of budget in 1h (14.4×), 5% in 6h (6×), 10% in 3 days (1×). */
export const DEFAULT_BURN_ALERTS: BurnAlertRule[] = [
  { long_ms: HOUR, short_ms: 5 * 60_000, budget_fraction: 0.02, severity: 'critical' },
  { long_ms: 6 * HOUR, short_ms: 30 * 60_000, budget_fraction: 0.05, severity: 'critical' },
  { long_ms: 72 * HOUR, short_ms: 6 * HOUR, budget_fraction: 0.1, severity: 'warning' },
];

const errorSloSchema = z
  .object({
    objective: z.number().gt(0).lt(1),
    period_days: positive().default(30),
    min_events: count().default(10),
    burn_alerts: z.array(burnAlertSchema).min(1).default(DEFAULT_BURN_ALERTS),
  })
  .strict();

const budgetSchema = z
  .object({
    daily_usd: usd().default(null),
    monthly_usd: usd().default(null),
    min_elapsed_fraction: ratio().default(0.05),
    rate_horizon_ms: z.number().int().positive().default(HOUR),
  })
  .strict();

const feedbackSchema = z
  .object({
    z_threshold: positive().default(4),
    min_total: count().default(20),
    min_ratio: positive().default(2),
    min_increase: ratio().default(0.05),
  })
  .strict();

const sections = {
  lifecycle: section({
    pending_for_ms: [ms(), 120_000],
    recovery_for_ms: [ms(), 300_000],
    repeat_interval_ms: [z.number().int().positive(), 4 * HOUR],
    resolve_timeout_ms: [z.number().int().positive(), 15 * 60_000],
  }),
  baseline: section({
    warmup_windows: [z.number().int().min(1), 30],
    half_life_windows: [positive(), 60],
    seasonality: [z.enum(['none', 'daily', 'weekly']), 'daily'],
    season_min_visits: [z.number().int().min(1).max(5), 2],
    clip: [positive(), 4],
    outlier_weight: [ratio(), 0.1],
  }),
  latency: section({
    enabled: [z.boolean(), true],
    metrics: [z.array(z.enum(['p50', 'p95', 'p99', 'ttft_p95'])), ['p95', 'p99', 'ttft_p95']],
    z_threshold: [positive(), 4],
    min_ratio: [z.number().min(1), 1.5],
    critical_ratio: [z.number().min(1), 3],
    min_count: [count(), 5],
    slo: [latencySloSchema, { p95_ms: null, p99_ms: null, ttft_p95_ms: null }],
  }),
  errors: section({
    enabled: [z.boolean(), true],
    z_threshold: [positive(), 4],
    min_ratio: [z.number().min(1), 2],
    min_increase: [ratio(), 0.05],
    min_events: [count(), 5],
    slo: [errorSloSchema.nullable(), null],
  }),
  outage: section({
    enabled: [z.boolean(), true],
    error_ratio: [ratio(), 0.9],
    min_events: [count(), 10],
    absence_after_ms: [z.number().int().positive(), 5 * 60_000],
    require_peers: [z.boolean(), true],
    min_expected_events: [z.number().nonnegative(), 5],
    gap_factor: [z.number().nonnegative(), 2],
  }),
  cost: section({
    enabled: [z.boolean(), true],
    z_threshold: [positive(), 4],
    min_ratio: [z.number().min(1), 2],
    min_spend_usd: [z.number().nonnegative(), 0.05],
    token_runaway_ratio: [z.number().min(1), 3],
    token_min_events: [count(), 5],
    budget: [
      budgetSchema,
      { daily_usd: null, monthly_usd: null, min_elapsed_fraction: 0.05, rate_horizon_ms: HOUR },
    ],
  }),
  quality: section({
    enabled: [z.boolean(), true],
    reference_windows: [z.number().int().min(1), 60],
    min_reference_scores: [count(), 200],
    min_scores: [count(), 100],
    current_half_life_windows: [positive(), 10],
    psi_threshold: [positive(), 0.2],
    psi_critical: [positive(), 0.5],
    cusum_k: [z.number().nonnegative(), 0.5],
    cusum_h: [positive(), 8],
    feedback: [feedbackSchema, { z_threshold: 4, min_total: 20, min_ratio: 2, min_increase: 0.05 }],
  }),
  guardrail: section({
    enabled: [z.boolean(), true],
    flags: [z.array(z.string().min(1)).nullable(), null],
    z_threshold: [positive(), 4],
    min_count: [count(), 3],
    min_ratio: [z.number().min(1), 3],
    min_increase: [ratio(), 0.01],
  }),
} as const;

type SectionName = keyof typeof sections;
const SECTION_NAMES = Object.keys(sections) as SectionName[];

const matchSchema = z
  .object({
    tenant_id: z.string(),
    application: z.string(),
    environment: z.string(),
    provider: z.string(),
    model: z.string(),
    operation: z.string(),
  })
  .partial()
  .strict();

const overrideSchema = z
  .object({
    match: matchSchema,
    ...Object.fromEntries(SECTION_NAMES.map((name) => [name, sections[name].partial])),
  })
  .strict();

export const detectionConfigSchema = z
  .object({
    ...Object.fromEntries(SECTION_NAMES.map((name) => [name, sections[name].full])),
    overrides: z.array(overrideSchema).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    const q = (c as unknown as DetectionConfig).quality;
    if (q.psi_critical < q.psi_threshold) {
      ctx.addIssue({
        code: 'custom',
        path: ['quality', 'psi_critical'],
        message: 'must be ≥ quality.psi_threshold',
      });
    }
  }) as unknown as z.ZodType<DetectionConfig, unknown>;

export type DetectionConfigInput = unknown;

/** The whole default configuration. */
export function defaultDetectionConfig(): DetectionConfig {
  return detectionConfigSchema.parse({});
}

export class DetectionConfigError extends Error {
  override readonly name = 'DetectionConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid detection config: ${problems.join('; ')}`);
  }
}

/** Validates a config (undefined → all defaults); throws DetectionConfigError naming each bad key. */
export function parseDetectionConfig(input: unknown = {}): DetectionConfig {
  const result = detectionConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => `${[...path, k].join('.')}: unknown key`).join('; ');
    }
    return `${path.join('.') || '(root)'}: ${issue.message.replace(/^Invalid input: /, '')}`;
  });
  throw new DetectionConfigError(problems);
}

/** The rules for one series: the base config with every matching override applied in order. */
export function resolveRules(config: DetectionConfig, series: Series): DetectionRules {
  const rules: DetectionRules = {
    lifecycle: config.lifecycle,
    baseline: config.baseline,
    latency: config.latency,
    errors: config.errors,
    outage: config.outage,
    cost: config.cost,
    quality: config.quality,
    guardrail: config.guardrail,
  };
  for (const o of config.overrides) {
    if (!seriesMatchesFilter(o.match, series)) continue;
    for (const name of SECTION_NAMES) {
      const patch = o[name];
      if (patch !== undefined)
        (rules as unknown as Record<string, object>)[name] = { ...rules[name], ...patch };
    }
  }
  return rules;
}
