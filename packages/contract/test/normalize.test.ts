import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIELD_ALIASES } from '../src/aliases.js';
import { ContractError } from '../src/errors.js';
import { telemetryEventInputSchema } from '../src/input.js';
import { canonicalizeEvent, enrichEvent, hashUserId, normalizeEvent } from '../src/normalize.js';
import { loadPriceTable } from '../src/pricing.js';
import { telemetryEventSchema } from '../src/schemas.js';
import { DEFAULT_PRICE_TABLE_URL } from '../src/topics.js';
import { NOW_MS, validEvent } from './fixtures.js';

const priceTable = loadPriceTable(JSON.parse(readFileSync(DEFAULT_PRICE_TABLE_URL, 'utf8')));
const minimal = {
  event_id: 'e-1',
  timestamp: NOW_MS - 1000,
  tenant_id: 'acme',
  application: 'bot',
  provider: 'openai',
  model: 'gpt-4o',
};

function errorOf(fn: () => unknown): ContractError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ContractError) return error;
    throw error;
  }
  throw new Error('expected a ContractError');
}

describe('canonicalizeEvent', () => {
  it('fills defaults: environment, status, nulls, empty maps; infers event_type from operation', () => {
    const event = canonicalizeEvent({ ...minimal, operation: 'chat' }, { nowMs: NOW_MS });
    expect(event).toEqual({
      ...minimal,
      event_type: 'llm_call',
      environment: 'production',
      response_model: null,
      operation: 'chat',
      trace_id: null,
      span_id: null,
      parent_span_id: null,
      session_id: null,
      user_id: null,
      agent_name: null,
      tool_name: null,
      prompt_name: null,
      prompt_version: null,
      status: 'ok',
      error_type: null,
      duration_ms: null,
      time_to_first_token_ms: null,
      input_tokens: null,
      output_tokens: null,
      cache_read_input_tokens: null,
      reasoning_output_tokens: null,
      cache_creation_input_tokens: null,
      tool_call_arguments_hash: null,
      cost_usd: null,
      cost_source: null,
      scores: {},
      feedback: null,
      guardrail_flags: [],
      attributes: {},
    });
    expect(telemetryEventSchema.safeParse(event).success).toBe(true);
  });

  it('infers operation from event_type, status from error_type, and turns "" into null', () => {
    const event = canonicalizeEvent(
      { ...minimal, event_type: 'embedding', error_type: 'timeout', parent_span_id: '', environment: '' },
      { nowMs: NOW_MS },
    );
    expect(event).toMatchObject({
      operation: 'embeddings',
      status: 'error',
      error_type: 'timeout',
      parent_span_id: null,
      environment: 'production',
    });
  });

  it('asks for event_type or operation when neither can be inferred', () => {
    expect(errorOf(() => canonicalizeEvent(minimal, { nowMs: NOW_MS })).message).toBe(
      'field event_type: is required (or give operation, from which it is inferred)',
    );
    expect(
      errorOf(() => canonicalizeEvent({ ...minimal, event_type: 'evaluation' }, { nowMs: NOW_MS })).field,
    ).toBe('operation');
    expect(
      errorOf(() => canonicalizeEvent({ ...minimal, operation: 'constructor' }, { nowMs: NOW_MS })).field,
    ).toBe('event_type');
  });

  it('parses RFC 3339 timestamps with offsets and fractions; accepts Date', () => {
    const at = (timestamp: unknown) =>
      canonicalizeEvent({ ...minimal, operation: 'chat', timestamp }, { nowMs: NOW_MS }).timestamp;
    expect(at('2025-09-01T11:59:00Z')).toBe(NOW_MS - 60_000);
    expect(at('2025-09-01T13:59:00.5+02:00')).toBe(NOW_MS - 59_500);
    expect(at('2025-09-01t11:59:00.123456789z')).toBe(NOW_MS - 59_877);
    expect(at(new Date(NOW_MS - 5))).toBe(NOW_MS - 5);
    expect(errorOf(() => at('2025-09-01')).message).toContain('is not an RFC 3339 date-time');
    expect(errorOf(() => at(1.5)).message).toBe(
      'field timestamp: must be a non-negative integer of epoch milliseconds',
    );
  });

  it('resolves every documented alias, flat and nested, and names the alias in errors', () => {
    const event = canonicalizeEvent(
      {
        event_id: 'e-2',
        timestamp: NOW_MS,
        tenant_id: 'acme',
        'service.name': 'bot',
        'deployment.environment.name': 'staging',
        'gen_ai.system': 'anthropic',
        'gen_ai.provider.name': 'aws.bedrock',
        gen_ai: {
          request: { model: 'anthropic.claude-sonnet-4-20250514-v1:0' },
          response: { model: 'claude-sonnet-4' },
          operation: { name: 'chat' },
          usage: {
            prompt_tokens: 10,
            input_tokens: 11,
            completion_tokens: 5,
            cache_read: { input_tokens: 4 },
          },
          agent: { name: 'planner' },
          tool: { name: 'search' },
          conversation: { id: 'conv-1' },
        },
        'user.id': 'u-1',
        'error.type': 'rate_limited',
      },
      { nowMs: NOW_MS },
    );
    expect(event).toMatchObject({
      application: 'bot',
      environment: 'staging',
      provider: 'aws_bedrock', // gen_ai.provider.name outranks gen_ai.system; OTel spelling normalised
      model: 'anthropic.claude-sonnet-4-20250514-v1:0',
      response_model: 'claude-sonnet-4',
      operation: 'chat',
      event_type: 'llm_call',
      input_tokens: 11, // gen_ai.usage.input_tokens outranks gen_ai.usage.prompt_tokens
      output_tokens: 5,
      cache_read_input_tokens: 4,
      agent_name: 'planner',
      tool_name: 'search',
      session_id: 'conv-1',
      user_id: 'u-1',
      status: 'error',
      error_type: 'rate_limited',
    });
    const error = errorOf(() =>
      canonicalizeEvent(
        { ...minimal, operation: 'chat', 'gen_ai.usage.output_tokens': -2 },
        { nowMs: NOW_MS },
      ),
    );
    expect(error.message).toBe('field output_tokens (sent as "gen_ai.usage.output_tokens"): must be >= 0');
  });

  it('lets the canonical name win over any alias', () => {
    const event = canonicalizeEvent(
      {
        ...minimal,
        operation: 'chat',
        'gen_ai.request.model': 'other',
        input_tokens: 3,
        'gen_ai.usage.input_tokens': 9,
      },
      { nowMs: NOW_MS },
    );
    expect(event).toMatchObject({ model: 'gpt-4o', input_tokens: 3 });
  });

  it('documents each alias once', () => {
    const all = Object.values(FIELD_ALIASES).flat();
    expect(new Set(all).size).toBe(all.length);
  });

  it('turns numeric and boolean attribute values into strings and de-duplicates guardrail flags', () => {
    const event = canonicalizeEvent(
      {
        ...minimal,
        operation: 'chat',
        attributes: { retries: 2, cached: true },
        guardrail_flags: ['pii', 'pii', 'toxicity'],
      },
      { nowMs: NOW_MS },
    );
    expect(event.attributes).toEqual({ retries: '2', cached: 'true' });
    expect(event.guardrail_flags).toEqual(['pii', 'toxicity']);
  });
});

describe('enrichEvent / normalizeEvent', () => {
  it('prices cost_usd from the price table when absent (price_table)', () => {
    const event = normalizeEvent(
      { ...minimal, model: 'gpt-4o-2024-08-06', operation: 'chat', input_tokens: 1000, output_tokens: 200 },
      { nowMs: NOW_MS, priceTable, userIdSalt: null },
    );
    // gpt-4o: $2.50 in, $10 out per 1M tokens.
    expect(event.cost_source).toBe('price_table');
    expect(event.cost_usd).toBeCloseTo((1000 * 2.5 + 200 * 10) / 1e6, 12);
  });

  it('keeps a reported cost (reported), and marks unknown models unpriced', () => {
    const options = { nowMs: NOW_MS, priceTable, userIdSalt: null };
    expect(
      normalizeEvent({ ...minimal, operation: 'chat', cost_usd: 0.5, input_tokens: 9 }, options),
    ).toMatchObject({
      cost_usd: 0.5,
      cost_source: 'reported',
    });
    expect(
      normalizeEvent({ ...minimal, model: 'my-finetune', operation: 'chat', input_tokens: 9 }, options),
    ).toMatchObject({
      cost_usd: null,
      cost_source: 'unpriced',
    });
    expect(normalizeEvent({ ...minimal, operation: 'chat' }, options)).toMatchObject({
      cost_source: 'unpriced',
    });
  });

  it('ignores a cost_source sent by a producer', () => {
    const event = normalizeEvent(
      { ...minimal, operation: 'chat', cost_source: 'reported' },
      { nowMs: NOW_MS, priceTable: null, userIdSalt: null },
    );
    expect(event.cost_source).toBe('unpriced');
  });

  it('pseudonymises user_id with HMAC-SHA256(salt), hex', () => {
    const event = normalizeEvent(
      { ...minimal, operation: 'chat', user_id: 'alice@example.com' },
      { nowMs: NOW_MS, priceTable: null, userIdSalt: 'pepper' },
    );
    const expected = createHmac('sha256', 'pepper').update('alice@example.com').digest('hex');
    expect(event.user_id).toBe(expected);
    expect(hashUserId('alice@example.com', 'pepper')).toBe(expected);
    expect(hashUserId('alice@example.com', 'salt-2')).not.toBe(expected);
  });

  it('enrichEvent returns a new object and leaves its input alone', () => {
    const event = validEvent();
    const enriched = enrichEvent(event, { priceTable, userIdSalt: 's' });
    expect(event.cost_source).toBeNull();
    expect(enriched.cost_source).toBe('price_table');
    expect(enriched.user_id).not.toBe(event.user_id);
  });
});

describe('telemetryEventInputSchema (zod, aliases included)', () => {
  it('parses OTel-shaped input to the canonical event', () => {
    const parsed = telemetryEventInputSchema.parse({
      event_id: 'e',
      timestamp: '2025-09-01T12:00:00Z',
      tenant_id: 't',
      application: 'a',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.operation.name': 'embeddings',
    });
    expect(parsed).toMatchObject({ event_type: 'embedding', model: 'gpt-4o', timestamp: NOW_MS });
  });

  it('reports forbidden fields and inference failures as issues', () => {
    const forbidden = telemetryEventInputSchema.safeParse({ ...minimal, operation: 'chat', prompt: 'hi' });
    expect(forbidden.success).toBe(false);
    expect(forbidden.error?.issues[0]).toMatchObject({
      path: ['prompt'],
      params: { reason: 'forbidden_field' },
    });
    const missing = telemetryEventInputSchema.safeParse(minimal);
    expect(missing.error?.issues[0]?.path).toEqual(['event_type']);
  });
});
