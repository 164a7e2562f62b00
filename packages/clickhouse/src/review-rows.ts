import type { ReviewItem } from '@aiops/review';

/** The review queue's table (migration 0060); same conventions as rows.ts. */
export const REVIEW_TABLE = 'review_items';

/** One review item (open, or reviewed) as a row; `version` orders an item's states (FINAL: the latest). */
export function reviewItemToRow(item: ReviewItem): Record<string, unknown> {
  const names = Object.keys(item.scores).sort();
  return {
    item_id: item.item_id,
    reason: item.reason,
    tenant_id: item.tenant_id,
    application: item.application,
    environment: item.environment,
    provider: item.provider,
    model: item.model,
    operation: item.operation,
    event_id: item.event_id,
    event_type: item.event_type,
    trace_id: item.trace_id,
    span_id: item.span_id,
    parent_span_id: item.parent_span_id,
    prompt_name: item.prompt_name,
    prompt_version: item.prompt_version,
    evaluator: item.evaluator,
    threshold: item.threshold,
    'scores.name': names,
    'scores.value': names.map((n) => item.scores[n]!),
    feedback: item.feedback,
    guardrail_flags: item.guardrail_flags,
    event_at: Math.floor(item.event_at / 1000),
    event_at_ms: item.event_at,
    status: item.status,
    reviewer: item.reviewer,
    verdict: item.verdict,
    note: item.note,
    reviewed_at_ms: item.reviewed_at,
    version: item.reviewed_at ?? 0,
  };
}

/** A review_items row (JSONEachRow, 64-bit integers quoted; read with FINAL for the latest state) back to the item. */
export function rowToReviewItem(row: Record<string, unknown>): ReviewItem {
  const names = (row['scores.name'] as string[]) ?? [];
  const values = (row['scores.value'] as unknown[]) ?? [];
  const scores: Record<string, number> = {};
  names.forEach((n, i) => {
    scores[n] = Number(values[i]);
  });
  const nullableNumber = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    item_id: String(row.item_id),
    reason: row.reason as ReviewItem['reason'],
    tenant_id: String(row.tenant_id),
    application: String(row.application),
    environment: String(row.environment),
    provider: String(row.provider),
    model: String(row.model),
    operation: String(row.operation),
    event_id: String(row.event_id),
    event_type: String(row.event_type),
    trace_id: (row.trace_id as string | null) ?? null,
    span_id: (row.span_id as string | null) ?? null,
    parent_span_id: (row.parent_span_id as string | null) ?? null,
    prompt_name: (row.prompt_name as string | null) ?? null,
    prompt_version: (row.prompt_version as string | null) ?? null,
    evaluator: (row.evaluator as string | null) ?? null,
    threshold: nullableNumber(row.threshold),
    scores,
    feedback: nullableNumber(row.feedback),
    guardrail_flags: (row.guardrail_flags as string[]) ?? [],
    event_at: Number(row.event_at_ms),
    status: row.status as ReviewItem['status'],
    reviewer: (row.reviewer as string | null) ?? null,
    verdict: (row.verdict as ReviewItem['verdict']) ?? null,
    note: (row.note as string | null) ?? null,
    reviewed_at: nullableNumber(row.reviewed_at_ms),
  };
}
