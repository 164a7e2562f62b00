import { z } from 'zod';

const positiveMs = z.number().int().positive();

/**
 * What the prompt monitor is told. Every key has a default; unknown keys are refused, so a typo fails the
 * start naming the key (see services/prompt-monitor).
 */
export const promptMonitorOptionsSchema = z.strictObject({
  /** Event-time window of the per-version aggregates; the sequential test is updated once per closed window. */
  windowMs: positiveMs.default(60_000),
  /** A window closes when the watermark passes its end + this (evaluations and feedback come after the call). */
  allowedLatenessMs: z.number().int().nonnegative().default(30_000),
  /** Bounded out-of-orderness of the watermark (as the aggregator's). */
  maxOutOfOrdernessMs: z.number().int().nonnegative().default(5_000),
  /** Wall time without records after which the watermark advances on its own (idle partitions). */
  idleTimeoutMs: positiveMs.default(30_000),
  /**
   * Versions first seen within this event time of a prompt's first event are its established versions (they
   * ran before the monitor did, so nothing says which replaced which); a version first seen later is new
   * and is compared with the established one it runs beside.
   */
  warmupMs: z.number().int().nonnegative().default(1_800_000),
  /** An established version counts as the previous one only if it had traffic within this before the new one. */
  activeMs: positiveMs.default(3_600_000),
  /** A comparison ends (and the new version becomes established) this long after it started… */
  horizonMs: positiveMs.default(86_400_000),
  /** …or when the new version has had no traffic for this long (rolled back). */
  retireAfterMs: positiveMs.default(900_000),
  test: z
    .strictObject({
      /** Family-wise false-alarm bound of one comparison (Bonferroni: each metric is tested at alpha / metrics). */
      alpha: z.number().gt(0).lt(1).default(0.01),
      /** Standard deviation of the normal mixing distribution of the effect, in units of the metric's sd. */
      tau: z.number().positive().default(0.3),
      /** Observations of each version a metric needs before it is tested (the normal approximation). */
      minSamples: z.number().int().min(2).default(30),
      /** A regression whose standardised effect is at least this is critical (warning below). */
      criticalEffect: z.number().positive().default(0.8),
    })
    .prefault({}),
});

export type PromptMonitorOptions = z.output<typeof promptMonitorOptionsSchema>;
export type PromptMonitorOptionsInput = z.input<typeof promptMonitorOptionsSchema>;

/** Detector ids of the alerts the prompt monitor publishes. */
export const PROMPT_DETECTORS = {
  regression: 'prompt_regression',
  improvement: 'prompt_improvement',
} as const;
