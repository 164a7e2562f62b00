import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  crc64Avro,
  parsingCanonicalForm,
  schemaFingerprint,
  singleObjectHeader,
} from '../src/avro/fingerprint.js';
import {
  ALERT_V1_SCHEMA,
  TELEMETRY_EVENT_V1_1_SCHEMA,
  TELEMETRY_EVENT_V1_2_SCHEMA,
  TELEMETRY_EVENT_V1_SCHEMA,
  WINDOW_AGGREGATE_V1_1_SCHEMA,
  WINDOW_AGGREGATE_V1_SCHEMA,
} from '../src/avro/schemas.js';

describe('CRC-64-AVRO fingerprint', () => {
  // Vectors from the Apache Avro test suites (lang/ruby test_fingerprints.rb, share/test/data/schema-tests.txt).
  it('matches the Avro test vector for "int": 0x7275d51a3f395c8f', () => {
    expect(schemaFingerprint('int')).toBe(0x7275d51a3f395c8fn);
    expect(schemaFingerprint({ type: 'int' })).toBe(0x7275d51a3f395c8fn);
  });

  it('matches the Avro test vector for "null": 7195948357588979594', () => {
    expect(schemaFingerprint('null')).toBe(7195948357588979594n);
  });

  it('writes the single-object header C3 01 + fingerprint little-endian (Avro test vector for "int")', () => {
    expect([...singleObjectHeader(schemaFingerprint('int'))]).toEqual([
      0xc3, 0x01, 0x8f, 0x5c, 0x39, 0x3f, 0x1a, 0xd5, 0x75, 0x72,
    ]);
  });

  it('is the CRC-64-AVRO "empty" value for no bytes', () => {
    expect(crc64Avro(new Uint8Array())).toBe(0xc15d213aa4d7a795n);
  });
});

describe('Parsing Canonical Form', () => {
  it('follows the spec transformations (primitives, full names, attribute order, stripping)', () => {
    const schema = {
      namespace: 'x.y',
      doc: 'dropped',
      fields: [
        { type: { type: 'long', logicalType: 'timestamp-millis' }, name: 'at', default: 0, doc: 'dropped' },
        { name: 'e', type: { symbols: ['A', 'B'], type: 'enum', name: 'E', aliases: ['dropped'] } },
        { name: 'again', type: 'E' },
        { name: 'f', type: { type: 'fixed', size: 4, name: 'other.F' } },
        { name: 'm', type: { values: ['null', 'string'], type: 'map' } },
      ],
      type: 'record',
      name: 'R',
    };
    expect(parsingCanonicalForm(schema)).toBe(
      '{"name":"x.y.R","type":"record","fields":[{"name":"at","type":"long"},' +
        '{"name":"e","type":{"name":"x.y.E","type":"enum","symbols":["A","B"]}},{"name":"again","type":"x.y.E"},' +
        '{"name":"f","type":{"name":"other.F","type":"fixed","size":4}},' +
        '{"name":"m","type":{"type":"map","values":["null","string"]}}]}',
    );
  });

  it.each([
    ['telemetry event v1', TELEMETRY_EVENT_V1_SCHEMA],
    ['telemetry event v1.1', TELEMETRY_EVENT_V1_1_SCHEMA],
    ['telemetry event v1.2', TELEMETRY_EVENT_V1_2_SCHEMA],
    ['window aggregate v1', WINDOW_AGGREGATE_V1_SCHEMA],
    ['window aggregate v1.1', WINDOW_AGGREGATE_V1_1_SCHEMA],
    ['alert v1', ALERT_V1_SCHEMA],
  ])('agrees with avsc on the canonical form of %s', (_, schema) => {
    const type = avro.Type.forSchema(schema as avro.Schema, { registry: {} });
    expect(parsingCanonicalForm(schema)).toBe(JSON.stringify(type.schema()));
  });
});

describe('schemas/avro/*.avsc', () => {
  it.each([
    ['telemetry-event.v1.avsc', TELEMETRY_EVENT_V1_SCHEMA],
    ['telemetry-event.v1_1.avsc', TELEMETRY_EVENT_V1_1_SCHEMA],
    ['telemetry-event.v1_2.avsc', TELEMETRY_EVENT_V1_2_SCHEMA],
    ['window-aggregate.v1.avsc', WINDOW_AGGREGATE_V1_SCHEMA],
    ['window-aggregate.v1_1.avsc', WINDOW_AGGREGATE_V1_1_SCHEMA],
    ['alert.v1.avsc', ALERT_V1_SCHEMA],
  ])('%s holds exactly the schema the code uses', (file, schema) => {
    const onDisk = JSON.parse(
      readFileSync(new URL(`../../../schemas/avro/${file}`, import.meta.url), 'utf8'),
    );
    expect(onDisk).toEqual(schema);
  });

  it('v1 and v1.1 have different fingerprints', () => {
    expect(schemaFingerprint(TELEMETRY_EVENT_V1_SCHEMA)).not.toBe(
      schemaFingerprint(TELEMETRY_EVENT_V1_1_SCHEMA),
    );
  });
});
