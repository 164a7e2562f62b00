import { AvroRecordCodec, SINGLE_OBJECT_MAGIC_0, SINGLE_OBJECT_MAGIC_1 } from './avro/codec.js';
import {
  ALERT_V1_SCHEMA,
  TELEMETRY_EVENT_OLDER_SCHEMAS,
  TELEMETRY_EVENT_SCHEMA,
  WINDOW_AGGREGATE_SCHEMA,
  WINDOW_AGGREGATE_V1_SCHEMA,
} from './avro/schemas.js';
import { ContractError } from './errors.js';
import { type ContractLimits, DEFAULT_LIMITS } from './limits.js';
import { schemasFor } from './schemas.js';
import type { Alert, TelemetryEvent, WindowAggregate } from './types.js';
import { asBuffer, badMagic, detectWireFormat, parseJsonObject } from './wire.js';
import { zodToContractError } from './zod-errors.js';

export type RecordFormat = 'avro' | 'json';

/**
 * Reads and writes one record type of the contract on our own topics: Avro single-object (the default)
 * or JSON, detected per message on decode.
 */
export interface RecordCodec<T> {
  encode(value: T, format?: RecordFormat): Buffer;
  /** Detects the format, decodes and validates against the canonical zod schema; throws ContractError. */
  decode(buf: Uint8Array): T;
  /**
   * Decodes without the zod validation, for a topic only the pipeline writes (Avro bodies are still
   * structurally guarded). Throws ContractError.
   */
  decodeTrusted(buf: Uint8Array): T;
  readonly avro: AvroRecordCodec;
}

interface CodecSpec<T> {
  readonly readerSchema: unknown;
  readonly writerSchemas: readonly unknown[];
  readonly limits: ContractLimits;
  readonly validate: (value: unknown) => T;
  /** JSON-friendly copy (e.g. bytes → base64); identity when absent. */
  readonly toJson?: (value: T) => unknown;
  /** Inverse of toJson on the parsed object, before validation. */
  readonly fromJson?: (value: Record<string, unknown>) => Record<string, unknown>;
  /** Avro-friendly view (avsc takes bytes only as Buffer); identity when absent. */
  readonly toAvro?: (value: T) => unknown;
}

function createRecordCodec<T>(spec: CodecSpec<T>): RecordCodec<T> {
  const avro = new AvroRecordCodec(spec.readerSchema, spec.writerSchemas);
  const { limits, validate, toJson, fromJson, toAvro } = spec;
  const decodeRaw = (bytes: Uint8Array): unknown => {
    if (bytes.length > limits.maxMessageBytes) {
      throw new ContractError(
        'message_too_large',
        `message of ${bytes.length} bytes exceeds the limit of ${limits.maxMessageBytes} bytes`,
      );
    }
    const buf = asBuffer(bytes);
    const format = detectWireFormat(buf);
    if (format === 'avro') return avro.decodeSingleObject(buf);
    if (format === 'json') {
      const parsed = parseJsonObject(buf, limits.maxJsonDepth);
      return fromJson === undefined ? parsed : fromJson(parsed);
    }
    throw badMagic(buf);
  };
  return {
    avro,
    encode(value, format = 'avro') {
      if (format === 'avro') return avro.encodeSingleObject(toAvro === undefined ? value : toAvro(value));
      return Buffer.from(JSON.stringify(toJson === undefined ? value : toJson(value)), 'utf8');
    },
    decode: (buf) => validate(decodeRaw(buf)),
    decodeTrusted: (buf) => decodeRaw(buf) as T,
  };
}

export interface EventCodecOptions {
  readonly limits?: ContractLimits;
  /** Extra writer schemas (newer minor versions) that Avro messages may use. */
  readonly knownSchemas?: readonly unknown[];
}

/** Canonical TelemetryEvent on the validated-events topic. */
export function createEventCodec(options: EventCodecOptions = {}): RecordCodec<TelemetryEvent> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const schema = schemasFor(limits).event;
  return createRecordCodec<TelemetryEvent>({
    readerSchema: TELEMETRY_EVENT_SCHEMA,
    writerSchemas: [...TELEMETRY_EVENT_OLDER_SCHEMAS, ...(options.knownSchemas ?? [])],
    limits,
    validate: (value) => {
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw zodToContractError(parsed.error, null, value);
      return parsed.data;
    },
  });
}

function windowToJson(window: WindowAggregate): unknown {
  const sketch = window.latency_sketch;
  return sketch === null ? window : { ...window, latency_sketch: asBuffer(sketch).toString('base64') };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function windowFromJson(value: Record<string, unknown>): Record<string, unknown> {
  const sketch = value.latency_sketch;
  if (typeof sketch !== 'string') return value;
  if (sketch.length % 4 !== 0 || !BASE64.test(sketch)) {
    throw new ContractError('schema_violation', 'field latency_sketch: must be base64 in JSON', {
      field: 'latency_sketch',
    });
  }
  return { ...value, latency_sketch: Buffer.from(sketch, 'base64') };
}

export function createWindowCodec(options: { limits?: ContractLimits } = {}): RecordCodec<WindowAggregate> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const schema = schemasFor(limits).window;
  return createRecordCodec<WindowAggregate>({
    readerSchema: WINDOW_AGGREGATE_SCHEMA,
    writerSchemas: [WINDOW_AGGREGATE_V1_SCHEMA],
    limits,
    validate: (value) => {
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw zodToContractError(parsed.error, null, value);
      return parsed.data;
    },
    toJson: windowToJson,
    fromJson: windowFromJson,
    toAvro: (value) =>
      value.latency_sketch === null || Buffer.isBuffer(value.latency_sketch)
        ? value
        : { ...value, latency_sketch: asBuffer(value.latency_sketch) },
  });
}

export function createAlertCodec(options: { limits?: ContractLimits } = {}): RecordCodec<Alert> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const schema = schemasFor(limits).alert;
  return createRecordCodec<Alert>({
    readerSchema: ALERT_V1_SCHEMA,
    writerSchemas: [],
    limits,
    validate: (value) => {
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw zodToContractError(parsed.error, null, value);
      return parsed.data;
    },
  });
}

/** Validated events (aiops.telemetry.events.v1). */
export const eventCodec: RecordCodec<TelemetryEvent> = createEventCodec();
/** Window aggregates (aiops.telemetry.windows.v1). */
export const windowCodec: RecordCodec<WindowAggregate> = createWindowCodec();
/** Alerts (aiops.alerts.v1). */
export const alertCodec: RecordCodec<Alert> = createAlertCodec();

/** A canonical event as JSON (UTF-8). No validation: pass an event that is valid. */
export function encodeEventJson(event: TelemetryEvent): Buffer {
  return Buffer.from(JSON.stringify(event), 'utf8');
}

/** A canonical event as Avro single-object encoding with the current (v1.1) schema. Throws ContractError when Avro cannot carry it. */
export function encodeEventAvroSingleObject(event: TelemetryEvent): Buffer {
  return eventCodec.avro.encodeSingleObject(event);
}

/**
 * A canonical event in Confluent framing: 00, `schemaId` big-endian, the Avro body with the current (v1.1) schema.
 * `schemaId` must be the id under which the v1.1 schema is registered.
 */
export function encodeEventConfluent(event: TelemetryEvent, schemaId: number): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0xffffffff) {
    throw new RangeError(`schema id ${schemaId} is not a uint32`);
  }
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(schemaId, 1);
  return eventCodec.avro.encodeWithPrefix(event, prefix);
}

export { SINGLE_OBJECT_MAGIC_0, SINGLE_OBJECT_MAGIC_1 };
