/**
 * The part of an OTLP export request the mapper reads, the same whether it came as protobuf or JSON:
 * ids as lowercase hex, times as bigint nanoseconds, attributes as plain values.
 */

export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | Uint8Array
  | readonly AttributeValue[]
  | { readonly [key: string]: AttributeValue };

export type Attributes = ReadonlyMap<string, AttributeValue>;

export interface OtlpSpanEvent {
  readonly name: string;
  readonly timeUnixNano: bigint;
  readonly attributes: Attributes;
}

export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly name: string;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly attributes: Attributes;
  /** 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly events: readonly OtlpSpanEvent[];
}

export interface OtlpLogRecord {
  readonly timeUnixNano: bigint;
  readonly observedTimeUnixNano: bigint;
  /** LogRecord.event_name (proto field 12); older SDKs put it in the `event.name` attribute instead. */
  readonly eventName: string;
  readonly traceId: string | null;
  readonly spanId: string | null;
  readonly attributes: Attributes;
}

export interface ResourceSpans {
  readonly resource: Attributes;
  readonly spans: readonly OtlpSpan[];
}

export interface ResourceLogs {
  readonly resource: Attributes;
  readonly records: readonly OtlpLogRecord[];
}

export interface TraceRequest {
  readonly resourceSpans: readonly ResourceSpans[];
}

export interface LogsRequest {
  readonly resourceLogs: readonly ResourceLogs[];
}
