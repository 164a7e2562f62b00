import { describe, expect, it } from 'vitest';
import { encodeEventAvroSingleObject, encodeEventJson } from '../src/codecs.js';
import { ContractError, type ContractErrorReason } from '../src/errors.js';
import { resolveLimits } from '../src/limits.js';
import { createParseContext, type ParseResult, parseTelemetryMessage } from '../src/parse.js';
import { NOW_MS, validEvent } from './fixtures.js';

const ctx = { ...createParseContext({ priceTable: null, userIdSalt: null }), nowMs: NOW_MS };
const parse = (buf: Uint8Array): ParseResult => parseTelemetryMessage(buf, ctx);
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const input = (overrides: Record<string, unknown> = {}) => ({
  event_id: 'e-1',
  timestamp: NOW_MS - 1000,
  tenant_id: 'acme',
  application: 'bot',
  provider: 'openai',
  model: 'gpt-4o',
  operation: 'chat',
  ...overrides,
});

function refusal(buf: Uint8Array): {
  reason: ContractErrorReason;
  field: string | undefined;
  message: string;
} {
  const result = parse(buf);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.event)}`);
  expect(result.error).toBeInstanceOf(ContractError);
  return { reason: result.error.reason, field: result.error.field, message: result.error.message };
}

const avro = encodeEventAvroSingleObject(validEvent());

describe('every class of bad input gets a typed error naming the problem', () => {
  it('truncated Avro → truncated_avro, naming the field being read', () => {
    for (const cut of [10, 11, 25, 60, avro.length - 1]) {
      const r = refusal(avro.subarray(0, cut));
      expect(r.reason).toBe('truncated_avro');
    }
    expect(refusal(avro.subarray(0, 30)).message).toMatch(
      /^field \w+: Avro body ends before the value does$/,
    );
  });

  it('a header shorter than 10 bytes → truncated_avro', () => {
    expect(refusal(avro.subarray(0, 6)).reason).toBe('truncated_avro');
  });

  it('trailing bytes after the record → invalid_avro', () => {
    expect(refusal(Buffer.concat([avro, Buffer.from([0, 0])]))).toMatchObject({
      reason: 'invalid_avro',
      message: '2 unexpected trailing byte(s) after the record',
    });
  });

  it('an unknown fingerprint → unknown_fingerprint', () => {
    const other = Buffer.from(avro);
    other[2] = (other[2] as number) ^ 0xff;
    expect(refusal(other)).toMatchObject({ reason: 'unknown_fingerprint' });
    expect(refusal(other).message).toMatch(/writer schema fingerprint 0x[0-9a-f]{16} is not a known/);
  });

  it('wrong magic → bad_magic', () => {
    expect(refusal(Buffer.from([0xc3, 0x02, 1, 2]))).toMatchObject({ reason: 'bad_magic' });
    expect(refusal(Buffer.from('["an array"]'))).toMatchObject({ reason: 'bad_magic' });
    expect(refusal(Buffer.from('hello'))).toMatchObject({ reason: 'bad_magic' });
    expect(refusal(Buffer.alloc(0))).toMatchObject({ reason: 'bad_magic', message: 'empty message' });
  });

  it('invalid JSON → invalid_json, with the parser message', () => {
    expect(refusal(Buffer.from('{"event_id": "x",}'))).toMatchObject({ reason: 'invalid_json' });
    expect(refusal(Buffer.from('{"event_id": NaN}'))).toMatchObject({ reason: 'invalid_json' });
    expect(refusal(Buffer.from('  {"a": 1} trailing'))).toMatchObject({ reason: 'invalid_json' });
  });

  it('JSON nested too deep → json_too_deep (checked before parsing)', () => {
    const deep = `{"attributes":${'{"a":'.repeat(20)}1${'}'.repeat(20)}}`;
    expect(refusal(Buffer.from(deep))).toMatchObject({
      reason: 'json_too_deep',
      message: 'JSON nests deeper than 8 levels',
    });
    // Brackets inside strings do not count.
    const inString = json(input({ attributes: { note: '[[[[[[[[[[{{{{{{{{{{ \\" [[[[' } }));
    expect(parse(inString).ok).toBe(true);
  });

  it('invalid UTF-8 → invalid_utf8, in JSON and in Avro strings', () => {
    const badJson = Buffer.concat([
      Buffer.from('{"event_id": "'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    expect(refusal(badJson)).toMatchObject({ reason: 'invalid_utf8' });
    const event = validEvent({ event_id: 'ééé' });
    const bytes = Buffer.from(encodeEventAvroSingleObject(event));
    const at = bytes.indexOf(Buffer.from('ééé'));
    bytes[at + 1] = 0x28; // breaks the first two-byte sequence
    expect(refusal(bytes)).toMatchObject({ reason: 'invalid_utf8', field: 'event_id' });
  });

  it('wrong types → schema_violation naming the field and the rule', () => {
    expect(refusal(json(input({ input_tokens: 'twelve' })))).toMatchObject({
      reason: 'schema_violation',
      field: 'input_tokens',
      message: 'field input_tokens: Invalid input: expected number, received string',
    });
    expect(refusal(json(input({ scores: { relevance: 'high' } })))).toMatchObject({
      field: 'scores.relevance',
    });
    expect(refusal(json(input({ tenant_id: undefined })))).toMatchObject({
      field: 'tenant_id',
      message: 'field tenant_id: is required',
    });
  });

  it('out-of-range numbers → schema_violation', () => {
    expect(refusal(json(input({ duration_ms: -3 })))).toMatchObject({
      field: 'duration_ms',
      message: 'field duration_ms: must be >= 0 ms',
    });
    expect(refusal(json(input({ output_tokens: 2 ** 60 })))).toMatchObject({ field: 'output_tokens' });
    expect(refusal(json(input({ scores: { a: 1.5 } })))).toMatchObject({
      field: 'scores.a',
      message: 'field scores.a: must be in [0, 1]',
    });
    expect(refusal(json(input({ feedback: 0 })))).toMatchObject({ field: 'feedback' });
  });

  it('out-of-range timestamps → schema_violation against the range passed in', () => {
    const old = refusal(json(input({ timestamp: NOW_MS - 31 * 86_400_000 })));
    expect(old).toMatchObject({ field: 'timestamp' });
    expect(old.message).toContain('more than 30 days before now (2025-09-01T12:00:00.000Z)');
    expect(refusal(json(input({ timestamp: NOW_MS + 2 * 86_400_000 }))).message).toContain(
      'more than 1 day after now',
    );
    expect(refusal(json(input({ timestamp: 1_700_000_000 }))).field).toBe('timestamp'); // seconds, not ms
    expect(refusal(json(input({ timestamp: '2025-02-30T00:00:00Z' }))).message).toContain(
      'is not an RFC 3339 date-time',
    );
  });

  it('NaN and numeric strings → schema_violation (numbers must be JSON numbers)', () => {
    expect(refusal(json(input({ duration_ms: 'NaN' })))).toMatchObject({ field: 'duration_ms' });
    expect(refusal(json(input({ timestamp: 'NaN' })))).toMatchObject({ field: 'timestamp' });
    expect(refusal(json(input({ cost_usd: 'Infinity' })))).toMatchObject({ field: 'cost_usd' });
  });

  it('prompt or completion text → forbidden_field, at the top level, nested, or in attributes', () => {
    for (const [value, field] of [
      [input({ prompt: 'What is the capital of France?' }), 'prompt'],
      [input({ completion: 'Paris.' }), 'completion'],
      [input({ messages: [{ role: 'user', content: 'hi' }] }), 'messages'],
      [input({ 'gen_ai.prompt': 'hi' }), 'gen_ai.prompt'],
      [input({ gen_ai: { prompt: 'hi' } }), 'gen_ai.prompt'],
      [input({ 'gen_ai.input.messages': '[]' }), 'gen_ai.input.messages'],
      [
        input({ attributes: { 'gen_ai.completion.0.content': 'Paris.' } }),
        'attributes["gen_ai.completion.0.content"]',
      ],
      [input({ attributes: { 'llm.input_messages': '[]' } }), 'attributes["llm.input_messages"]'],
    ] as const) {
      const r = refusal(json(value));
      expect(r.reason, JSON.stringify(value)).toBe('forbidden_field');
      expect(r.field).toBe(field);
      expect(r.message).toContain('no prompt or completion text');
    }
    // prompt_name and prompt_version name a template: allowed.
    expect(parse(json(input({ prompt_name: 'qa', prompt_version: '2' }))).ok).toBe(true);
  });

  it('unknown fields → schema_violation naming the key', () => {
    expect(refusal(json(input({ tokens: 5 })))).toMatchObject({
      field: 'tokens',
      message: 'field tokens: unknown field; put custom data in attributes',
    });
    expect(refusal(json(input({ gen_ai: { request: { temperature: 0.2 } } })))).toMatchObject({
      field: 'gen_ai.request.temperature',
    });
    expect(refusal(Buffer.from('{"__proto__": {"x": 1}, "event_id": "e"}')).reason).toBe('schema_violation');
  });

  it('a message over the size limit → message_too_large', () => {
    const small = {
      ...createParseContext({
        priceTable: null,
        userIdSalt: null,
        limits: resolveLimits({ maxMessageBytes: 100 }),
      }),
      nowMs: NOW_MS,
    };
    const result = parseTelemetryMessage(encodeEventJson(validEvent()), small);
    expect(result.ok ? null : result.error.reason).toBe('message_too_large');
  });

  it('a long outside the safe-integer range in Avro → schema_violation, not a silent precision loss', () => {
    // timestamp is the third field: event_id ("evt-0001"), event_type (enum), then the long.
    const bytes = Buffer.from(avro);
    const tsAt = 10 + 1 + 'evt-0001'.length + 1;
    const huge = Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]); // 2^62 − 1 zig-zag
    const crafted = Buffer.concat([bytes.subarray(0, tsAt), huge, bytes.subarray(tsAt + 6)]);
    const r = refusal(crafted);
    expect(r).toMatchObject({ reason: 'schema_violation', field: 'timestamp' });
    expect(r.message).toContain('outside the safe integer range');
  });

  it('a bad union or enum index → invalid_avro naming the field', () => {
    const bytes = Buffer.from(avro);
    bytes[10 + 1 + 'evt-0001'.length] = 0x20; // event_type index 16
    expect(refusal(bytes)).toMatchObject({ reason: 'invalid_avro', field: 'event_type' });
  });
});
