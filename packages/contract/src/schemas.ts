import * as z from 'zod';
import { type ContractLimits, DEFAULT_LIMITS } from './limits.js';
import { forbiddenKeyReason, PRIVACY_NOTE } from './privacy.js';
import { parseRfc3339 } from './timestamp.js';
import {
  ALERT_SEVERITIES,
  ALERT_STATUSES,
  COST_SOURCES,
  EVENT_STATUSES,
  EVENT_TYPES,
  SCORE_HISTOGRAM_BINS,
} from './types.js';

/** Matches a lone UTF-16 surrogate, which no UTF-8 encoding (hence no Avro string) can carry. */
const LONE_SURROGATE = /\p{Cs}/u;
const WELL_FORMED = 'must be well-formed Unicode (it contains a lone surrogate)';
const INT32_MAX = 2_147_483_647;

/** Carried by issues whose reason is not plain 'schema_violation'. */
export interface IssueParams {
  readonly reason: 'forbidden_field';
}
const FORBIDDEN_PARAMS: IssueParams = { reason: 'forbidden_field' };

type Rule<T> = (value: T) => string | null;

/**
 * One check per field, combining every rule of that field: zod runs each `.min`/`.max`/`.refine` as a
 * separate check, and on a 33-field object that triples the cost of the validator's hot path.
 */
function ruled<S extends z.ZodType>(base: S, rule: Rule<z.output<S>>, params?: IssueParams): S {
  return base.check((ctx) => {
    const message = rule(ctx.value);
    if (message !== null) {
      ctx.issues.push(
        params === undefined
          ? { code: 'custom', input: ctx.value, message }
          : { code: 'custom', input: ctx.value, message, params },
      );
    }
  }) as S;
}

function stringRule(min: number, max: number, what = ''): Rule<string> {
  return (s) => {
    if (s.length < min) return `${what}must not be empty`;
    if (s.length > max) return `${what}must be at most ${max} characters`;
    return LONE_SURROGATE.test(s) ? `${what}${WELL_FORMED}` : null;
  };
}

function idString(limits: ContractLimits) {
  return ruled(z.string(), stringRule(1, limits.maxIdLength));
}

/** Optional string in producer input: "" is accepted and becomes null. */
function optionalIdInput(limits: ContractLimits) {
  return ruled(z.string(), stringRule(0, limits.maxIdLength)).nullish();
}

function mapKey(max: number) {
  const base = stringRule(1, max, 'key ');
  return ruled(z.string(), (k) => (k === '__proto__' ? 'key "__proto__" is reserved' : base(k)));
}

function attributeKey(limits: ContractLimits) {
  const key = mapKey(limits.maxAttributeKeyLength);
  return ruled(
    key,
    (k) => {
      const reason = forbiddenKeyReason(k);
      return reason === null ? null : `${reason}; ${PRIVACY_NOTE}`;
    },
    FORBIDDEN_PARAMS,
  );
}

function boundedRecord<V extends z.ZodType>(key: z.ZodType<string>, value: V, max: number) {
  return ruled(z.record(key, value), (o) =>
    countKeys(o) <= max ? null : `must have at most ${max} entries`,
  );
}

function countKeys(o: object): number {
  let n = 0;
  for (const k in o) if (Object.hasOwn(o, k)) n++;
  return n;
}

/**
 * The largest long avsc reads and writes without refusing it for "potential precision loss":
 * ±(2^53 − 2), one short of Number.MAX_SAFE_INTEGER.
 */
export const AVRO_MAX_LONG = 9_007_199_254_740_990;

/** Integers Avro longs carry identically: within ±AVRO_MAX_LONG, and not -0 (a long has no negative zero). */
function integerRule(min: number, max: number, unit = ''): Rule<number> {
  return (n) => {
    if (!Number.isInteger(n)) return `must be an integer${unit}`;
    if (n > AVRO_MAX_LONG) return `must be <= ${AVRO_MAX_LONG}${unit}`;
    if (n < min || Object.is(n, -0)) return `must be >= ${min}${unit}`;
    return n > max ? `must be <= ${max}${unit}` : null;
  };
}
const epochMs = ruled(z.number(), integerRule(0, AVRO_MAX_LONG, ' (epoch milliseconds)'));
const count = ruled(z.number(), integerRule(0, AVRO_MAX_LONG));
function boundedCount(max: number) {
  return ruled(z.number(), integerRule(0, max));
}
function range(min: number, max: number, unit = '') {
  return ruled(z.number(), (n) =>
    n < min ? `must be >= ${min}${unit}` : n > max ? `must be <= ${max}${unit}` : null,
  );
}
const score01 = ruled(z.number(), (n) => (n >= 0 && n <= 1 ? null : 'must be in [0, 1]'));
const feedbackValue = z.literal([-1, 1], 'must be -1 or 1');

function durationMs(limits: ContractLimits) {
  return range(0, limits.maxDurationMs, ' ms');
}
function tokenCount(limits: ContractLimits) {
  return boundedCount(limits.maxTokens);
}
function costUsd(limits: ContractLimits) {
  return range(0, limits.maxCostUsd);
}
function guardrailFlags(limits: ContractLimits) {
  return ruled(z.array(ruled(z.string(), stringRule(1, limits.maxGuardrailFlagLength))), (a) =>
    a.length <= limits.maxGuardrailFlags ? null : `must have at most ${limits.maxGuardrailFlags} entries`,
  );
}
function scores(limits: ContractLimits) {
  return boundedRecord(mapKey(limits.maxScoreNameLength), score01, limits.maxScores);
}
function attributeValue(limits: ContractLimits) {
  return ruled(z.string(), stringRule(0, limits.maxAttributeValueLength));
}

/** Attribute value in producer input: a string, or a number/boolean turned into one. */
function attributeValueInput(limits: ContractLimits) {
  const rule = stringRule(0, limits.maxAttributeValueLength);
  return z.unknown().transform((value, ctx): string => {
    let text: string;
    if (typeof value === 'string') text = value;
    else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
    else {
      ctx.issues.push({ code: 'custom', input: value, message: 'must be a string, number or boolean' });
      return z.NEVER;
    }
    const message = rule(text);
    if (message === null) return text;
    ctx.issues.push({ code: 'custom', input: value, message });
    return z.NEVER;
  });
}

/**
 * Producer timestamp: epoch milliseconds (a non-negative integer), an RFC 3339 string, or (SDK only) a Date.
 * Output: epoch milliseconds.
 */
const timestampInput = z.unknown().transform((value, ctx): number => {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= AVRO_MAX_LONG) return value === 0 ? 0 : value; // no -0
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: Number.isFinite(value)
        ? 'must be a non-negative integer of epoch milliseconds'
        : 'must be a finite number',
    });
    return z.NEVER;
  }
  if (typeof value === 'string') {
    const ms = parseRfc3339(value);
    if (ms >= 0) return ms;
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: Number.isNaN(ms)
        ? `"${value.slice(0, 64)}" is not an RFC 3339 date-time (e.g. 2025-06-01T12:00:00.000Z)`
        : 'is before 1970',
    });
    return z.NEVER;
  }
  if (value instanceof Date && Number.isSafeInteger(value.getTime()) && value.getTime() >= 0) {
    return value.getTime();
  }
  ctx.issues.push({
    code: 'custom',
    input: value,
    message:
      value === undefined
        ? 'is required (epoch milliseconds or an RFC 3339 string)'
        : 'must be epoch milliseconds (number) or an RFC 3339 string',
  });
  return z.NEVER;
});

function buildEventSchema(limits: ContractLimits) {
  const id = idString(limits);
  const optionalId = id.nullable();
  const duration = durationMs(limits).nullable();
  const tokens = tokenCount(limits).nullable();
  return z.strictObject({
    event_id: id,
    event_type: z.enum(EVENT_TYPES),
    /** Event time (when the operation ended), epoch milliseconds. */
    timestamp: epochMs,
    tenant_id: id,
    application: id,
    environment: id,
    provider: id,
    model: id,
    response_model: optionalId,
    operation: id,
    trace_id: optionalId,
    span_id: optionalId,
    parent_span_id: optionalId,
    session_id: optionalId,
    user_id: optionalId,
    agent_name: optionalId,
    tool_name: optionalId,
    prompt_name: optionalId,
    prompt_version: optionalId,
    status: z.enum(EVENT_STATUSES),
    error_type: optionalId,
    duration_ms: duration,
    time_to_first_token_ms: duration,
    input_tokens: tokens,
    output_tokens: tokens,
    cache_read_input_tokens: tokens,
    reasoning_output_tokens: tokens,
    cache_creation_input_tokens: tokens,
    /**
     * Fingerprint of a tool call's arguments (the producer hashes them; the pipeline never sees arguments):
     * the same (tool, hash) repeated in one trace is a tool-call loop. Since schema v1.2.
     */
    tool_call_arguments_hash: optionalId,
    cost_usd: costUsd(limits).nullable(),
    /** Set by the validator; producers leave it null. */
    cost_source: z.enum(COST_SOURCES).nullable(),
    /** evaluator name → score in [0, 1] */
    scores: scores(limits),
    feedback: feedbackValue.nullable(),
    guardrail_flags: guardrailFlags(limits),
    attributes: boundedRecord(attributeKey(limits), attributeValue(limits), limits.maxAttributes),
  });
}

function buildInputSchema(limits: ContractLimits) {
  const id = idString(limits);
  const optionalId = optionalIdInput(limits);
  const duration = durationMs(limits).nullish();
  const tokens = tokenCount(limits).nullish();
  const attributeInput = attributeValueInput(limits);
  return z.strictObject({
    event_id: id,
    /** Inferred from `operation` when absent (chat → llm_call, embeddings → embedding, …). */
    event_type: z.enum(EVENT_TYPES).nullish(),
    timestamp: timestampInput,
    tenant_id: id,
    application: id,
    /** Defaults to "production". */
    environment: optionalId,
    provider: id,
    model: id,
    response_model: optionalId,
    /** Inferred from `event_type` when absent (llm_call → chat, embedding → embeddings, …). */
    operation: optionalId,
    trace_id: optionalId,
    span_id: optionalId,
    parent_span_id: optionalId,
    session_id: optionalId,
    user_id: optionalId,
    agent_name: optionalId,
    tool_name: optionalId,
    prompt_name: optionalId,
    prompt_version: optionalId,
    /** Defaults to "error" when error_type is set, else "ok". */
    status: z.enum(EVENT_STATUSES).nullish(),
    error_type: optionalId,
    duration_ms: duration,
    time_to_first_token_ms: duration,
    input_tokens: tokens,
    output_tokens: tokens,
    cache_read_input_tokens: tokens,
    reasoning_output_tokens: tokens,
    cache_creation_input_tokens: tokens,
    /**
     * Fingerprint of a tool call's arguments (the producer hashes them; the pipeline never sees arguments):
     * the same (tool, hash) repeated in one trace is a tool-call loop. Since schema v1.2.
     */
    tool_call_arguments_hash: optionalId,
    cost_usd: costUsd(limits).nullish(),
    /** Ignored: the validator sets it. */
    cost_source: z.enum(COST_SOURCES).nullish(),
    scores: scores(limits).nullish(),
    feedback: feedbackValue.nullish(),
    guardrail_flags: guardrailFlags(limits).nullish(),
    attributes: boundedRecord(attributeKey(limits), attributeInput, limits.maxAttributes).nullish(),
  });
}

function buildWindowSchema(limits: ContractLimits) {
  const id = idString(limits);
  const nonNegative = range(0, Number.MAX_VALUE);
  const optionalMs = nonNegative.nullable();
  const counts = boundedRecord(mapKey(limits.maxIdLength), count, 10_000);
  return z.strictObject({
    tenant_id: id,
    application: id,
    environment: id,
    provider: id,
    model: id,
    operation: id,
    window_start: epochMs,
    window_end: epochMs,
    /** 0 for the first emission; each late correction emits the whole window again with revision + 1. */
    revision: boundedCount(INT32_MAX),
    events: count,
    errors: count,
    errors_by_type: counts,
    latency_count: count,
    latency_min_ms: optionalMs,
    latency_max_ms: optionalMs,
    latency_mean_ms: optionalMs,
    latency_p50_ms: optionalMs,
    latency_p90_ms: optionalMs,
    latency_p95_ms: optionalMs,
    latency_p99_ms: optionalMs,
    /** The serialised latency sketch, so that windows can be merged downstream without losing accuracy. */
    latency_sketch: z
      .custom<Uint8Array>((v) => v instanceof Uint8Array, 'must be bytes (Uint8Array)')
      .nullable(),
    ttft_p50_ms: optionalMs,
    ttft_p95_ms: optionalMs,
    input_tokens: count,
    output_tokens: count,
    cache_read_input_tokens: count,
    reasoning_output_tokens: count,
    cost_usd: nonNegative,
    /** Events whose cost the pipeline priced from the price table. */
    cost_estimated_events: count,
    quality: boundedRecord(
      mapKey(limits.maxScoreNameLength),
      z.strictObject({
        count,
        sum: nonNegative,
        /** SCORE_HISTOGRAM_BINS counts over [0, 1]; a score of exactly 1 goes in the last bin. */
        histogram: ruled(z.array(count), (a) =>
          a.length === SCORE_HISTOGRAM_BINS ? null : `must have ${SCORE_HISTOGRAM_BINS} bins`,
        ),
      }),
      limits.maxScores,
    ),
    /** Mean over every score of every evaluator in the window; null when there was none. */
    quality_mean: score01.nullable(),
    feedback_positive: count,
    feedback_negative: count,
    feedback_total: count,
    guardrail_flags: counts,
    /** Events that arrived after the window first closed and were folded into a later revision. */
    late_events: count,
    /** Wall-clock ms when this revision was emitted (for latency measurement, not for results). */
    emitted_at: epochMs,
    /**
     * Null for the window's own emissions. A late correction: the id of one event that arrived after its
     * window had been evicted (past the allowed lateness); the row holds that event alone and is summed
     * with the window's latest revision (see the README, "Late events").
     */
    correction_event_id: id.nullable().default(null),
  });
}

function buildAlertSchema(limits: ContractLimits) {
  const id = idString(limits);
  const optionalId = id.nullable();
  const finite = z.number();
  return z.strictObject({
    /** Deterministic: hash of fingerprint + start window, so a replay never creates a second alert. */
    alert_id: id,
    /** Deterministic: hash of detector + series (+ signal), the dedup key. */
    fingerprint: id,
    status: z.enum(ALERT_STATUSES),
    severity: z.enum(ALERT_SEVERITIES),
    detector: id,
    tenant_id: optionalId,
    application: optionalId,
    environment: optionalId,
    provider: optionalId,
    model: optionalId,
    operation: optionalId,
    window_start: epochMs,
    window_end: epochMs,
    observed: finite,
    expected: finite,
    threshold: finite,
    /** Anomaly score in [0, 1]. */
    score: score01,
    started_at: epochMs,
    resolved_at: epochMs.nullable(),
    /** One human sentence. */
    summary: ruled(z.string(), stringRule(0, 4096)),
    evidence: boundedRecord(
      mapKey(limits.maxAttributeKeyLength),
      attributeValue(limits),
      limits.maxAttributes,
    ),
    /** Event time (window end) at which this notification was produced; repeats of a long incident advance it. */
    notified_at: epochMs,
  });
}

export type TelemetryEventSchema = ReturnType<typeof buildEventSchema>;
export type TelemetryEventInputObjectSchema = ReturnType<typeof buildInputSchema>;
export type WindowAggregateSchema = ReturnType<typeof buildWindowSchema>;
export type AlertSchema = ReturnType<typeof buildAlertSchema>;
/** What the input schema yields: canonical names, timestamps in ms, optional fields possibly absent. */
export type ValidatedEventInput = z.output<TelemetryEventInputObjectSchema>;

/** The four schemas for one set of limits; built once per limits object. */
export interface ContractSchemas {
  readonly event: TelemetryEventSchema;
  readonly input: TelemetryEventInputObjectSchema;
  readonly window: WindowAggregateSchema;
  readonly alert: AlertSchema;
}

const cache = new WeakMap<ContractLimits, ContractSchemas>();

export function schemasFor(limits: ContractLimits = DEFAULT_LIMITS): ContractSchemas {
  let built = cache.get(limits);
  if (built === undefined) {
    built = {
      event: buildEventSchema(limits),
      input: buildInputSchema(limits),
      window: buildWindowSchema(limits),
      alert: buildAlertSchema(limits),
    };
    cache.set(limits, built);
  }
  return built;
}

const defaults = schemasFor(DEFAULT_LIMITS);

/**
 * The canonical TelemetryEvent: exactly what the Avro event schema carries, with the default bounds.
 * Every field is present; unknown keys are refused. The event-time range is not part of it (validation
 * reads no clock): see `validateTelemetryEvent` and `checkTimestampRange`.
 */
export const telemetryEventSchema: TelemetryEventSchema = defaults.event;
/** Canonical WindowAggregate. */
export const windowAggregateSchema: WindowAggregateSchema = defaults.window;
/** Canonical Alert. */
export const alertSchema: AlertSchema = defaults.alert;
