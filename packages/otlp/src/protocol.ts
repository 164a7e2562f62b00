import protobuf from 'protobufjs';
import { OTLP_MESSAGES, type OtlpEncoding } from './decode.js';

/** The request's encoding from its Content-Type, or null for one OTLP/HTTP does not define (→ 415). */
export function encodingOf(contentType: string | undefined): OtlpEncoding | null {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/x-protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return null;
}

export function contentTypeOf(encoding: OtlpEncoding): string {
  return encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json';
}

/** gRPC status codes used in OTLP/HTTP error bodies. */
export const STATUS_CODE = {
  invalidArgument: 3,
  resourceExhausted: 8,
  internal: 13,
  unavailable: 14,
  unauthenticated: 16,
} as const;

/**
 * google.rpc.Status, which the generated OTLP root does not include: described with protobufjs
 * reflection (fields 1 code, 2 message; `details` is never sent).
 */
const StatusType = new protobuf.Type('Status')
  .add(new protobuf.Field('code', 1, 'int32'))
  .add(new protobuf.Field('message', 2, 'string'));
new protobuf.Root().define('google.rpc').add(StatusType);

/** The body of a 4xx/5xx answer, in the request's encoding (JSON when it is unknown). */
export function statusBody(code: number, message: string, encoding: OtlpEncoding | null): Buffer {
  if (encoding === 'protobuf') return Buffer.from(StatusType.encode({ code, message }).finish());
  return Buffer.from(JSON.stringify({ code, message }), 'utf8');
}

export function decodeStatus(body: Uint8Array, encoding: OtlpEncoding): { code: number; message: string } {
  if (encoding === 'json')
    return JSON.parse(Buffer.from(body).toString('utf8')) as { code: number; message: string };
  const decoded = StatusType.toObject(StatusType.decode(body), { defaults: true }) as {
    code: number;
    message: string;
  };
  return { code: decoded.code, message: decoded.message };
}

export type Signal = 'traces' | 'logs';

/** ExportTraceServiceResponse / ExportLogsServiceResponse, with partial_success when something was refused. */
export function exportResponseBody(
  signal: Signal,
  rejected: number,
  message: string,
  encoding: OtlpEncoding,
): Buffer {
  const partialSuccess =
    rejected === 0 && message === ''
      ? undefined
      : signal === 'traces'
        ? { rejectedSpans: rejected, errorMessage: message }
        : { rejectedLogRecords: rejected, errorMessage: message };
  if (encoding === 'json') {
    // int64 as a decimal string, as OTLP JSON writes it.
    const json =
      partialSuccess === undefined
        ? {}
        : {
            partialSuccess:
              signal === 'traces'
                ? { rejectedSpans: String(rejected), errorMessage: message }
                : { rejectedLogRecords: String(rejected), errorMessage: message },
          };
    return Buffer.from(JSON.stringify(json), 'utf8');
  }
  const type = signal === 'traces' ? OTLP_MESSAGES.traceResponse : OTLP_MESSAGES.logsResponse;
  return Buffer.from(type.encode(partialSuccess === undefined ? {} : { partialSuccess }).finish());
}
