import { z } from 'zod';

const ratio = () => z.number().min(0).max(1);

/**
 * What goes to the review queue, and how much of it. Every key has a default, so `{}` is a working
 * configuration; strict, so a misspelt key is refused (the reviewer's config names it).
 */
export const reviewConfigSchema = z.strictObject({
  /** Evaluator name → the score below which an evaluation is routed (e.g. { "faithfulness": 0.5 }). */
  thresholds: z.record(z.string().min(1), ratio()).default({}),
  /** Threshold of evaluators without one of their own; null: only evaluators named in `thresholds`. */
  default_threshold: ratio().nullable().default(0.3),
  /** Route negative user feedback (feedback = -1). */
  negative_feedback: z.boolean().default(true),
  guardrail_block: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** A guardrail event carrying one of these flags is a block… */
      flags: z.array(z.string().min(1)).default(['prompt_injection', 'jailbreak']),
      /** …and so is one whose attributes[action_attribute] is `action_value`. */
      action_attribute: z.string().min(1).default('action'),
      action_value: z.string().min(1).default('blocked'),
    })
    .prefault({}),
  /** Fraction of routed traces kept (deterministic: a hash of the trace id, not a random draw). */
  sample_rate: ratio().default(1),
  /** Per-tenant sample rates, overriding `sample_rate`. */
  tenant_sample_rates: z.record(z.string().min(1), ratio()).default({}),
  /** At most this many items per tenant per cap window (event time); the rest are dropped and counted. */
  cap_per_tenant: z.number().int().positive().default(200),
  cap_window_ms: z.number().int().positive().default(3_600_000),
  /** Salt of the sampling hash: change it to draw a different sample of the same traffic. */
  sample_seed: z.number().int().nonnegative().default(0),
});
export type ReviewConfig = z.output<typeof reviewConfigSchema>;

/** Validates a config (undefined → all defaults); a service parses it inside its own config schema. */
export function parseReviewConfig(input: unknown = {}): ReviewConfig {
  return reviewConfigSchema.parse(input ?? {});
}
