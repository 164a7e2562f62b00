import { createHmac } from 'node:crypto';
import { normalizeProvider, resolveAliases } from './aliases.js';
import { ContractError } from './errors.js';
import { type ContractLimits, checkTimestampRange, DEFAULT_LIMITS, type TimeRange } from './limits.js';
import type { PriceTable } from './pricing.js';
import { schemasFor, type ValidatedEventInput } from './schemas.js';
import type { EventType, TelemetryEvent } from './types.js';
import { zodToContractError } from './zod-errors.js';

/** gen_ai.operation.name → event_type, used when a producer gives only the operation. */
export const EVENT_TYPE_BY_OPERATION: Readonly<Record<string, EventType>> = Object.freeze({
  chat: 'llm_call',
  text_completion: 'llm_call',
  generate_content: 'llm_call',
  embeddings: 'embedding',
  execute_tool: 'tool_call',
  invoke_agent: 'agent_step',
  create_agent: 'agent_step',
  retrieval: 'retrieval',
  apply_guardrail: 'guardrail',
});

const EVENT_TYPE_INDEX: ReadonlyMap<string, EventType> = new Map(Object.entries(EVENT_TYPE_BY_OPERATION));

/** event_type → operation, used when a producer gives only the event type. */
export const DEFAULT_OPERATION_BY_EVENT_TYPE: Readonly<Partial<Record<EventType, string>>> = Object.freeze({
  llm_call: 'chat',
  embedding: 'embeddings',
  tool_call: 'execute_tool',
  agent_step: 'invoke_agent',
});

export const DEFAULT_ENVIRONMENT = 'production';

export interface CanonicalizeOptions {
  /** "Now" for the event-time range check, supplied by the caller (validation reads no clock). */
  readonly nowMs: number;
  readonly limits?: ContractLimits;
}

export interface EnrichOptions {
  /** Prices cost_usd when the producer did not; null: every unreported cost is 'unpriced'. */
  readonly priceTable: PriceTable | null;
  /** user_id becomes HMAC-SHA256(salt, user_id) in hex; null keeps user_id as sent (tests, trusted producers). */
  readonly userIdSalt: string | null;
}

export interface NormalizeOptions extends CanonicalizeOptions, EnrichOptions {}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function violation(field: string, rule: string): ContractError {
  return new ContractError('schema_violation', `field ${field}: ${rule}`, { field });
}

const emptyToNull = (value: string | null | undefined): string | null =>
  value === undefined || value === null || value === '' ? null : value;

/**
 * Producer input (JSON object with canonical or OpenTelemetry names, or a decoded Avro record) → the
 * canonical TelemetryEvent, validated against the contract and the event-time range: aliases resolved,
 * timestamps in epoch ms, defaults applied (environment "production", status from error_type, event_type
 * from operation and back, "" → null for optional strings, empty maps), guardrail flags de-duplicated.
 * cost_source stays null and user_id stays as sent: that is `enrichEvent`'s job. Throws ContractError.
 */
export function canonicalizeEvent(input: unknown, options: CanonicalizeOptions): TelemetryEvent {
  const limits = options.limits ?? DEFAULT_LIMITS;
  if (!isPlainObject(input)) {
    throw new ContractError('schema_violation', 'event must be an object', { field: '(root)' });
  }
  const { value, sources } = resolveAliases(input);
  const parsed = schemasFor(limits).input.safeParse(value);
  if (!parsed.success) throw zodToContractError(parsed.error, sources, value);
  const event = completeEvent(parsed.data);
  const rangeError = checkTimestampRange(event.timestamp, {
    nowMs: options.nowMs,
    maxPastMs: limits.maxPastMs,
    maxFutureMs: limits.maxFutureMs,
  });
  if (rangeError !== null) throw violation('timestamp', rangeError);
  return event;
}

/**
 * Validated input → canonical event: event_type/operation inference, defaults, "" → null, provider
 * spelling, de-duplicated flags. No range check. Throws ContractError when event_type or operation is
 * missing and cannot be inferred.
 */
export function completeEvent(d: ValidatedEventInput): TelemetryEvent {
  const operationIn = emptyToNull(d.operation);
  let eventType: EventType | null = d.event_type ?? null;
  if (eventType === null) {
    eventType = operationIn === null ? null : (EVENT_TYPE_INDEX.get(operationIn) ?? null);
    if (eventType === null) {
      throw violation(
        'event_type',
        operationIn === null
          ? 'is required (or give operation, from which it is inferred)'
          : `is required (it cannot be inferred from operation "${operationIn}")`,
      );
    }
  }
  const operation = operationIn ?? DEFAULT_OPERATION_BY_EVENT_TYPE[eventType] ?? null;
  if (operation === null) throw violation('operation', `is required for event_type ${eventType}`);

  const errorType = emptyToNull(d.error_type);
  let flags = d.guardrail_flags ?? [];
  if (flags.length > 1 && new Set(flags).size !== flags.length) flags = [...new Set(flags)];

  return {
    event_id: d.event_id,
    event_type: eventType,
    timestamp: d.timestamp,
    tenant_id: d.tenant_id,
    application: d.application,
    environment: emptyToNull(d.environment) ?? DEFAULT_ENVIRONMENT,
    provider: normalizeProvider(d.provider),
    model: d.model,
    response_model: emptyToNull(d.response_model),
    operation,
    trace_id: emptyToNull(d.trace_id),
    span_id: emptyToNull(d.span_id),
    parent_span_id: emptyToNull(d.parent_span_id),
    session_id: emptyToNull(d.session_id),
    user_id: emptyToNull(d.user_id),
    agent_name: emptyToNull(d.agent_name),
    tool_name: emptyToNull(d.tool_name),
    prompt_name: emptyToNull(d.prompt_name),
    prompt_version: emptyToNull(d.prompt_version),
    status: d.status ?? (errorType === null ? 'ok' : 'error'),
    error_type: errorType,
    duration_ms: d.duration_ms ?? null,
    time_to_first_token_ms: d.time_to_first_token_ms ?? null,
    input_tokens: d.input_tokens ?? null,
    output_tokens: d.output_tokens ?? null,
    cache_read_input_tokens: d.cache_read_input_tokens ?? null,
    reasoning_output_tokens: d.reasoning_output_tokens ?? null,
    cache_creation_input_tokens: d.cache_creation_input_tokens ?? null,
    tool_call_arguments_hash: emptyToNull(d.tool_call_arguments_hash),
    cost_usd: d.cost_usd ?? null,
    cost_source: null,
    scores: d.scores ?? {},
    feedback: d.feedback ?? null,
    guardrail_flags: flags,
    attributes: d.attributes ?? {},
  };
}

const hashers = new Map<string, (userId: string) => string>();
const HASH_MEMO_LIMIT = 50_000;

/** HMAC-SHA256(salt, userId) in lowercase hex; memoised per salt (user ids repeat). */
export function hashUserId(userId: string, salt: string): string {
  let hasher = hashers.get(salt);
  if (hasher === undefined) {
    const memo = new Map<string, string>();
    hasher = (id) => {
      let hex = memo.get(id);
      if (hex === undefined) {
        hex = createHmac('sha256', salt).update(id, 'utf8').digest('hex');
        if (memo.size >= HASH_MEMO_LIMIT) memo.clear();
        memo.set(id, hex);
      }
      return hex;
    };
    if (hashers.size >= 16) hashers.clear();
    hashers.set(salt, hasher);
  }
  return hasher(userId);
}

/** Sets cost_usd/cost_source and hashes user_id, in place. The event must be canonical. */
function enrichInPlace(
  event: TelemetryEvent,
  options: EnrichOptions,
  limits: ContractLimits,
): TelemetryEvent {
  if (event.cost_usd !== null) {
    event.cost_source = 'reported';
  } else {
    const cost = options.priceTable?.costUsd(event.provider, event.model, event) ?? null;
    if (cost !== null && cost <= limits.maxCostUsd) {
      event.cost_usd = cost;
      event.cost_source = 'price_table';
    } else {
      event.cost_source = 'unpriced';
    }
  }
  if (event.user_id !== null && options.userIdSalt !== null && options.userIdSalt !== '') {
    event.user_id = hashUserId(event.user_id, options.userIdSalt);
  }
  return event;
}

/**
 * The validator's enrichment of a canonical event, as a new object: cost_source 'reported' when the
 * producer gave cost_usd, else cost_usd priced from the price table ('price_table'), else 'unpriced'
 * (model not in the table, or no token counts); user_id pseudonymised with HMAC-SHA256(userIdSalt).
 */
export function enrichEvent(
  event: TelemetryEvent,
  options: EnrichOptions,
  limits = DEFAULT_LIMITS,
): TelemetryEvent {
  return enrichInPlace({ ...event }, options, limits);
}

/** canonicalizeEvent then enrichEvent: producer input → the event the pipeline stores. Throws ContractError. */
export function normalizeEvent(input: unknown, options: NormalizeOptions): TelemetryEvent {
  return enrichInPlace(canonicalizeEvent(input, options), options, options.limits ?? DEFAULT_LIMITS);
}

export interface ValidateOptions {
  readonly limits?: ContractLimits;
  /** When given, the timestamp must also lie within it. */
  readonly range?: TimeRange;
}

/**
 * Checks a value against the canonical TelemetryEvent schema (every field present, strict) and, when a
 * range is given, the event-time range. Returns the parsed event; throws ContractError.
 */
export function validateTelemetryEvent(value: unknown, options: ValidateOptions = {}): TelemetryEvent {
  const parsed = schemasFor(options.limits ?? DEFAULT_LIMITS).event.safeParse(value);
  if (!parsed.success) throw zodToContractError(parsed.error, null, value);
  if (options.range !== undefined) {
    const rangeError = checkTimestampRange(parsed.data.timestamp, options.range);
    if (rangeError !== null) throw violation('timestamp', rangeError);
  }
  return parsed.data;
}
