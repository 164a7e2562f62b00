import fc from 'fast-check';
import { forbiddenKeyReason } from '../src/privacy.js';
import { EVENT_TYPES, type TelemetryEvent } from '../src/types.js';

/** "Now" for every test: validation reads no clock, the tests pass this one. */
export const NOW_MS = Date.parse('2025-09-01T12:00:00.000Z');

/** A complete, valid canonical event; override any field. */
export function validEvent(overrides: Partial<TelemetryEvent> = {}): TelemetryEvent {
  return {
    event_id: 'evt-0001',
    event_type: 'llm_call',
    timestamp: NOW_MS - 60_000,
    tenant_id: 'acme',
    application: 'support-bot',
    environment: 'production',
    provider: 'openai',
    model: 'gpt-4o-mini',
    response_model: 'gpt-4o-mini-2024-07-18',
    operation: 'chat',
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    span_id: '00f067aa0ba902b7',
    parent_span_id: null,
    session_id: 'sess-42',
    user_id: 'user-7',
    agent_name: null,
    tool_name: null,
    prompt_name: 'answer-question',
    prompt_version: '3',
    status: 'ok',
    error_type: null,
    duration_ms: 812.25,
    time_to_first_token_ms: 190.5,
    input_tokens: 1200,
    output_tokens: 340,
    cache_read_input_tokens: 1024,
    reasoning_output_tokens: null,
    cache_creation_input_tokens: null,
    tool_call_arguments_hash: null,
    cost_usd: null,
    cost_source: null,
    scores: { faithfulness: 0.92, relevance: 1 },
    feedback: null,
    guardrail_flags: [],
    attributes: { region: 'eu-west-1', 'app.version': '1.4.2' },
    ...overrides,
  };
}

const text = (maxLength: number, minLength = 1) => fc.string({ unit: 'binary', minLength, maxLength });
const id = text(40);
const optionalId = fc.option(id, { nil: null });
const tokens = fc.option(fc.integer({ min: 0, max: 1_000_000_000 }), { nil: null });
const duration = fc.option(fc.double({ min: 0, max: 86_400_000, noNaN: true }), { nil: null });
const mapKey = text(30).filter((k) => k !== '__proto__');
const attributeKey = mapKey.filter((k) => forbiddenKeyReason(k) === null);

/** Any canonical event the contract accepts (timestamps within the default range of NOW_MS). */
export const arbitraryEvent: fc.Arbitrary<TelemetryEvent> = fc.record({
  event_id: id,
  event_type: fc.constantFrom(...EVENT_TYPES),
  timestamp: fc.integer({ min: NOW_MS - 29 * 86_400_000, max: NOW_MS + 86_400_000 }),
  tenant_id: id,
  application: id,
  environment: id,
  provider: id,
  model: id,
  response_model: optionalId,
  operation: id,
  trace_id: optionalId,
  span_id: optionalId,
  parent_span_id: optionalId,
  session_id: optionalId,
  user_id: optionalId,
  agent_name: optionalId,
  tool_name: optionalId,
  prompt_name: optionalId,
  prompt_version: optionalId,
  status: fc.constantFrom('ok' as const, 'error' as const),
  error_type: optionalId,
  duration_ms: duration,
  time_to_first_token_ms: duration,
  input_tokens: tokens,
  output_tokens: tokens,
  cache_read_input_tokens: tokens,
  reasoning_output_tokens: tokens,
  cache_creation_input_tokens: tokens,
  tool_call_arguments_hash: optionalId,
  cost_usd: fc.option(fc.double({ min: 0, max: 1_000_000, noNaN: true }), { nil: null }),
  cost_source: fc.constantFrom(null, 'reported' as const, 'price_table' as const, 'unpriced' as const),
  scores: fc.dictionary(mapKey, fc.double({ min: 0, max: 1, noNaN: true }), {
    maxKeys: 5,
    noNullPrototype: true,
  }),
  feedback: fc.constantFrom(null, -1 as const, 1 as const),
  guardrail_flags: fc.array(text(20), { maxLength: 4 }),
  attributes: fc.dictionary(attributeKey, text(60, 0), { maxKeys: 6, noNullPrototype: true }),
});
