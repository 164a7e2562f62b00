import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { AvroRecordCodec } from '../src/avro/codec.js';
import { schemaFingerprint, singleObjectHeader } from '../src/avro/fingerprint.js';
import {
  AVRO_NAMESPACE,
  TELEMETRY_EVENT_SCHEMA,
  TELEMETRY_EVENT_V1_1_SCHEMA,
  TELEMETRY_EVENT_V1_2_SCHEMA,
  TELEMETRY_EVENT_V1_SCHEMA,
} from '../src/avro/schemas.js';
import { encodeEventAvroSingleObject } from '../src/codecs.js';
import { createDecoder } from '../src/decoder.js';
import { createParseContext, parseTelemetryMessage } from '../src/parse.js';
import { NOW_MS, validEvent } from './fixtures.js';

/** What a producer still on v1 writes: single-object encoding with the v1 schema. */
function encodeV1(value: object): Buffer {
  const type = avro.Type.forSchema(TELEMETRY_EVENT_V1_SCHEMA as avro.Schema, { registry: {} });
  return Buffer.concat([
    singleObjectHeader(schemaFingerprint(TELEMETRY_EVENT_V1_SCHEMA)),
    type.toBuffer(value),
  ]);
}

/** A future minor version nobody told the decoder about (a fixture). */
const FUTURE_FIXTURE = {
  type: 'record',
  name: 'TelemetryEvent',
  namespace: AVRO_NAMESPACE,
  doc: 'Test fixture: v1.2 plus one optional field.',
  fields: [
    ...(TELEMETRY_EVENT_V1_2_SCHEMA.fields as object[]),
    { name: 'fixture_field', type: ['null', 'long'], default: null },
  ],
};

function encodeFuture(value: object): Buffer {
  const type = avro.Type.forSchema(FUTURE_FIXTURE as avro.Schema, { registry: {} });
  return Buffer.concat([singleObjectHeader(schemaFingerprint(FUTURE_FIXTURE)), type.toBuffer(value)]);
}

describe('schema evolution: v1.1 → v1.2 (tool_call_arguments_hash)', () => {
  const event = validEvent({
    event_type: 'tool_call',
    tool_name: 'search',
    tool_call_arguments_hash: 'a1b2c3',
  });
  const { tool_call_arguments_hash: _added, ...v1_1Event } = event;

  it('producers write v1.2, the current schema', () => {
    expect(TELEMETRY_EVENT_SCHEMA).toBe(TELEMETRY_EVENT_V1_2_SCHEMA);
    const message = encodeEventAvroSingleObject(event);
    expect(message.subarray(0, 10)).toEqual(
      singleObjectHeader(schemaFingerprint(TELEMETRY_EVENT_V1_2_SCHEMA)),
    );
  });

  it('a v1.1 reader reads a v1.2 event: the added field is skipped', () => {
    const reader = new AvroRecordCodec(TELEMETRY_EVENT_V1_1_SCHEMA, [TELEMETRY_EVENT_V1_2_SCHEMA]);
    expect(reader.decodeSingleObject(encodeEventAvroSingleObject(event))).toEqual(v1_1Event);
  });

  it('the current reader reads a v1.1 event: the added field takes its default', () => {
    const type = avro.Type.forSchema(TELEMETRY_EVENT_V1_1_SCHEMA as avro.Schema, { registry: {} });
    const message = Buffer.concat([
      singleObjectHeader(schemaFingerprint(TELEMETRY_EVENT_V1_1_SCHEMA)),
      type.toBuffer(v1_1Event),
    ]);
    expect(createDecoder().decode(message)).toEqual({ ...event, tool_call_arguments_hash: null });
  });

  it('JSON input carries the hash; an empty hash is null', () => {
    const ctx = { ...createParseContext({ priceTable: null, userIdSalt: null }), nowMs: NOW_MS };
    const parsed = parseTelemetryMessage(Buffer.from(JSON.stringify(event)), ctx);
    expect(parsed.ok && parsed.event.tool_call_arguments_hash).toBe('a1b2c3');
    const empty = parseTelemetryMessage(
      Buffer.from(JSON.stringify({ ...event, tool_call_arguments_hash: '' })),
      ctx,
    );
    expect(empty.ok && empty.event.tool_call_arguments_hash).toBe(null);
  });
});

describe('schema evolution: v1 → v1.1 (cache_creation_input_tokens)', () => {
  const event = validEvent({ cache_creation_input_tokens: 512 });
  const { cache_creation_input_tokens: _added, tool_call_arguments_hash: _later, ...v1Event } = event;

  it('a v1 reader (a consumer not yet upgraded) reads a v1.1 event: the added field is skipped', () => {
    const v1Reader = new AvroRecordCodec(TELEMETRY_EVENT_V1_SCHEMA, [TELEMETRY_EVENT_V1_2_SCHEMA]);
    expect(v1Reader.decodeSingleObject(encodeEventAvroSingleObject(event))).toEqual(v1Event);
  });

  it('the current reader reads a v1 event: the added field takes its default', () => {
    expect(createDecoder().decode(encodeV1(v1Event))).toEqual({
      ...event,
      cache_creation_input_tokens: null,
    });
  });

  it('v1 and v1.1 events go through the validator path', () => {
    const ctx = { ...createParseContext({ priceTable: null, userIdSalt: null }), nowMs: NOW_MS };
    expect(parseTelemetryMessage(encodeV1(v1Event), ctx)).toEqual({
      ok: true,
      format: 'avro',
      event: { ...event, cache_creation_input_tokens: null, cost_source: 'unpriced' },
    });
    expect(parseTelemetryMessage(encodeEventAvroSingleObject(event), ctx)).toEqual({
      ok: true,
      format: 'avro',
      event: { ...event, cost_source: 'unpriced' },
    });
  });

  it('the OpenTelemetry name is an alias in JSON input', () => {
    const { cache_creation_input_tokens: _c, ...rest } = event;
    const json = Buffer.from(JSON.stringify({ ...rest, 'gen_ai.usage.cache_creation.input_tokens': 64 }));
    const ctx = { ...createParseContext({ priceTable: null, userIdSalt: null }), nowMs: NOW_MS };
    const result = parseTelemetryMessage(json, ctx);
    expect(result.ok && result.event.cache_creation_input_tokens).toBe(64);
  });

  it('a writer schema the decoder was not told about is refused as unknown_fingerprint', () => {
    const result = parseTelemetryMessage(encodeFuture({ ...event, fixture_field: 1 }), {
      ...createParseContext({ priceTable: null, userIdSalt: null }),
      nowMs: NOW_MS,
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.reason).toBe('unknown_fingerprint');
      expect(result.error.message).toContain(
        `0x${schemaFingerprint(FUTURE_FIXTURE).toString(16).padStart(16, '0')}`,
      );
    }
  });

  it('registers a writer schema at run time', () => {
    const decoder = createDecoder();
    const fingerprint = decoder.registerSchema(FUTURE_FIXTURE);
    expect(fingerprint).toBe(schemaFingerprint(FUTURE_FIXTURE));
    expect(decoder.decode(encodeFuture({ ...event, fixture_field: null }))).toEqual(event);
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
