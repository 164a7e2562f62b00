import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { AvroRecordCodec } from '../src/avro/codec.js';
import { schemaFingerprint, singleObjectHeader } from '../src/avro/fingerprint.js';
import { TELEMETRY_EVENT_V1_1_SCHEMA, TELEMETRY_EVENT_V1_SCHEMA } from '../src/avro/schemas.js';
import { encodeEventAvroSingleObject } from '../src/codecs.js';
import { createDecoder } from '../src/decoder.js';
import { createParseContext, parseTelemetryMessage } from '../src/parse.js';
import { NOW_MS, validEvent } from './fixtures.js';

/** What a producer on v1.1 writes: single-object encoding with the v1.1 schema. */
function encodeV1_1(value: object): Buffer {
  const type = avro.Type.forSchema(TELEMETRY_EVENT_V1_1_SCHEMA as avro.Schema, { registry: {} });
  return Buffer.concat([
    singleObjectHeader(schemaFingerprint(TELEMETRY_EVENT_V1_1_SCHEMA)),
    type.toBuffer(value),
  ]);
}

describe('schema evolution', () => {
  const event = validEvent();

  it('a v1 reader reads a v1.1 event (the added field is skipped)', () => {
    const message = encodeV1_1({ ...event, cache_creation_input_tokens: 512 });
    const decoder = createDecoder({ knownSchemas: [TELEMETRY_EVENT_V1_1_SCHEMA] });
    expect(decoder.decode(message)).toEqual(event);
  });

  it('a v1.1 reader reads a v1 event (the added field takes its default)', () => {
    const v1_1Reader = new AvroRecordCodec(TELEMETRY_EVENT_V1_1_SCHEMA, [TELEMETRY_EVENT_V1_SCHEMA]);
    const decoded = v1_1Reader.decodeSingleObject(encodeEventAvroSingleObject(event));
    expect(decoded).toEqual({ ...event, cache_creation_input_tokens: null });
  });

  it('a v1.1 event goes through the validator path and comes out as a v1 event', () => {
    const ctx = {
      ...createParseContext({
        priceTable: null,
        userIdSalt: null,
        knownSchemas: [TELEMETRY_EVENT_V1_1_SCHEMA],
      }),
      nowMs: NOW_MS,
    };
    const result = parseTelemetryMessage(encodeV1_1({ ...event, cache_creation_input_tokens: 512 }), ctx);
    expect(result).toEqual({ ok: true, format: 'avro', event: { ...event, cost_source: 'unpriced' } });
  });

  it('a writer schema the decoder was not told about is refused as unknown_fingerprint', () => {
    const result = parseTelemetryMessage(encodeV1_1({ ...event, cache_creation_input_tokens: 1 }), {
      ...createParseContext({ priceTable: null, userIdSalt: null }),
      nowMs: NOW_MS,
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.reason).toBe('unknown_fingerprint');
      expect(result.error.message).toContain(
        `0x${schemaFingerprint(TELEMETRY_EVENT_V1_1_SCHEMA).toString(16).padStart(16, '0')}`,
      );
    }
  });

  it('registers a writer schema at run time', () => {
    const decoder = createDecoder();
    const fingerprint = decoder.registerSchema(TELEMETRY_EVENT_V1_1_SCHEMA);
    expect(fingerprint).toBe(schemaFingerprint(TELEMETRY_EVENT_V1_1_SCHEMA));
    expect(decoder.decode(encodeV1_1({ ...event, cache_creation_input_tokens: null }))).toEqual(event);
  });

  it('refuses to register a schema that cannot be read as a TelemetryEvent', () => {
    const decoder = createDecoder();
    expect(() =>
      decoder.registerSchema({
        type: 'record',
        name: 'aiops.telemetry.TelemetryEvent',
        fields: [{ name: 'event_id', type: 'long' }],
      }),
    ).toThrow(/cannot be read as aiops.telemetry.TelemetryEvent/);
  });
});
