import { z } from 'zod';

/**
 * One trace (or session) of an agent, as analysts query it (ClickHouse `traces`). Emitted when the
 * trace closes (revision 0) and again, with revision + 1, for late events within the allowed lateness.
 */
export const traceSummarySchema = z.strictObject({
  tenant_id: z.string().min(1),
  application: z.string().min(1),
  environment: z.string().min(1),
  /** The trace id, or the session id when the events carried no trace id (`key_kind` says which). */
  trace_key: z.string().min(1),
  key_kind: z.enum(['trace', 'session']),
  session_id: z.string().nullable(),
  /** The agent (lexicographically first when several agents share the trace); null when none was named. */
  agent_name: z.string().nullable(),
  /** Event time of the first operation's start and of the last operation's end, epoch ms. */
  started_at: z.number().int().nonnegative(),
  ended_at: z.number().int().nonnegative(),
  /** started_at of the first summary (revision 0), the same in every revision: the row's key. */
  opened_at: z.number().int().nonnegative(),
  duration_ms: z.number().int().nonnegative(),
  steps: z.number().int().nonnegative(),
  tool_calls: z.number().int().nonnegative(),
  distinct_tools: z.number().int().nonnegative(),
  /** Tool name → calls, sorted by name. */
  tools: z.record(z.string(), z.number().int().nonnegative()),
  errors: z.number().int().nonnegative(),
  tool_errors: z.number().int().nonnegative(),
  cost_usd: z.number().nonnegative(),
  loop_detected: z.boolean(),
  /** The tool the loop was on (null without a loop). */
  loop_tool: z.string().nullable(),
  runaway: z.boolean(),
  revision: z.number().int().nonnegative(),
});
export type TraceSummary = z.output<typeof traceSummarySchema>;

/** Trace summaries travel as JSON (the topic is read by the writer and by people with kcat). */
export function encodeTraceSummary(summary: TraceSummary): Buffer {
  return Buffer.from(JSON.stringify(summary), 'utf8');
}

/** Throws a ZodError naming the field when the bytes are not a trace summary. */
export function decodeTraceSummary(bytes: Uint8Array): TraceSummary {
  return traceSummarySchema.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
}

/** The ClickHouse `traces` row of a summary (migration 0041): DateTime columns take epoch seconds. */
export function traceSummaryToRow(summary: TraceSummary): Record<string, unknown> {
  const names = Object.keys(summary.tools).sort();
  return {
    tenant_id: summary.tenant_id,
    application: summary.application,
    environment: summary.environment,
    trace_key: summary.trace_key,
    key_kind: summary.key_kind,
    session_id: summary.session_id,
    agent_name: summary.agent_name,
    started_at: Math.floor(summary.started_at / 1000),
    started_at_ms: summary.started_at,
    opened_at_ms: summary.opened_at,
    ended_at: Math.floor(summary.ended_at / 1000),
    duration_ms: summary.duration_ms,
    steps: summary.steps,
    tool_calls: summary.tool_calls,
    distinct_tools: summary.distinct_tools,
    'tools.name': names,
    'tools.calls': names.map((name) => summary.tools[name]!),
    errors: summary.errors,
    tool_errors: summary.tool_errors,
    cost_usd: summary.cost_usd,
    loop_detected: summary.loop_detected ? 1 : 0,
    loop_tool: summary.loop_tool,
    runaway: summary.runaway ? 1 : 0,
    revision: summary.revision,
  };
}
