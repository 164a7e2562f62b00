import { createRequire } from 'node:module';
import type {
  AttributeValue,
  LogsRequest,
  OtlpLogRecord,
  OtlpSpan,
  OtlpSpanEvent,
  ResourceLogs,
  ResourceSpans,
  TraceRequest,
} from './model.js';

/** A request body that is not a valid OTLP export request; the receiver answers 400 with its message. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}

/**
 * The protobufjs static code generated from the official opentelemetry-proto definitions, as shipped by
 * @opentelemetry/otlp-transformer 0.212.0 (the last release whose generated root decodes, with
 * LogRecord.event_name; later releases replaced it with an encoder of their own). Its typings declare
 * only `protobuf.Root`, hence the structural types below.
 */
const require = createRequire(import.meta.url);
interface MessageType {
  decode(reader: Uint8Array): unknown;
  encode(message: object): { finish(): Uint8Array };
}
interface GeneratedRoot {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceRequest: MessageType; ExportTraceServiceResponse: MessageType } };
        logs: { v1: { ExportLogsServiceRequest: MessageType; ExportLogsServiceResponse: MessageType } };
      };
    };
  };
}
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js') as GeneratedRoot;
export const OTLP_MESSAGES = {
  traceRequest: root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest,
  traceResponse: root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse,
  logsRequest: root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest,
  logsResponse: root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse,
} as const;

// --- protobuf ------------------------------------------------------------------------------------------

/** What protobufjs decodes: int64 as Long (or number), bytes as Uint8Array, unset fields null/default. */
type Pb = Record<string, unknown>;

function pbLong(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  return BigInt(String(value)); // Long#toString gives the decimal value, signed or unsigned
}

function pbHex(value: unknown): string | null {
  if (!(value instanceof Uint8Array) || value.length === 0) return null;
  const hex = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  return /^0+$/.test(hex) ? null : hex;
}

function pbAnyValue(value: unknown): AttributeValue {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Pb;
  switch (v.value) {
    case 'stringValue':
      return String(v.stringValue);
    case 'boolValue':
      return Boolean(v.boolValue);
    case 'intValue':
      return Number(pbLong(v.intValue));
    case 'doubleValue':
      return Number(v.doubleValue);
    case 'bytesValue':
      return v.bytesValue as Uint8Array;
    case 'arrayValue':
      return ((v.arrayValue as Pb | null)?.values as unknown[] | undefined)?.map(pbAnyValue) ?? [];
    case 'kvlistValue':
      return Object.fromEntries(pbAttributes((v.kvlistValue as Pb | null)?.values));
    default:
      return null;
  }
}

function pbAttributes(list: unknown): Map<string, AttributeValue> {
  const out = new Map<string, AttributeValue>();
  if (!Array.isArray(list)) return out;
  for (const kv of list as Pb[]) out.set(String(kv.key ?? ''), pbAnyValue(kv.value));
  return out;
}

function pbArray(value: unknown): Pb[] {
  return Array.isArray(value) ? (value as Pb[]) : [];
}

function pbDecode(type: MessageType, body: Uint8Array): Pb {
  try {
    return type.decode(body) as Pb;
  } catch (error) {
    throw new OtlpDecodeError(`malformed protobuf: ${(error as Error).message}`);
  }
}

export function decodeTraceProtobuf(body: Uint8Array): TraceRequest {
  const message = pbDecode(OTLP_MESSAGES.traceRequest, body);
  return {
    resourceSpans: pbArray(message.resourceSpans).map(
      (rs): ResourceSpans => ({
        resource: pbAttributes((rs.resource as Pb | null)?.attributes),
        spans: pbArray(rs.scopeSpans).flatMap((ss) =>
          pbArray(ss.spans).map(
            (s): OtlpSpan => ({
              traceId: pbHex(s.traceId) ?? '',
              spanId: pbHex(s.spanId) ?? '',
              parentSpanId: pbHex(s.parentSpanId),
              name: String(s.name ?? ''),
              startTimeUnixNano: pbLong(s.startTimeUnixNano),
              endTimeUnixNano: pbLong(s.endTimeUnixNano),
              attributes: pbAttributes(s.attributes),
              statusCode: Number((s.status as Pb | null)?.code ?? 0),
              events: pbArray(s.events).map(
                (e): OtlpSpanEvent => ({
                  name: String(e.name ?? ''),
                  timeUnixNano: pbLong(e.timeUnixNano),
                  attributes: pbAttributes(e.attributes),
                }),
              ),
            }),
          ),
        ),
      }),
    ),
  };
}

export function decodeLogsProtobuf(body: Uint8Array): LogsRequest {
  const message = pbDecode(OTLP_MESSAGES.logsRequest, body);
  return {
    resourceLogs: pbArray(message.resourceLogs).map(
      (rl): ResourceLogs => ({
        resource: pbAttributes((rl.resource as Pb | null)?.attributes),
        records: pbArray(rl.scopeLogs).flatMap((sl) =>
          pbArray(sl.logRecords).map(
            (r): OtlpLogRecord => ({
              timeUnixNano: pbLong(r.timeUnixNano),
              observedTimeUnixNano: pbLong(r.observedTimeUnixNano),
              eventName: String(r.eventName ?? ''),
              traceId: pbHex(r.traceId),
              spanId: pbHex(r.spanId),
              attributes: pbAttributes(r.attributes),
            }),
          ),
        ),
      }),
    ),
  };
}

// --- OTLP JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding) ------------------------

type Json = Record<string, unknown>;

function jsonObject(value: unknown, where: string): Json {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new OtlpDecodeError(`${where} must be an object`);
  return value as Json;
}

function jsonArray(value: unknown, where: string): Json[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpDecodeError(`${where} must be an array`);
  return value.map((item, i) => jsonObject(item, `${where}[${i}]`));
}

const DECIMAL = /^-?\d{1,20}$/;

/** int64/fixed64: a decimal string in OTLP JSON; a number is accepted too, as protobuf's JSON mapping does. */
function jsonLong(value: unknown, where: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && DECIMAL.test(value)) return BigInt(value);
  throw new OtlpDecodeError(`${where} must be an integer (a decimal string)`);
}

const HEX_ID = /^[0-9a-fA-F]*$/;

/** trace and span ids are hex strings in OTLP JSON (not base64, unlike protobuf's JSON mapping). */
function jsonHex(value: unknown, where: string, bytes: number): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length !== bytes * 2 || !HEX_ID.test(value)) {
    throw new OtlpDecodeError(`${where} must be ${bytes * 2} hex digits`);
  }
  const hex = value.toLowerCase();
  return /^0+$/.test(hex) ? null : hex;
}

function jsonAnyValue(value: unknown, where: string): AttributeValue {
  const v = jsonObject(value, where);
  if ('stringValue' in v) {
    if (typeof v.stringValue !== 'string') throw new OtlpDecodeError(`${where}.stringValue must be a string`);
    return v.stringValue;
  }
  if ('boolValue' in v) {
    if (typeof v.boolValue !== 'boolean') throw new OtlpDecodeError(`${where}.boolValue must be a boolean`);
    return v.boolValue;
  }
  if ('intValue' in v) return Number(jsonLong(v.intValue, `${where}.intValue`));
  if ('doubleValue' in v) {
    const d = v.doubleValue;
    // Protobuf's JSON mapping writes NaN and the infinities as strings.
    if (typeof d === 'number') return d;
    if (d === 'NaN' || d === 'Infinity' || d === '-Infinity') return Number(d);
    throw new OtlpDecodeError(`${where}.doubleValue must be a number`);
  }
  if ('bytesValue' in v) {
    if (typeof v.bytesValue !== 'string') throw new OtlpDecodeError(`${where}.bytesValue must be base64`);
    return Buffer.from(v.bytesValue, 'base64');
  }
  if ('arrayValue' in v) {
    return jsonArray(
      jsonObject(v.arrayValue, `${where}.arrayValue`).values,
      `${where}.arrayValue.values`,
    ).map((item, i) => jsonAnyValue(item, `${where}.arrayValue.values[${i}]`));
  }
  if ('kvlistValue' in v) {
    const list = jsonObject(v.kvlistValue, `${where}.kvlistValue`).values;
    return Object.fromEntries(jsonAttributes(list, `${where}.kvlistValue.values`));
  }
  return null;
}

function jsonAttributes(list: unknown, where: string): Map<string, AttributeValue> {
  const out = new Map<string, AttributeValue>();
  jsonArray(list, where).forEach((kv, i) => {
    if (typeof kv.key !== 'string') throw new OtlpDecodeError(`${where}[${i}].key must be a string`);
    out.set(kv.key, jsonAnyValue(kv.value, `${where}[${i}].value`));
  });
  return out;
}

function jsonInt(value: unknown, where: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw new OtlpDecodeError(`${where} must be an integer (enums are integers in OTLP JSON)`);
}

function jsonString(value: unknown, where: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new OtlpDecodeError(`${where} must be a string`);
  return value;
}

function parseJsonBody(body: Uint8Array): Json {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (error) {
    throw new OtlpDecodeError(`malformed JSON: ${(error as Error).message.slice(0, 200)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OtlpDecodeError('the JSON body must be an object');
  }
  return value as Json;
}

export function decodeTraceJson(body: Uint8Array): TraceRequest {
  const message = parseJsonBody(body);
  return {
    resourceSpans: jsonArray(message.resourceSpans, 'resourceSpans').map((rs, i): ResourceSpans => {
      const at = `resourceSpans[${i}]`;
      return {
        resource: jsonAttributes(
          jsonObject(rs.resource, `${at}.resource`).attributes,
          `${at}.resource.attributes`,
        ),
        spans: jsonArray(rs.scopeSpans, `${at}.scopeSpans`).flatMap((ss, j) =>
          jsonArray(ss.spans, `${at}.scopeSpans[${j}].spans`).map((s, k): OtlpSpan => {
            const where = `${at}.scopeSpans[${j}].spans[${k}]`;
            return {
              traceId: jsonHex(s.traceId, `${where}.traceId`, 16) ?? '',
              spanId: jsonHex(s.spanId, `${where}.spanId`, 8) ?? '',
              parentSpanId: jsonHex(s.parentSpanId, `${where}.parentSpanId`, 8),
              name: jsonString(s.name, `${where}.name`),
              startTimeUnixNano: jsonLong(s.startTimeUnixNano, `${where}.startTimeUnixNano`),
              endTimeUnixNano: jsonLong(s.endTimeUnixNano, `${where}.endTimeUnixNano`),
              attributes: jsonAttributes(s.attributes, `${where}.attributes`),
              statusCode: jsonInt(jsonObject(s.status, `${where}.status`).code, `${where}.status.code`),
              events: jsonArray(s.events, `${where}.events`).map(
                (e, n): OtlpSpanEvent => ({
                  name: jsonString(e.name, `${where}.events[${n}].name`),
                  timeUnixNano: jsonLong(e.timeUnixNano, `${where}.events[${n}].timeUnixNano`),
                  attributes: jsonAttributes(e.attributes, `${where}.events[${n}].attributes`),
                }),
              ),
            };
          }),
        ),
      };
    }),
  };
}

export function decodeLogsJson(body: Uint8Array): LogsRequest {
  const message = parseJsonBody(body);
  return {
    resourceLogs: jsonArray(message.resourceLogs, 'resourceLogs').map((rl, i): ResourceLogs => {
      const at = `resourceLogs[${i}]`;
      return {
        resource: jsonAttributes(
          jsonObject(rl.resource, `${at}.resource`).attributes,
          `${at}.resource.attributes`,
        ),
        records: jsonArray(rl.scopeLogs, `${at}.scopeLogs`).flatMap((sl, j) =>
          jsonArray(sl.logRecords, `${at}.scopeLogs[${j}].logRecords`).map((r, k): OtlpLogRecord => {
            const where = `${at}.scopeLogs[${j}].logRecords[${k}]`;
            return {
              timeUnixNano: jsonLong(r.timeUnixNano, `${where}.timeUnixNano`),
              observedTimeUnixNano: jsonLong(r.observedTimeUnixNano, `${where}.observedTimeUnixNano`),
              eventName: jsonString(r.eventName, `${where}.eventName`),
              traceId: jsonHex(r.traceId, `${where}.traceId`, 16),
              spanId: jsonHex(r.spanId, `${where}.spanId`, 8),
              attributes: jsonAttributes(r.attributes, `${where}.attributes`),
            };
          }),
        ),
      };
    }),
  };
}

export type OtlpEncoding = 'protobuf' | 'json';

export function decodeTraceRequest(body: Uint8Array, encoding: OtlpEncoding): TraceRequest {
  return encoding === 'protobuf' ? decodeTraceProtobuf(body) : decodeTraceJson(body);
}

export function decodeLogsRequest(body: Uint8Array, encoding: OtlpEncoding): LogsRequest {
  return encoding === 'protobuf' ? decodeLogsProtobuf(body) : decodeLogsJson(body);
}
