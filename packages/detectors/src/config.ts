import { type Series, seriesMatchesFilter } from '@aiops/contract';
import { z } from 'zod';

/**
 * Detection rules: SLOs, budgets and thresholds in one config, validated by zod. Every key has a default,
 * so `{}` (or no config at all) is a working configuration; `overrides` adjust rules for the series that
 * match (tenant, application, …), applied in order, later overrides winning key by key. A bad config fails
 * with an error that names the key (`latency.z_threshold: expected number, received string`).
 *
 * The types are the schema's (`z.infer`); what each key means is said beside its schema below.
 */

// ---- schemas -------------------------------------------------------------------------------------------

type Field = readonly [schema: z.ZodType, fallback: unknown];
type FieldSpec = Readonly<Record<string, Field>>;
/** A section with every key defaulted (the base config). */
type FullSection<S extends FieldSpec> = z.ZodPrefault<
  z.ZodObject<{ -readonly [K in keyof S]: z.ZodDefault<S[K][0]> }, z.core.$strict>
>;
/** The same section with every key optional and no defaults (an override names only what it changes). */
type PartialSection<S extends FieldSpec> = z.ZodOptional<
  z.ZodObject<{ -readonly [K in keyof S]: z.ZodOptional<S[K][0]> }, z.core.$strict>
>;

/**
 * One section, twice: with defaults (the base config) and without (an override names only what it
 * changes). zod's own `.partial()` would fill an override's missing keys with the defaults, so it will not do.
 */
function section<const S extends FieldSpec>(spec: S): { full: FullSection<S>; partial: PartialSection<S> } {
  const full: Record<string, z.ZodType> = {};
  const partial: Record<string, z.ZodType> = {};
  for (const [key, [schema, fallback]] of Object.entries(spec)) {
    full[key] = schema.default(fallback as never);
    partial[key] = schema.optional();
  }
  // The loop builds exactly the shapes the two types name; TypeScript cannot follow it key by key.
  return {
    full: z.strictObject(full).prefault({}) as unknown as FullSection<S>,
    partial: z.strictObject(partial).optional() as unknown as PartialSection<S>,
  };
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
export type LatencySlo = z.infer<typeof latencySloSchema>;

const burnAlertSchema = z
  .object({
    long_ms: z.number().int().positive(),
    short_ms: z.number().int().positive(),
    /** Fraction of the period's error budget that this alert pages on; burn factor = fraction · period / long. */
    budget_fraction: z.number().positive().max(1),
    severity: z.enum(['info', 'warning', 'critical']),
  })
  .strict()
  .refine((r) => r.short_ms < r.long_ms, { message: 'short_ms must be shorter than long_ms' });
export type BurnAlertRule = z.infer<typeof burnAlertSchema>;

const HOUR = 3_600_000;
/** SRE workbook, for a 30-day SLO: 2% of budget in 1h (14.4×), 5% in 6h (6×), 10% in 3 days (1×). */
export const DEFAULT_BURN_ALERTS: BurnAlertRule[] = [
  { long_ms: HOUR, short_ms: 5 * 60_000, budget_fraction: 0.02, severity: 'critical' },
  { long_ms: 6 * HOUR, short_ms: 30 * 60_000, budget_fraction: 0.05, severity: 'critical' },
  { long_ms: 72 * HOUR, short_ms: 6 * HOUR, budget_fraction: 0.1, severity: 'warning' },
];

const errorSloSchema = z
  .object({
    /** Target success ratio, e.g. 0.99. */
    objective: z.number().gt(0).lt(1),
    period_days: positive().default(30),
    /** Events the short window needs before a burn alert may fire. */
    min_events: count().default(10),
    burn_alerts: z.array(burnAlertSchema).min(1).default(DEFAULT_BURN_ALERTS),
  })
  .strict();
export type ErrorSlo = z.infer<typeof errorSloSchema>;

const budgetSchema = z
  .object({
    daily_usd: usd().default(null),
    monthly_usd: usd().default(null),
    /** No projection before this fraction of the period has passed. */
    min_elapsed_fraction: ratio().default(0.05),
    /** The spend rate projected forward is measured over this horizon. */
    rate_horizon_ms: z.number().int().positive().default(HOUR),
  })
  .strict();
export type BudgetRules = z.infer<typeof budgetSchema>;

const feedbackSchema = z
  .object({
    z_threshold: positive().default(4),
    min_total: count().default(20),
    min_ratio: positive().default(2),
    min_increase: ratio().default(0.05),
  })
  .strict();
export type FeedbackRules = z.infer<typeof feedbackSchema>;

const sections = {
  lifecycle: section({
    /** A breach must last this long (event time) before the alert fires. */
    pending_for_ms: [ms(), 120_000],
    /** A firing alert must stay clean this long before it resolves. */
    recovery_for_ms: [ms(), 300_000],
    /** A long incident is notified again this often. */
    repeat_interval_ms: [z.number().int().positive(), 4 * HOUR],
    /** A condition no longer observed at all (its series went away) resolves after this long. */
    resolve_timeout_ms: [z.number().int().positive(), 15 * 60_000],
  }),
  baseline: section({
    /** Windows a baseline must have learned before it may alert (static SLO thresholds need none). */
    warmup_windows: [z.number().int().min(1), 30],
    /** Half-life of the learned baselines, in windows. */
    half_life_windows: [positive(), 60],
    seasonality: [z.enum(['none', 'daily', 'weekly']), 'daily'],
    /** Visits (days for daily, weeks for weekly) an hour needs before its seasonal offset is used. */
    season_min_visits: [z.number().int().min(1).max(5), 2],
    /** Residuals beyond this many σ are clipped before they are learned… */
    clip: [positive(), 4],
    /** …and such points are learned with this fraction of the usual step. */
    outlier_weight: [ratio(), 0.1],
  }),
  latency: section({
    enabled: [z.boolean(), true],
    metrics: [z.array(z.enum(['p50', 'p95', 'p99', 'ttft_p95'])), ['p95', 'p99', 'ttft_p95']],
    /** z of log latency against the baseline… */
    z_threshold: [positive(), 4],
    /** …and at least this ratio to the baseline (effect size, so tiny jitters on stable series stay quiet). */
    min_ratio: [z.number().min(1), 1.5],
    /** Ratio to baseline from which a breach is critical. */
    critical_ratio: [z.number().min(1), 3],
    /** Latency samples a window needs to be judged. */
    min_count: [count(), 5],
    /** Static thresholds, alerting without any baseline (null: none). */
    slo: [latencySloSchema, { p95_ms: null, p99_ms: null, ttft_p95_ms: null }],
  }),
  errors: section({
    enabled: [z.boolean(), true],
    z_threshold: [positive(), 4],
    min_ratio: [z.number().min(1), 2],
    /** Absolute increase of the error ratio over its baseline (0.05 = five points). */
    min_increase: [ratio(), 0.05],
    min_events: [count(), 5],
    /** Multi-window multi-burn-rate SLO alerts (SRE workbook), when an SLO is configured. */
    slo: [errorSloSchema.nullable(), null],
  }),
  outage: section({
    enabled: [z.boolean(), true],
    /** Error ratio from which a provider/model series is considered down. */
    error_ratio: [ratio(), 0.9],
    min_events: [count(), 10],
    /** Silence after which a series with traffic is in the no-data state. */
    absence_after_ms: [z.number().int().positive(), 5 * 60_000],
    /** Alert on absence only while other series of the same tenant/application/environment still report. */
    require_peers: [z.boolean(), true],
    /** Learned events per window a series needs before its silence means anything. */
    min_expected_events: [z.number().nonnegative(), 5],
    /** Silence must also last this many times the longest pause the series has shown before. */
    gap_factor: [z.number().nonnegative(), 2],
  }),
  cost: section({
    enabled: [z.boolean(), true],
    /** z of log spend per window (per tenant/application) against its baseline. */
    z_threshold: [positive(), 4],
    min_ratio: [z.number().min(1), 2],
    min_spend_usd: [z.number().nonnegative(), 0.05],
    /** Output tokens per call above this multiple of the baseline is a runaway. */
    token_runaway_ratio: [z.number().min(1), 3],
    token_min_events: [count(), 5],
    budget: [
      budgetSchema,
      { daily_usd: null, monthly_usd: null, min_elapsed_fraction: 0.05, rate_horizon_ms: HOUR },
    ],
  }),
  quality: section({
    enabled: [z.boolean(), true],
    /** Windows whose scores form the reference distribution of each evaluator… */
    reference_windows: [z.number().int().min(1), 60],
    /** …and the scores it needs at least. */
    min_reference_scores: [count(), 200],
    /** Scores the recent distribution needs before it is compared. */
    min_scores: [count(), 100],
    /** Half-life, in windows, of the recent distribution. */
    current_half_life_windows: [positive(), 10],
    /** PSI from which the shift alerts (warning) and is critical. */
    psi_threshold: [positive(), 0.2],
    psi_critical: [positive(), 0.5],
    /**
     * One-sided CUSUM on the mean score standardised by its standard error (drops): slack k and decision
     * interval h (calibrated on simulated traffic to fewer false alarms than before; see quality.ts).
     */
    cusum_k: [z.number().nonnegative(), 1],
    cusum_h: [positive(), 6.5],
    /** Pending time of `mean_drop` (the CUSUM is its own persistence rule): 0 fires at the crossing. */
    mean_drop_pending_for_ms: [ms(), 0],
    feedback: [feedbackSchema, { z_threshold: 4, min_total: 20, min_ratio: 2, min_increase: 0.05 }],
  }),
  guardrail: section({
    enabled: [z.boolean(), true],
    /** Flags to watch; null: every flag that appears. */
    flags: [z.array(z.string().min(1)).nullable(), null],
    z_threshold: [positive(), 4],
    min_count: [count(), 3],
    min_ratio: [z.number().min(1), 3],
    min_increase: [ratio(), 0.01],
  }),
} as const;

type SectionName = keyof typeof sections;
const SECTION_NAMES = Object.keys(sections) as SectionName[];

export type LifecycleRules = z.infer<typeof sections.lifecycle.full>;
export type BaselineRules = z.infer<typeof sections.baseline.full>;
export type LatencyRules = z.infer<typeof sections.latency.full>;
export type ErrorRules = z.infer<typeof sections.errors.full>;
export type OutageRules = z.infer<typeof sections.outage.full>;
export type CostRules = z.infer<typeof sections.cost.full>;
export type QualityRules = z.infer<typeof sections.quality.full>;
export type GuardrailRules = z.infer<typeof sections.guardrail.full>;
/** The rules that apply to one series: every section, resolved. */
export type DetectionRules = { [S in SectionName]: z.infer<(typeof sections)[S]['full']> };

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
export type SeriesMatch = z.infer<typeof matchSchema>;

const overrideSchema = z.strictObject({
  match: matchSchema,
  lifecycle: sections.lifecycle.partial,
  baseline: sections.baseline.partial,
  latency: sections.latency.partial,
  errors: sections.errors.partial,
  outage: sections.outage.partial,
  cost: sections.cost.partial,
  quality: sections.quality.partial,
  guardrail: sections.guardrail.partial,
});
export type RulesOverride = z.infer<typeof overrideSchema>;

export const detectionConfigSchema = z
  .strictObject({
    lifecycle: sections.lifecycle.full,
    baseline: sections.baseline.full,
    latency: sections.latency.full,
    errors: sections.errors.full,
    outage: sections.outage.full,
    cost: sections.cost.full,
    quality: sections.quality.full,
    guardrail: sections.guardrail.full,
    overrides: z.array(overrideSchema).default([]),
  })
  .superRefine((c, ctx) => {
    if (c.quality.psi_critical < c.quality.psi_threshold) {
      ctx.addIssue({
        code: 'custom',
        path: ['quality', 'psi_critical'],
        message: 'must be ≥ quality.psi_threshold',
      });
    }
  });
export type DetectionConfig = z.infer<typeof detectionConfigSchema>;

export type DetectionConfigInput = z.input<typeof detectionConfigSchema>;

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

function applyPatch<S extends SectionName>(
  rules: DetectionRules,
  name: S,
  patch: Partial<DetectionRules[S]> | undefined,
): void {
  if (patch !== undefined) rules[name] = { ...rules[name], ...patch };
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
    for (const name of SECTION_NAMES) applyPatch(rules, name, o[name]);
  }
  return rules;
}
