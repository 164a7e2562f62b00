import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TELEMETRY_EVENT_SCHEMA } from '../src/avro/schemas.js';
import {
  encodeEventAvroSingleObject,
  encodeEventConfluent,
  encodeEventJson,
  eventCodec,
} from '../src/codecs.js';
import { ContractError } from '../src/errors.js';
import { createParseContext, parseTelemetryMessage } from '../src/parse.js';
import { StaticSchemaRegistry } from '../src/registry.js';
import type { TelemetryEvent } from '../src/types.js';
import { arbitraryEvent, NOW_MS, validEvent } from './fixtures.js';

const ctx = {
  ...createParseContext({
    priceTable: null,
    userIdSalt: null,
    registry: new StaticSchemaRegistry([[1, TELEMETRY_EVENT_SCHEMA]]),
  }),
  nowMs: NOW_MS,
};

/** What the validator makes of a canonical event a producer sent: cost_source is the validator's. */
const expectedAfterValidation = (event: TelemetryEvent): TelemetryEvent => ({
  ...event,
  cost_source: event.cost_usd === null ? 'unpriced' : 'reported',
  response_model: event.response_model === '' ? null : event.response_model,
});

describe('properties', () => {
  it('encode → decode is the identity for every valid event, in all three wire formats', () => {
    fc.assert(
      fc.property(arbitraryEvent, (event) => {
        for (const message of [
          encodeEventJson(event),
          encodeEventAvroSingleObject(event),
          encodeEventConfluent(event, 1),
        ]) {
          const result = parseTelemetryMessage(message, ctx);
          if (!result.ok) throw result.error;
          expect(result.event).toEqual(expectedAfterValidation(event));
        }
        expect(eventCodec.decode(eventCodec.encode(event, 'json'))).toEqual(event);
        expect(eventCodec.decode(eventCodec.encode(event, 'avro'))).toEqual(event);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes never make parseTelemetryMessage throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const result = parseTelemetryMessage(bytes, ctx);
        if (!result.ok) expect(result.error).toBeInstanceOf(ContractError);
      }),
      { numRuns: 3000 },
    );
  });

  it('corrupted and truncated valid messages never make it throw', () => {
    const messages = [
      encodeEventAvroSingleObject(validEvent()),
      encodeEventJson(validEvent()),
      encodeEventConfluent(validEvent(), 1),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...messages),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat(), { nil: undefined }),
        (message, edits, cut) => {
          const bytes = Buffer.from(message);
          for (const [at, value] of edits) {
            // Leave the header alone half the time, so that the body decoder is what gets exercised.
            const index = at % bytes.length;
            if (index >= 10 || at % 2 === 0) bytes[index] = value;
          }
          const input = cut === undefined ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
          const result = parseTelemetryMessage(input, ctx);
          if (!result.ok) expect(result.error).toBeInstanceOf(ContractError);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('arbitrary JSON objects never make it throw', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const result = parseTelemetryMessage(
          Buffer.from(JSON.stringify({ ...validEvent(), extra: value })),
          ctx,
        );
        expect(result.ok).toBe(false);
        const wrapped = parseTelemetryMessage(Buffer.from(JSON.stringify({ event: value })), ctx);
        if (!wrapped.ok) expect(wrapped.error).toBeInstanceOf(ContractError);
      }),
      { numRuns: 500 },
    );
  });
});
