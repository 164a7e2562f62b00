import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventCodec } from '../src/codecs.js';
import { ContractError } from '../src/errors.js';
import { validateTelemetryEvent } from '../src/normalize.js';
import { telemetryEventSchema } from '../src/schemas.js';
import type { TelemetryEvent } from '../src/types.js';
import { arbitraryEvent, NOW_MS, validEvent } from './fixtures.js';

const avroType = eventCodec.avro.type;

function roundTrip(event: TelemetryEvent): unknown {
  return eventCodec.decodeTrusted(eventCodec.encode(event, 'avro'));
}

/** The canonical zod schema's verdict: the field path of the first problem, or null when valid. */
function zodVerdict(value: unknown): string | null {
  try {
    validateTelemetryEvent(value);
    return null;
  } catch (error) {
    if (error instanceof ContractError) return error.field ?? '(none)';
    throw error;
  }
}

const VALID: [string, TelemetryEvent][] = [
  ['a typical LLM call', validEvent()],
  [
    'all optional fields null, empty maps',
    validEvent({
      response_model: null,
      trace_id: null,
      span_id: null,
      session_id: null,
      user_id: null,
      prompt_name: null,
      prompt_version: null,
      duration_ms: null,
      time_to_first_token_ms: null,
      input_tokens: null,
      output_tokens: null,
      cache_read_input_tokens: null,
      scores: {},
      attributes: {},
    }),
  ],
  ['an error with a type', validEvent({ status: 'error', error_type: 'rate_limited', output_tokens: 0 })],
  ['a tool call', validEvent({ event_type: 'tool_call', operation: 'execute_tool', tool_name: 'search' })],
  ['feedback -1', validEvent({ event_type: 'feedback', feedback: -1 })],
  ['guardrail flags', validEvent({ event_type: 'guardrail', guardrail_flags: ['pii', 'prompt_injection'] })],
  ['scores at both bounds', validEvent({ scores: { a: 0, b: 1 } })],
  ['the largest safe token count', validEvent({ input_tokens: 1_000_000_000, output_tokens: 0 })],
  ['unicode outside the BMP', validEvent({ tenant_id: 'テナント-🚀', attributes: { clé: 'välue 🎉' } })],
  [
    'ids at the length limit',
    validEvent({ event_id: 'x'.repeat(256), attributes: { ['k'.repeat(128)]: 'v'.repeat(1024) } }),
  ],
  ['duration of exactly 24 h', validEvent({ duration_ms: 86_400_000 })],
  ['cost reported', validEvent({ cost_usd: 0.0123, cost_source: 'reported' })],
  ['timestamp 0 (range is checked elsewhere)', validEvent({ timestamp: 0 })],
  ['the largest timestamp Avro carries', validEvent({ timestamp: 2 ** 53 - 2 })],
  [
    '64 attributes',
    validEvent({ attributes: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, `${i}`])) }),
  ],
];

/** [description, value, the field zod must name, whether Avro itself can carry the value]. */
const INVALID: [string, unknown, string, boolean][] = [
  ['non-integer tokens', { ...validEvent(), input_tokens: 1.5 }, 'input_tokens', false],
  ['tokens beyond 2^53', { ...validEvent(), output_tokens: 2 ** 60 }, 'output_tokens', false],
  ['negative tokens', { ...validEvent(), output_tokens: -1 }, 'output_tokens', true],
  [
    'tokens beyond the sanity bound',
    { ...validEvent(), output_tokens: 1_000_000_001 },
    'output_tokens',
    true,
  ],
  ['a numeric string for tokens', { ...validEvent(), input_tokens: '12' }, 'input_tokens', false],
  ['NaN duration', { ...validEvent(), duration_ms: Number.NaN }, 'duration_ms', true],
  ['infinite duration', { ...validEvent(), duration_ms: Number.POSITIVE_INFINITY }, 'duration_ms', true],
  ['negative duration', { ...validEvent(), duration_ms: -5 }, 'duration_ms', true],
  ['duration over 24 h', { ...validEvent(), duration_ms: 86_400_001 }, 'duration_ms', true],
  [
    'timestamp 2^53 − 1 (avsc longs stop at 2^53 − 2)',
    { ...validEvent(), timestamp: 2 ** 53 - 1 },
    'timestamp',
    false,
  ],
  ['non-integer timestamp', { ...validEvent(), timestamp: 1.5 }, 'timestamp', false],
  ['negative timestamp', { ...validEvent(), timestamp: -1 }, 'timestamp', true],
  ['timestamp as a string', { ...validEvent(), timestamp: '2025-09-01T00:00:00Z' }, 'timestamp', false],
  ['score above 1', { ...validEvent(), scores: { faithfulness: 1.01 } }, 'scores.faithfulness', true],
  ['NaN score', { ...validEvent(), scores: { faithfulness: Number.NaN } }, 'scores.faithfulness', true],
  ['empty score name', { ...validEvent(), scores: { '': 0.5 } }, 'scores[""]', true],
  ['feedback 0', { ...validEvent(), feedback: 0 }, 'feedback', true],
  ['feedback 2^31 (not an Avro int)', { ...validEvent(), feedback: 2 ** 31 }, 'feedback', false],
  ['unknown event type', { ...validEvent(), event_type: 'chat' }, 'event_type', false],
  ['unknown status', { ...validEvent(), status: 'failed' }, 'status', false],
  ['unknown cost source', { ...validEvent(), cost_source: 'guess' }, 'cost_source', false],
  ['empty tenant', { ...validEvent(), tenant_id: '' }, 'tenant_id', true],
  ['model of 257 characters', { ...validEvent(), model: 'm'.repeat(257) }, 'model', true],
  ['a lone surrogate', { ...validEvent(), application: 'bad\ud800' }, 'application', true],
  ['missing field', (({ event_id: _, ...rest }) => rest)(validEvent()), 'event_id', false],
  ['null required string', { ...validEvent(), provider: null }, 'provider', false],
  ['unknown field', { ...validEvent(), prompt_tokens: 5 }, 'prompt_tokens', true],
  [
    'attribute value not a string',
    { ...validEvent(), attributes: { retries: 2 } },
    'attributes.retries',
    false,
  ],
  [
    'attribute value of 1025 characters',
    { ...validEvent(), attributes: { a: 'x'.repeat(1025) } },
    'attributes.a',
    true,
  ],
  [
    '65 attributes',
    { ...validEvent(), attributes: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) },
    'attributes',
    true,
  ],
  [
    'attribute carrying the prompt',
    { ...validEvent(), attributes: { 'gen_ai.prompt': 'hello' } },
    'attributes["gen_ai.prompt"]',
    true,
  ],
  ['guardrail flags not an array', { ...validEvent(), guardrail_flags: 'pii' }, 'guardrail_flags', false],
  ['empty guardrail flag', { ...validEvent(), guardrail_flags: [''] }, 'guardrail_flags[0]', true],
  ['scores not a map', { ...validEvent(), scores: [0.5] }, 'scores', false],
];

describe('the canonical zod schema and the Avro v1 schema agree', () => {
  it.each(VALID)('valid: %s — accepted by zod, carried by Avro, round-trips identically', (_, event) => {
    expect(zodVerdict(event)).toBeNull();
    expect(avroType.isValid(event)).toBe(true);
    expect(roundTrip(event)).toEqual(event);
  });

  it.each(INVALID)('invalid: %s — refused by zod naming the field', (_, value, field, avroCarries) => {
    expect(zodVerdict(value)).toBe(field);
    // Where Avro itself cannot carry the value, zod must refuse it before an encoder ever sees it.
    expect(avroType.isValid(value)).toBe(avroCarries);
  });

  it('every zod-valid event round-trips through Avro identically (property)', () => {
    fc.assert(
      fc.property(arbitraryEvent, (event) => {
        expect(telemetryEventSchema.safeParse(event).success).toBe(true);
        expect(roundTrip(event)).toEqual(event);
      }),
      { numRuns: 300 },
    );
  });

  it('zod never accepts a field value Avro cannot carry (property over mutated fields)', () => {
    const anyValue = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.constantFrom(2 ** 53, 2 ** 53 - 1, 2 ** 53 - 2, -(2 ** 53), 2 ** 31, Number.NaN, -0, 1e308),
      fc.maxSafeInteger(),
      fc.string({ maxLength: 8 }),
      fc.constant(null),
      fc.boolean(),
      fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
      fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.string(), fc.double()), { maxKeys: 2 }),
    );
    const fields = Object.keys(validEvent());
    fc.assert(
      fc.property(arbitraryEvent, fc.constantFrom(...fields), anyValue, (event, field, value) => {
        const mutated = { ...event, [field]: value };
        if (telemetryEventSchema.safeParse(mutated).success) {
          expect(avroType.isValid(mutated)).toBe(true);
          expect(roundTrip(mutated as TelemetryEvent)).toEqual(mutated);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('uses the same "now" as the fixtures', () => {
    expect(validEvent().timestamp).toBeLessThan(NOW_MS);
  });
});
