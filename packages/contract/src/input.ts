import * as z from 'zod';
import { resolveAliases } from './aliases.js';
import { ContractError } from './errors.js';
import { DEFAULT_LIMITS } from './limits.js';
import { completeEvent } from './normalize.js';
import { schemasFor } from './schemas.js';
import type { EventStatus, EventType, TelemetryEvent } from './types.js';

/**
 * What a producer may send (JSON, or `record()` in the SDK). Canonical names, all optional except the
 * ones below, plus the OpenTelemetry aliases of FIELD_ALIASES as dotted keys (`"gen_ai.request.model"`)
 * or nested objects (`gen_ai: { request: { model } }`). A field that a required canonical field names may
 * be given by its alias instead (model via gen_ai.request.model, …).
 */
export interface TelemetryEventInput {
  event_id: string;
  /** Inferred from operation when absent. */
  event_type?: EventType | null;
  /** Epoch milliseconds, RFC 3339 string, or a Date. */
  timestamp: number | string | Date;
  tenant_id: string;
  application?: string;
  environment?: string | null;
  provider?: string;
  model?: string;
  response_model?: string | null;
  /** Inferred from event_type when absent (llm_call → chat, …). */
  operation?: string | null;
  trace_id?: string | null;
  span_id?: string | null;
  parent_span_id?: string | null;
  session_id?: string | null;
  user_id?: string | null;
  agent_name?: string | null;
  tool_name?: string | null;
  prompt_name?: string | null;
  prompt_version?: string | null;
  status?: EventStatus | null;
  error_type?: string | null;
  duration_ms?: number | null;
  time_to_first_token_ms?: number | null;
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  reasoning_output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  /** A hash of the tool call's arguments, computed by the producer (never the arguments). */
  tool_call_arguments_hash?: string | null;
  cost_usd?: number | null;
  scores?: Record<string, number> | null;
  feedback?: -1 | 1 | null;
  guardrail_flags?: readonly string[] | null;
  attributes?: Record<string, string | number | boolean> | null;
  /** Nested OpenTelemetry GenAI attributes. */
  gen_ai?: Record<string, unknown>;
  /** Dotted OpenTelemetry attribute names (see FIELD_ALIASES). */
  [alias: `${string}.${string}`]: unknown;
}

/**
 * The zod schema of producer input, aliases included: parses to the canonical TelemetryEvent (with
 * cost_source null and user_id as sent). It does not check the event-time range (no clock): use
 * canonicalizeEvent/normalizeEvent for that. Uses the default limits.
 */
export const telemetryEventInputSchema: z.ZodType<TelemetryEvent, unknown> = z
  .preprocess((value, ctx) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    try {
      return resolveAliases(value as Record<string, unknown>).value;
    } catch (error) {
      if (!(error instanceof ContractError)) throw error;
      ctx.issues.push({
        code: 'custom',
        input: value,
        message: error.message.replace(/^field [^:]+: /, ''),
        path: error.field === undefined ? [] : [error.field],
        params: { reason: error.reason },
      });
      return z.NEVER;
    }
  }, schemasFor(DEFAULT_LIMITS).input)
  .transform((input, ctx): TelemetryEvent => {
    try {
      return completeEvent(input);
    } catch (error) {
      if (!(error instanceof ContractError)) throw error;
      ctx.issues.push({
        code: 'custom',
        input,
        message: error.message.replace(/^field [^:]+: /, ''),
        path: error.field === undefined ? [] : [error.field],
      });
      return z.NEVER;
    }
  });
