import { describe, expect, it } from 'vitest';
import { TELEMETRY_EVENT_V1_2_SCHEMA, TELEMETRY_EVENT_V1_SCHEMA } from '../src/avro/schemas.js';
import { encodeEventConfluent } from '../src/codecs.js';
import { createDecoder, SchemaNotLoadedError } from '../src/decoder.js';
import { createParseContext, parseTelemetryMessage } from '../src/parse.js';
import { type RegisteredSchema, type SchemaRegistryClient, StaticSchemaRegistry } from '../src/registry.js';
import { NOW_MS, validEvent } from './fixtures.js';

/** A registry whose schemas become available only once asked for asynchronously (like the HTTP one). */
class LoadOnDemandRegistry implements SchemaRegistryClient {
  private readonly loaded = new Map<number, RegisteredSchema | null>();
  constructor(private readonly source: StaticSchemaRegistry) {}
  async getSchemaById(id: number): Promise<RegisteredSchema | null> {
    const schema = await this.source.getSchemaById(id);
    this.loaded.set(id, schema);
    return schema;
  }
  getCachedSchema(id: number): RegisteredSchema | null | undefined {
    return this.loaded.get(id);
  }
}

describe('Confluent framing (00 + schema id)', () => {
  const event = validEvent();
  // 7: the current schema (v1.2), what encodeEventConfluent writes; 8: v1, what older producers write.
  const registry = new StaticSchemaRegistry([
    [7, TELEMETRY_EVENT_V1_2_SCHEMA],
    [8, JSON.stringify(TELEMETRY_EVENT_V1_SCHEMA)],
    [9, { type: 'string' }],
  ]);

  it('decodes with the writer schema the registry names', () => {
    const decoder = createDecoder({ registry });
    const message = encodeEventConfluent(event, 7);
    expect([...message.subarray(0, 5)]).toEqual([0, 0, 0, 0, 7]);
    expect(decoder.decodeMessage(message)).toEqual({ format: 'confluent', value: event });
  });

  it('resolves an older registered version (v1) to the current one', () => {
    // A v1.2 body whose two trailing optional fields are null (one 0 byte each) is a v1 body plus those bytes.
    const decoder = createDecoder({ registry });
    const v1_2Frame = encodeEventConfluent(event, 8);
    const v1Frame = v1_2Frame.subarray(0, v1_2Frame.length - 2);
    expect([...v1_2Frame.subarray(v1_2Frame.length - 2)]).toEqual([0, 0]);
    expect(decoder.decode(v1Frame)).toEqual(event);
  });

  it('refuses an id the registry does not know (unknown_schema_id)', () => {
    const ctx = { ...createParseContext({ priceTable: null, userIdSalt: null, registry }), nowMs: NOW_MS };
    const result = parseTelemetryMessage(encodeEventConfluent(event, 42), ctx);
    expect(result.ok ? null : [result.error.reason, result.error.message]).toEqual([
      'unknown_schema_id',
      'schema id 42 is unknown to the schema registry',
    ]);
  });

  it('refuses an id whose schema is not a TelemetryEvent (unknown_schema_id)', () => {
    const decoder = createDecoder({ registry });
    expect(() => decoder.decode(encodeEventConfluent(event, 9))).toThrow(
      /schema id 9 is not a readable TelemetryEvent schema/,
    );
  });

  it('refuses Confluent framing when no registry is configured (bad_magic)', () => {
    const ctx = { ...createParseContext({ priceTable: null, userIdSalt: null }), nowMs: NOW_MS };
    const result = parseTelemetryMessage(encodeEventConfluent(event, 7), ctx);
    expect(result.ok ? null : result.error.reason).toBe('bad_magic');
  });

  it('refuses a frame shorter than its header (truncated_avro)', () => {
    const decoder = createDecoder({ registry });
    expect(() => decoder.decode(Buffer.from([0, 0, 0]))).toThrow(
      expect.objectContaining({ reason: 'truncated_avro' }),
    );
  });

  it('with an asynchronous registry, decode asks for prefetch first; after prefetch it decodes', async () => {
    const decoder = createDecoder({ registry: new LoadOnDemandRegistry(registry) });
    const messages = [encodeEventConfluent(event, 7), encodeEventConfluent(event, 42)];
    expect(() => decoder.decode(messages[0] as Buffer)).toThrow(SchemaNotLoadedError);
    await decoder.prefetch(messages);
    expect(decoder.decode(messages[0] as Buffer)).toEqual(event);
    expect(() => decoder.decode(messages[1] as Buffer)).toThrow(
      expect.objectContaining({ reason: 'unknown_schema_id' }),
    );
  });
});
