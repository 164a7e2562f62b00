import { z } from 'zod';

export const REVIEW_REASONS = ['low_score', 'negative_feedback', 'guardrail_block'] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];
export const REVIEW_VERDICTS = ['ok', 'bad'] as const;
export type ReviewVerdict = (typeof REVIEW_VERDICTS)[number];

const epochMs = z.number().int().nonnegative();

/**
 * One output a person (or a reviewer agent) should look at, as it travels on `aiops.review.v1` (JSON, key =
 * trace id) and sits in the `review_items` table. A resolution is the same item with status `reviewed`,
 * reviewer, verdict, note and reviewed_at, on the compacted resolutions topic (key = item id).
 */
export const reviewItemSchema = z.strictObject({
  /** Deterministic: a hash of the event id (one item per event), so a replay never queues it twice. */
  item_id: z.string().min(1),
  reason: z.enum(REVIEW_REASONS),
  tenant_id: z.string(),
  application: z.string(),
  environment: z.string(),
  provider: z.string(),
  model: z.string(),
  operation: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  trace_id: z.string().nullable(),
  span_id: z.string().nullable(),
  /** The span that was judged (an evaluation's or feedback's parent: the response). */
  parent_span_id: z.string().nullable(),
  prompt_name: z.string().nullable(),
  prompt_version: z.string().nullable(),
  /** low_score: the evaluator furthest below its threshold, and that threshold. */
  evaluator: z.string().nullable(),
  threshold: z.number().nullable(),
  /** Every score of the event. */
  scores: z.record(z.string(), z.number()),
  feedback: z.number().nullable(),
  guardrail_flags: z.array(z.string()),
  /** Event time of the routed event. */
  event_at: epochMs,
  status: z.enum(['open', 'reviewed']),
  reviewer: z.string().nullable(),
  verdict: z.enum(REVIEW_VERDICTS).nullable(),
  note: z.string().nullable(),
  reviewed_at: epochMs.nullable(),
});
export type ReviewItem = z.output<typeof reviewItemSchema>;

/** The item reviewed: what `aiops review resolve` publishes. */
export function resolveReviewItem(
  item: ReviewItem,
  resolution: { by: string; verdict: ReviewVerdict; note: string | null; at: number },
): ReviewItem {
  return reviewItemSchema.parse({
    ...item,
    status: 'reviewed',
    reviewer: resolution.by,
    verdict: resolution.verdict,
    note: resolution.note,
    reviewed_at: resolution.at,
  });
}

/** A review item as one JSON record, and back (validated). */
export const reviewItemCodec = {
  encode: (item: ReviewItem): Buffer => Buffer.from(JSON.stringify(item), 'utf8'),
  decode: (bytes: Uint8Array): ReviewItem =>
    reviewItemSchema.parse(JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown),
};
