import { z } from 'zod';

const count = z.number().int().nonnegative();

/**
 * One prompt version in one event-time window, as analysts query it (ClickHouse `prompt_version_aggregates`).
 * Emitted once, when the window closes (its end + the allowed lateness passed the watermark).
 */
export const promptVersionAggregateSchema = z.strictObject({
  tenant_id: z.string().min(1),
  application: z.string().min(1),
  environment: z.string().min(1),
  prompt_name: z.string().min(1),
  prompt_version: z.string().min(1),
  window_start: count,
  window_end: count,
  /** LLM calls made with the version, and how many failed. */
  calls: count,
  errors: count,
  /** Latency and time-to-first-token quantiles of its calls (quantile sketches); null without calls. */
  latency_p50_ms: z.number().nonnegative().nullable(),
  latency_p95_ms: z.number().nonnegative().nullable(),
  ttft_p95_ms: z.number().nonnegative().nullable(),
  cost_usd: z.number().nonnegative(),
  input_tokens: count,
  output_tokens: count,
  /** Evaluation events of the version's outputs. */
  evaluations: count,
  /** Evaluator name → [scores, sum of scores] (the mean is sum / count), sorted by name. */
  scores: z.record(z.string(), z.tuple([count, z.number().nonnegative()])),
  feedback: count,
  negative_feedback: count,
});
export type PromptVersionAggregate = z.output<typeof promptVersionAggregateSchema>;

/** Aggregates travel as JSON (the topic is read by the writer and by people with kcat). */
export function encodePromptVersionAggregate(aggregate: PromptVersionAggregate): Buffer {
  return Buffer.from(JSON.stringify(aggregate), 'utf8');
}

/** Throws a ZodError naming the field when the bytes are not an aggregate. */
export function decodePromptVersionAggregate(bytes: Uint8Array): PromptVersionAggregate {
  return promptVersionAggregateSchema.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
}

/** The ClickHouse row (migration 0050): DateTime columns take epoch seconds. */
export function promptVersionAggregateToRow(a: PromptVersionAggregate): Record<string, unknown> {
  const names = Object.keys(a.scores).sort();
  return {
    tenant_id: a.tenant_id,
    application: a.application,
    environment: a.environment,
    prompt_name: a.prompt_name,
    prompt_version: a.prompt_version,
    window_start: Math.floor(a.window_start / 1000),
    window_end: Math.floor(a.window_end / 1000),
    window_start_ms: a.window_start,
    calls: a.calls,
    errors: a.errors,
    latency_p50_ms: a.latency_p50_ms,
    latency_p95_ms: a.latency_p95_ms,
    ttft_p95_ms: a.ttft_p95_ms,
    cost_usd: a.cost_usd,
    input_tokens: a.input_tokens,
    output_tokens: a.output_tokens,
    evaluations: a.evaluations,
    'scores.name': names,
    'scores.count': names.map((name) => a.scores[name]![0]),
    'scores.sum': names.map((name) => a.scores[name]![1]),
    feedback: a.feedback,
    negative_feedback: a.negative_feedback,
  };
}
