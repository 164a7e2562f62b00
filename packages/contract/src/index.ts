export type { AliasResolution } from './aliases.js';
export {
  EVENT_FIELDS,
  FIELD_ALIASES,
  normalizeProvider,
  PROVIDER_ALIASES,
  resolveAliases,
} from './aliases.js';
export type { AuditRecord } from './audit.js';
export { auditRecordSchema } from './audit.js';
export type { AvroWriterVersion } from './avro/codec.js';
export { AvroRecordCodec, fingerprintHex } from './avro/codec.js';
export {
  crc64Avro,
  parsingCanonicalForm,
  schemaFingerprint,
  singleObjectHeader,
} from './avro/fingerprint.js';
export type { AvroGuard } from './avro/guard.js';
export { compileAvroGuard } from './avro/guard.js';
export {
  ALERT_V1_SCHEMA,
  AVRO_NAMESPACE,
  TELEMETRY_EVENT_OLDER_SCHEMAS,
  TELEMETRY_EVENT_SCHEMA,
  TELEMETRY_EVENT_V1_1_SCHEMA,
  TELEMETRY_EVENT_V1_2_SCHEMA,
  TELEMETRY_EVENT_V1_SCHEMA,
  WINDOW_AGGREGATE_SCHEMA,
  WINDOW_AGGREGATE_V1_1_SCHEMA,
  WINDOW_AGGREGATE_V1_SCHEMA,
} from './avro/schemas.js';
export type { EventCodecOptions, RecordCodec, RecordFormat } from './codecs.js';
export {
  alertCodec,
  createAlertCodec,
  createEventCodec,
  createWindowCodec,
  encodeEventAvroSingleObject,
  encodeEventConfluent,
  encodeEventJson,
  eventCodec,
  windowCodec,
} from './codecs.js';
export type { DecodedMessage, DecoderOptions, TelemetryDecoder } from './decoder.js';
export { createDecoder, SchemaNotLoadedError } from './decoder.js';
export type { ContractErrorReason } from './errors.js';
export { CONTRACT_ERROR_REASONS, ContractError, formatPath, isContractError } from './errors.js';
export { ALIGN_AT_HEADER, BEHIND_MS_HEADER, SERIES_HEADER, SOURCE_HEADER } from './headers.js';
export type { TelemetryEventInput } from './input.js';
export { telemetryEventInputSchema } from './input.js';
export type { ContractLimits, TimeRange } from './limits.js';
export { checkTimestampRange, DEFAULT_LIMITS, resolveLimits } from './limits.js';
export type {
  CanonicalizeOptions,
  EnrichOptions,
  NormalizeOptions,
  ValidateOptions,
} from './normalize.js';
export {
  canonicalizeEvent,
  DEFAULT_ENVIRONMENT,
  DEFAULT_OPERATION_BY_EVENT_TYPE,
  EVENT_TYPE_BY_OPERATION,
  enrichEvent,
  hashUserId,
  normalizeEvent,
  validateTelemetryEvent,
} from './normalize.js';
export type { ParseContext, ParseContextOptions, ParseResult } from './parse.js';
export { createParseContext, parseTelemetryMessage } from './parse.js';
export type { ModelPrice, PriceTable, PriceTableJson, TokenUsage } from './pricing.js';
export { costOf, loadPriceTable, priceTableSchema } from './pricing.js';
export { forbiddenKeyReason } from './privacy.js';
export type { HttpSchemaRegistryOptions, RegisteredSchema, SchemaRegistryClient } from './registry.js';
export { HttpSchemaRegistry, StaticSchemaRegistry } from './registry.js';
export type {
  AlertSchema,
  ContractSchemas,
  TelemetryEventInputObjectSchema,
  TelemetryEventSchema,
  ValidatedEventInput,
  WindowAggregateSchema,
} from './schemas.js';
export { alertSchema, schemasFor, telemetryEventSchema, windowAggregateSchema } from './schemas.js';
export type { SeriesFilter } from './series.js';
export { parseSeriesKey, seriesKey, seriesMatchesFilter, seriesOf } from './series.js';
export { parseRfc3339 } from './timestamp.js';
export type { TopicRole } from './topics.js';
export { DEFAULT_PRICE_TABLE_URL, DEFAULT_TOPICS } from './topics.js';
export type {
  Alert,
  AlertSeverity,
  AlertStatus,
  CostSource,
  EventStatus,
  EventType,
  ScoreAggregate,
  Series,
  SeriesDimension,
  TelemetryEvent,
  WindowAggregate,
} from './types.js';
export {
  ALERT_SEVERITIES,
  ALERT_STATUSES,
  COST_SOURCES,
  EVENT_STATUSES,
  EVENT_TYPES,
  SCORE_HISTOGRAM_BINS,
  SERIES_DIMENSIONS,
} from './types.js';
export type { WireFormat } from './wire.js';
export { detectWireFormat } from './wire.js';
export { zodToContractError } from './zod-errors.js';
