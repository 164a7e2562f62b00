import { z } from 'zod';

/**
 * One entry of the audit trail as a record on the audit topic (JSON, key = audit id): who (never anonymous)
 * did what to what, when, with the state before and after. Services without a ClickHouse connection (the
 * detector's rules changes) publish these; the notifier appends them to the `audit_log` table.
 */
export const auditRecordSchema = z.strictObject({
  /** Deterministic where the change is (a replay appends the same id, so duplicates are recognisable). */
  audit_id: z.string().min(1),
  /** Epoch ms. */
  at: z.number().int().nonnegative(),
  actor: z.string().trim().min(1, 'an audit record needs an actor'),
  /** e.g. silence.add, incident.ack, rules.change */
  action: z.string().min(1),
  target: z.string(),
  /** JSON of the state before and after; null when there was none. */
  before: z.unknown(),
  after: z.unknown(),
  comment: z.string(),
});
export type AuditRecord = z.infer<typeof auditRecordSchema>;
