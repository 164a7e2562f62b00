export type { OtlpEncoding } from './decode.js';
export {
  decodeLogsJson,
  decodeLogsProtobuf,
  decodeLogsRequest,
  decodeTraceJson,
  decodeTraceProtobuf,
  decodeTraceRequest,
  OTLP_MESSAGES,
  OtlpDecodeError,
} from './decode.js';
export type { MappedBatch, MapperOptions, Refusal } from './mapper.js';
export { mapLogsRequest, mapTraceRequest, UNKNOWN, UNKNOWN_SERVICE } from './mapper.js';
export type { AttributeRule } from './mapping.js';
export {
  ENVIRONMENT_KEYS,
  EVALUATION_EVENT,
  EVENT_TYPE_BY_GEN_AI_OPERATION,
  isContentAttribute,
  SPAN_ATTRIBUTE_RULES,
  TENANT_CLAIM_KEYS,
} from './mapping.js';
export type {
  Attributes,
  AttributeValue,
  LogsRequest,
  OtlpLogRecord,
  OtlpSpan,
  OtlpSpanEvent,
  ResourceLogs,
  ResourceSpans,
  TraceRequest,
} from './model.js';
export type { Signal } from './protocol.js';
export {
  contentTypeOf,
  decodeStatus,
  encodingOf,
  exportResponseBody,
  STATUS_CODE,
  statusBody,
} from './protocol.js';
export type { Admission, RateLimits } from './rate-limit.js';
export { TenantRateLimiter } from './rate-limit.js';
export type { CallIdentity } from './recent-calls.js';
export { RecentCalls } from './recent-calls.js';
export type { Authentication, TenantEntry, TenantTokens } from './tenants.js';
export { sha256Hex, TenantDirectory, tenantTokensSchema } from './tenants.js';
