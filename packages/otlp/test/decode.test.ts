import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeLogsJson,
  decodeLogsProtobuf,
  decodeTraceJson,
  decodeTraceProtobuf,
  OTLP_MESSAGES,
  OtlpDecodeError,
} from '../src/decode.js';
import { decodeStatus, encodingOf, exportResponseBody, statusBody } from '../src/protocol.js';

const traceId = Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex');
const spanId = Buffer.from('b7ad6b7169203331', 'hex');

const protobufTrace = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bot' } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId,
              spanId,
              name: 'chat',
              startTimeUnixNano: '1768478399000000000',
              endTimeUnixNano: '1768478400250000000',
              attributes: [
                { key: 's', value: { stringValue: 'x' } },
                { key: 'i', value: { intValue: 42 } },
                { key: 'd', value: { doubleValue: 0.5 } },
                { key: 'b', value: { boolValue: true } },
                { key: 'a', value: { arrayValue: { values: [{ stringValue: 'p' }, { intValue: 1 }] } } },
                { key: 'k', value: { kvlistValue: { values: [{ key: 'n', value: { stringValue: 'v' } }] } } },
              ],
              status: { code: 2 },
              events: [{ name: 'gen_ai.evaluation.result', timeUnixNano: '5', attributes: [] }],
            },
          ],
        },
      ],
    },
  ],
};

const expectedSpan = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  parentSpanId: null,
  name: 'chat',
  startTimeUnixNano: 1768478399000000000n,
  endTimeUnixNano: 1768478400250000000n,
  statusCode: 2,
  attributes: new Map<string, unknown>([
    ['s', 'x'],
    ['i', 42],
    ['d', 0.5],
    ['b', true],
    ['a', ['p', 1]],
    ['k', { n: 'v' }],
  ]),
  events: [{ name: 'gen_ai.evaluation.result', timeUnixNano: 5n, attributes: new Map() }],
};

describe('protobuf (protobufjs + the official opentelemetry-proto definitions)', () => {
  it('decodes an ExportTraceServiceRequest: hex ids, bigint times, every AnyValue kind', () => {
    const body = OTLP_MESSAGES.traceRequest.encode(protobufTrace).finish();
    const request = decodeTraceProtobuf(body);
    expect(request.resourceSpans[0]?.resource.get('service.name')).toBe('bot');
    expect(request.resourceSpans[0]?.spans[0]).toEqual(expectedSpan);
  });

  it('decodes an ExportLogsServiceRequest with event_name', () => {
    const body = OTLP_MESSAGES.logsRequest
      .encode({
        resourceLogs: [
          {
            scopeLogs: [
              { logRecords: [{ eventName: 'gen_ai.evaluation.result', timeUnixNano: '7', spanId, traceId }] },
            ],
          },
        ],
      })
      .finish();
    expect(decodeLogsProtobuf(body).resourceLogs[0]?.records[0]).toMatchObject({
      eventName: 'gen_ai.evaluation.result',
      timeUnixNano: 7n,
      spanId: 'b7ad6b7169203331',
      traceId: '0af7651916cd43dd8448eb211c80319c',
    });
  });

  it('refuses malformed protobuf with OtlpDecodeError', () => {
    const body = OTLP_MESSAGES.traceRequest.encode(protobufTrace).finish();
    expect(() => decodeTraceProtobuf(body.subarray(0, body.length - 7))).toThrow(OtlpDecodeError);
    expect(() => decodeTraceProtobuf(gzipSync(body))).toThrow(OtlpDecodeError);
    expect(() => decodeLogsProtobuf(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow(
      OtlpDecodeError,
    );
  });
});

describe('OTLP JSON', () => {
  const json = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bot' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: '0AF7651916CD43DD8448EB211C80319C',
                spanId: 'b7ad6b7169203331',
                parentSpanId: '',
                name: 'chat',
                kind: 3,
                startTimeUnixNano: '1768478399000000000',
                endTimeUnixNano: '1768478400250000000',
                attributes: [
                  { key: 's', value: { stringValue: 'x' } },
                  { key: 'i', value: { intValue: '42' } },
                  { key: 'd', value: { doubleValue: 0.5 } },
                  { key: 'b', value: { boolValue: true } },
                  { key: 'a', value: { arrayValue: { values: [{ stringValue: 'p' }, { intValue: 1 }] } } },
                  {
                    key: 'k',
                    value: { kvlistValue: { values: [{ key: 'n', value: { stringValue: 'v' } }] } },
                  },
                ],
                status: { code: 2 },
                events: [{ name: 'gen_ai.evaluation.result', timeUnixNano: '5' }],
              },
            ],
          },
        ],
      },
    ],
  };

  it('decodes the same request as protobuf does (hex ids, int64 strings, integer enums)', () => {
    const request = decodeTraceJson(Buffer.from(JSON.stringify(json)));
    expect(request.resourceSpans[0]?.spans[0]).toEqual(expectedSpan);
  });

  it('decodes logs with eventName', () => {
    const body = {
      resourceLogs: [
        { scopeLogs: [{ logRecords: [{ eventName: 'e', timeUnixNano: '9', spanId: 'b7ad6b7169203331' }] }] },
      ],
    };
    expect(decodeLogsJson(Buffer.from(JSON.stringify(body))).resourceLogs[0]?.records[0]).toMatchObject({
      eventName: 'e',
      timeUnixNano: 9n,
      spanId: 'b7ad6b7169203331',
      traceId: null,
    });
  });

  it.each([
    ['not JSON', '{"resourceSpans": [', /malformed JSON/],
    ['an array', '[]', /must be an object/],
    ['resourceSpans not an array', '{"resourceSpans": {}}', /resourceSpans must be an array/],
    [
      'a base64 trace id',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"CvdlGRbNQ92ESOshHIAxnA=="}]}]}]}',
      /traceId must be 32 hex digits/,
    ],
    [
      'a time that is not a decimal',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"soon"}]}]}]}',
      /startTimeUnixNano must be an integer/,
    ],
    [
      'an enum as a string',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"status":{"code":"STATUS_CODE_ERROR"}}]}]}]}',
      /status.code must be an integer/,
    ],
    [
      'a wrongly typed stringValue',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":{"stringValue":1}}]}]}]}]}',
      /stringValue must be a string/,
    ],
  ])('refuses %s, naming where', (_what, body, message) => {
    expect(() => decodeTraceJson(Buffer.from(body))).toThrow(message);
  });
});

describe('protocol', () => {
  it('content types', () => {
    expect(encodingOf('application/x-protobuf')).toBe('protobuf');
    expect(encodingOf('application/json; charset=utf-8')).toBe('json');
    expect(encodingOf('text/plain')).toBeNull();
    expect(encodingOf(undefined)).toBeNull();
  });

  it('Status bodies in both encodings', () => {
    expect(decodeStatus(statusBody(16, 'unknown bearer token', 'protobuf'), 'protobuf')).toEqual({
      code: 16,
      message: 'unknown bearer token',
    });
    expect(decodeStatus(statusBody(3, 'bad', 'json'), 'json')).toEqual({ code: 3, message: 'bad' });
  });

  it('partial_success in the export response', () => {
    const proto = OTLP_MESSAGES.traceResponse.decode(
      exportResponseBody('traces', 2, 'two refused', 'protobuf'),
    ) as {
      partialSuccess: { rejectedSpans: { toString(): string }; errorMessage: string };
    };
    expect(proto.partialSuccess.rejectedSpans.toString()).toBe('2');
    expect(proto.partialSuccess.errorMessage).toBe('two refused');
    expect(JSON.parse(exportResponseBody('logs', 1, 'm', 'json').toString())).toEqual({
      partialSuccess: { rejectedLogRecords: '1', errorMessage: 'm' },
    });
    expect(JSON.parse(exportResponseBody('traces', 0, '', 'json').toString())).toEqual({});
    expect(exportResponseBody('traces', 0, '', 'protobuf').length).toBe(0);
  });
});
