import {
  type ContractLimits,
  canonicalizeEvent,
  DEFAULT_LIMITS,
  isContractError,
  type TelemetryEvent,
} from '@aiops/contract';
import {
  AttributeTypeError,
  ENVIRONMENT_KEYS,
  EVALUATION_EVENT,
  EVALUATION_NAME,
  EVALUATION_SCORE,
  EVENT_TYPE_BY_GEN_AI_OPERATION,
  hasGenAiAttributes,
  isContentAttribute,
  isContentEvent,
  readAttribute,
  SPAN_ATTRIBUTE_RULES,
  stringAttribute,
  TENANT_CLAIM_KEYS,
} from './mapping.js';
import type { Attributes, LogsRequest, OtlpLogRecord, OtlpSpan, TraceRequest } from './model.js';
import type { CallIdentity, RecentCalls } from './recent-calls.js';

export interface MapperOptions {
  /** From the bearer token; whatever the payload claims is overwritten. */
  readonly tenantId: string;
  /** Resource attribute naming the application; `service.name` by default. */
  readonly applicationKey: string;
  /** "Now" for the contract's event-time range check. */
  readonly nowMs: number;
  readonly limits?: ContractLimits;
}

/** A span or record the contract refuses: reported in partial_success and dead-lettered. */
export interface Refusal {
  readonly reason: string;
  readonly message: string;
  readonly field: string | undefined;
  /** The mapped input (content already dropped), or null when mapping itself failed. */
  readonly input: Record<string, unknown> | null;
  readonly spanId: string;
}

export interface MappedBatch {
  readonly events: TelemetryEvent[];
  readonly refused: Refusal[];
  /** Spans without gen_ai.* attributes, and log records that are not evaluation results. */
  readonly ignored: number;
  /** Prompt/completion attributes and content events seen and not stored. */
  readonly droppedContent: number;
  /** Spans and records whose payload claimed a tenant other than the token's. */
  readonly tenantOverwritten: number;
}

/** Series dimension for a GenAI span that names no provider or model, and whose parents do not either. */
export const UNKNOWN = 'unknown';
/** OpenTelemetry's own default service.name. */
export const UNKNOWN_SERVICE = 'unknown_service';
/** semconv: error.type when the instrumentation knows no better. */
const OTHER_ERROR = '_OTHER';
const OPERATION_KEYS = ['gen_ai.operation.name', 'llm.request.type'];
const NS_PER_MS = 1_000_000n;

class Collector {
  readonly events: TelemetryEvent[] = [];
  readonly refused: Refusal[] = [];
  ignored = 0;
  droppedContent = 0;
  tenantOverwritten = 0;

  constructor(private readonly options: MapperOptions) {}

  countContent(attributes: Attributes): void {
    for (const key of attributes.keys()) if (isContentAttribute(key)) this.droppedContent++;
  }

  checkTenantClaim(attributes: Attributes): boolean {
    const claim = stringAttribute(attributes, TENANT_CLAIM_KEYS);
    return claim !== null && claim !== this.options.tenantId;
  }

  /** Validates through the contract, as the SDK does before producing. */
  add(input: Record<string, unknown>, spanId: string): void {
    try {
      this.events.push(
        canonicalizeEvent(input, {
          nowMs: this.options.nowMs,
          limits: this.options.limits ?? DEFAULT_LIMITS,
        }),
      );
    } catch (error) {
      if (!isContractError(error)) throw error;
      this.refused.push({ reason: error.reason, message: error.message, field: error.field, input, spanId });
    }
  }

  refuse(error: unknown, spanId: string): void {
    if (!(error instanceof AttributeTypeError)) throw error;
    this.refused.push({
      reason: 'schema_violation',
      message: `field ${error.field}: ${error.message}`,
      field: error.field,
      input: null,
      spanId,
    });
  }

  result(): MappedBatch {
    return {
      events: this.events,
      refused: this.refused,
      ignored: this.ignored,
      droppedContent: this.droppedContent,
      tenantOverwritten: this.tenantOverwritten,
    };
  }
}

function toMs(ns: bigint): number {
  return Number(ns / NS_PER_MS);
}

function resourceDimensions(resource: Attributes, options: MapperOptions) {
  return {
    application: stringAttribute(resource, [options.applicationKey]) ?? UNKNOWN_SERVICE,
    environment: stringAttribute(resource, ENVIRONMENT_KEYS),
  };
}

/** A span's own fields from the attribute table; throws AttributeTypeError for a value of the wrong type. */
function spanFields(span: OtlpSpan): Record<string, string | number> {
  const fields: Record<string, string | number> = {};
  for (const rule of SPAN_ATTRIBUTE_RULES) {
    const value = readAttribute(span.attributes, rule);
    if (value !== undefined) fields[rule.field] = value;
  }
  return fields;
}

interface MappedSpan {
  readonly span: OtlpSpan;
  readonly fields: Record<string, string | number>;
  readonly operation: string | null;
}

/**
 * Inherits provider and model from the nearest ancestor that has them (a tool call of an agent runs on
 * the agent's model): first in the same request, then among recent calls.
 */
function inherited(
  mapped: MappedSpan,
  bySpanId: ReadonlyMap<string, MappedSpan>,
  recent: RecentCalls,
  tenantId: string,
  field: 'provider' | 'model',
): string | null {
  let parentId = mapped.span.parentSpanId;
  for (let hops = 0; parentId !== null && hops < 32; hops++) {
    const parent = bySpanId.get(parentId);
    if (parent === undefined) return recent.find(tenantId, parentId)?.[field] ?? null;
    const value = parent.fields[field];
    if (typeof value === 'string') return value;
    parentId = parent.span.parentSpanId;
  }
  return null;
}

function evaluationInput(
  attributes: Attributes,
  call: CallIdentity,
  ids: { traceId: string | null; spanId: string; timeNs: bigint },
  tenantId: string,
): Record<string, unknown> {
  const name = readAttribute(attributes, { keys: [EVALUATION_NAME], kind: 'string', field: 'scores' });
  if (name === undefined)
    throw new AttributeTypeError(EVALUATION_NAME, 'scores', 'present (the evaluator name)');
  const score = readAttribute(attributes, { keys: [EVALUATION_SCORE], kind: 'number', field: 'scores' });
  if (score === undefined) throw new AttributeTypeError(EVALUATION_SCORE, 'scores', 'present (the score)');
  return {
    event_id: `${ids.traceId ?? ''}:${ids.spanId}:evaluation:${name}:${ids.timeNs}`,
    event_type: 'evaluation',
    timestamp: toMs(ids.timeNs),
    tenant_id: tenantId,
    application: call.application,
    environment: call.environment,
    provider: call.provider ?? UNKNOWN,
    model: call.model ?? UNKNOWN,
    operation: call.operation,
    trace_id: ids.traceId ?? call.trace_id,
    span_id: ids.spanId,
    session_id: call.session_id,
    agent_name: call.agent_name,
    prompt_name: call.prompt_name,
    scores: { [String(name)]: score },
  };
}

/**
 * ExportTraceServiceRequest → contract events: one event per GenAI span, one evaluation event per
 * `gen_ai.evaluation.result` span event. Remembers each call's identity in `recent` for evaluations that
 * arrive later as log records.
 */
export function mapTraceRequest(
  request: TraceRequest,
  options: MapperOptions,
  recent: RecentCalls,
): MappedBatch {
  const out = new Collector(options);
  const { tenantId } = options;
  for (const { resource, spans } of request.resourceSpans) {
    const dims = resourceDimensions(resource, options);
    const resourceClaims = out.checkTenantClaim(resource);
    const bySpanId = new Map<string, MappedSpan>();
    const genAi: MappedSpan[] = [];
    for (const span of spans) {
      if (!hasGenAiAttributes(span.attributes)) {
        out.ignored++;
        continue;
      }
      out.countContent(span.attributes);
      for (const event of span.events) {
        if (isContentEvent(event.name)) out.droppedContent++;
        else out.countContent(event.attributes);
      }
      let fields: Record<string, string | number>;
      try {
        fields = spanFields(span);
      } catch (error) {
        out.refuse(error, span.spanId);
        continue;
      }
      const operation = stringAttribute(span.attributes, OPERATION_KEYS);
      const mapped: MappedSpan = { span, fields, operation };
      bySpanId.set(span.spanId, mapped);
      genAi.push(mapped);
    }
    for (const mapped of genAi) {
      const { span, fields } = mapped;
      if (resourceClaims || out.checkTenantClaim(span.attributes)) out.tenantOverwritten++;
      const provider =
        (fields.provider as string | undefined) ?? inherited(mapped, bySpanId, recent, tenantId, 'provider');
      const model =
        (fields.model as string | undefined) ?? inherited(mapped, bySpanId, recent, tenantId, 'model');
      // A GenAI span that names a model but no operation is an LLM call (older instrumentations).
      const operation = mapped.operation ?? (fields.model === undefined ? null : 'chat');
      const isError = span.statusCode === 2;
      const input: Record<string, unknown> = {
        ...fields,
        event_id: `${span.traceId}:${span.spanId}`,
        event_type: operation === null ? null : (EVENT_TYPE_BY_GEN_AI_OPERATION[operation] ?? null),
        operation,
        timestamp: toMs(span.endTimeUnixNano),
        tenant_id: tenantId,
        application: dims.application,
        environment: dims.environment,
        provider: provider ?? UNKNOWN,
        model: model ?? UNKNOWN,
        trace_id: span.traceId,
        span_id: span.spanId,
        parent_span_id: span.parentSpanId,
        status: isError ? 'error' : 'ok',
        error_type: isError ? ((fields.error_type as string | undefined) ?? OTHER_ERROR) : null,
        duration_ms: Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6,
      };
      const identity: CallIdentity = {
        application: dims.application,
        environment: dims.environment,
        provider: provider ?? null,
        model: model ?? null,
        operation: operation ?? 'chat',
        trace_id: span.traceId,
        session_id: (fields.session_id as string | undefined) ?? null,
        agent_name: (fields.agent_name as string | undefined) ?? null,
        prompt_name: (fields.prompt_name as string | undefined) ?? null,
      };
      recent.remember(tenantId, span.spanId, identity);
      out.add(input, span.spanId);
      for (const event of span.events) {
        if (event.name !== EVALUATION_EVENT) continue;
        try {
          const ids = { traceId: span.traceId, spanId: span.spanId, timeNs: event.timeUnixNano };
          out.add(evaluationInput(event.attributes, identity, ids, tenantId), span.spanId);
        } catch (error) {
          out.refuse(error, span.spanId);
        }
      }
    }
  }
  return out.result();
}

function recordEventName(record: OtlpLogRecord): string {
  return record.eventName || (stringAttribute(record.attributes, ['event.name']) ?? '');
}

/**
 * ExportLogsServiceRequest → evaluation events: each `gen_ai.evaluation.result` record joins its call by
 * span id (the call's series, so the score lands in the call's windows). Other records are ignored.
 */
export function mapLogsRequest(
  request: LogsRequest,
  options: MapperOptions,
  recent: RecentCalls,
): MappedBatch {
  const out = new Collector(options);
  const { tenantId } = options;
  for (const { resource, records } of request.resourceLogs) {
    const dims = resourceDimensions(resource, options);
    const resourceClaims = out.checkTenantClaim(resource);
    for (const record of records) {
      const name = recordEventName(record);
      if (isContentEvent(name)) {
        out.droppedContent++;
        continue;
      }
      out.countContent(record.attributes);
      if (name !== EVALUATION_EVENT) {
        out.ignored++;
        continue;
      }
      if (resourceClaims || out.checkTenantClaim(record.attributes)) out.tenantOverwritten++;
      const spanId = record.spanId ?? '';
      const timeNs = record.timeUnixNano > 0n ? record.timeUnixNano : record.observedTimeUnixNano;
      const call: CallIdentity = (spanId === '' ? undefined : recent.find(tenantId, spanId)) ?? {
        // The call was not seen (or forgotten): the record's own attributes, when it has them.
        application: dims.application,
        environment: dims.environment,
        provider: stringAttribute(record.attributes, ['gen_ai.provider.name', 'gen_ai.system']),
        model: stringAttribute(record.attributes, ['gen_ai.request.model']),
        operation: stringAttribute(record.attributes, ['gen_ai.operation.name']) ?? 'chat',
        trace_id: record.traceId,
        session_id: stringAttribute(record.attributes, ['gen_ai.conversation.id']),
        agent_name: null,
        prompt_name: null,
      };
      if (call.provider === null || call.model === null) {
        out.refused.push({
          reason: 'unknown_call',
          message: `evaluation of span ${spanId || '(none)'}: its call was not seen by this receiver and the record names no gen_ai.provider.name and gen_ai.request.model`,
          field: 'span_id',
          input: null,
          spanId,
        });
        continue;
      }
      try {
        out.add(
          evaluationInput(record.attributes, call, { traceId: record.traceId, spanId, timeNs }, tenantId),
          spanId,
        );
      } catch (error) {
        out.refuse(error, spanId);
      }
    }
  }
  return out.result();
}
