import { ContractError } from '@aiops/contract';
import { afterAll, describe, expect, it } from 'vitest';
import { createTelemetryClient } from '../src/client.js';

// No broker is needed: an invalid event is refused synchronously, before anything is buffered or sent,
// and nothing valid is recorded here (the integration test does that against the real broker).
const client = createTelemetryClient({ brokers: ['127.0.0.1:1'], lingerMs: 60_000 });
afterAll(() => client.close());

const NOW = Date.now();
const base = {
  event_id: 'e-1',
  timestamp: NOW,
  tenant_id: 'acme',
  application: 'bot',
  provider: 'openai',
  model: 'gpt-4o',
  operation: 'chat',
};

function refusal(event: Record<string, unknown>): ContractError {
  try {
    client.record(event as never);
  } catch (error) {
    expect(error).toBeInstanceOf(ContractError);
    return error as ContractError;
  }
  throw new Error('record() accepted an invalid event');
}

describe('TelemetryClient.record validation', () => {
  it('throws a readable error naming the field and the rule', () => {
    expect(refusal({ ...base, input_tokens: -1 }).message).toBe('field input_tokens: must be >= 0');
    expect(refusal({ ...base, input_tokens: 2.5 }).message).toBe('field input_tokens: must be an integer');
    expect(refusal({ ...base, tenant_id: '' }).message).toBe('field tenant_id: must not be empty');
    expect(refusal({ ...base, scores: { relevance: 7 } }).message).toBe(
      'field scores.relevance: must be in [0, 1]',
    );
    expect(refusal({ ...base, model: undefined }).message).toBe('field model: is required');
    expect(refusal({ ...base, tokens: 3 }).message).toBe(
      'field tokens: unknown field; put custom data in attributes',
    );
  });

  it('refuses prompt and completion text', () => {
    const error = refusal({ ...base, attributes: { 'gen_ai.prompt': 'What is the capital of France?' } });
    expect(error.reason).toBe('forbidden_field');
    expect(error.field).toBe('attributes["gen_ai.prompt"]');
  });

  it('refuses timestamps out of the allowed range (seconds instead of milliseconds, say)', () => {
    const error = refusal({ ...base, timestamp: Math.floor(NOW / 1000) });
    expect(error.field).toBe('timestamp');
    expect(error.message).toMatch(/more than 30 days before now/);
  });

  it('buffered nothing for all those refusals', () => {
    expect(client.stats()).toMatchObject({ accepted: 0, buffered: 0, dropped: 0 });
  });

  it('needs brokers or a kafka client', () => {
    expect(() => createTelemetryClient({})).toThrow(
      'createTelemetryClient needs brokers (or a kafka client)',
    );
  });
});
