import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { costOf, loadPriceTable, type PriceTableJson } from '../src/pricing.js';
import { DEFAULT_PRICE_TABLE_URL } from '../src/topics.js';

const json = JSON.parse(readFileSync(DEFAULT_PRICE_TABLE_URL, 'utf8')) as PriceTableJson;
const table = loadPriceTable(json);

describe('price table', () => {
  it('loads schemas/pricing/prices.v1.json: version, date, five providers', () => {
    expect(table.version).toBe(json.version);
    expect(table.effectiveDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(new Set(json.models.map((m) => m.provider))).toEqual(
      new Set(['openai', 'anthropic', 'aws_bedrock', 'gcp_vertex_ai', 'azure_openai']),
    );
    expect(json.models.length).toBeGreaterThanOrEqual(15);
  });

  it.each([
    ['openai', 'gpt-4o', 'gpt-4o'],
    ['openai', 'gpt-4o-2024-08-06', 'gpt-4o'],
    ['openai', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['openai', 'GPT-4o-Mini', 'gpt-4o-mini'],
    ['openai', 'o3-2025-04-16', 'o3'],
    ['anthropic', 'claude-sonnet-4-20250514', 'claude-sonnet-4'],
    ['anthropic', 'claude-3-5-haiku-latest', 'claude-3-5-haiku'],
    ['aws_bedrock', 'anthropic.claude-sonnet-4-20250514-v1:0', 'anthropic.claude-sonnet-4'],
    ['aws_bedrock', 'us.anthropic.claude-3-5-haiku-20241022-v1:0', 'anthropic.claude-3-5-haiku'],
    ['aws_bedrock', 'amazon.nova-pro-v1:0', 'amazon.nova-pro'],
    ['gcp_vertex_ai', 'gemini-2.0-flash-001', 'gemini-2.0-flash'],
    ['gcp_vertex_ai', 'claude-sonnet-4@20250514', 'claude-sonnet-4'],
    ['azure_openai', 'gpt-4o-2024-11-20', 'gpt-4o'],
  ])('%s/%s is priced as %s', (provider, model, listed) => {
    expect(table.lookup(provider, model)?.model).toBe(listed);
  });

  it.each([
    ['openai', 'o3-mini'], // another model, not a dated o3
    ['openai', 'gpt-4o-audio-preview'],
    ['gcp_vertex_ai', 'gemini-2.0-flash-lite-001'],
    ['openai', 'claude-sonnet-4'], // right model, wrong provider
    ['mistral_ai', 'mistral-large'],
  ])('%s/%s is not in the table', (provider, model) => {
    expect(table.lookup(provider, model)).toBeNull();
  });

  it('computes cost with cached-input and reasoning prices', () => {
    const price = table.lookup('openai', 'o4-mini');
    expect(price).not.toBeNull();
    if (price === null) return;
    const usage = {
      input_tokens: 10_000,
      cache_read_input_tokens: 4_000,
      output_tokens: 2_000,
      reasoning_output_tokens: 1_500,
    };
    // 6000 uncached × 1.10 + 4000 cached × 0.275 + 500 × 4.40 + 1500 reasoning × 4.40, per 1M tokens
    expect(costOf(price, usage)).toBeCloseTo((6000 * 1.1 + 4000 * 0.275 + 500 * 4.4 + 1500 * 4.4) / 1e6, 12);
  });

  it('treats more cache reads than input as the other convention (input excludes cache reads)', () => {
    const price = table.lookup('anthropic', 'claude-sonnet-4');
    if (price === null) throw new Error('missing');
    const usage = {
      input_tokens: 100,
      cache_read_input_tokens: 5_000,
      output_tokens: 10,
      reasoning_output_tokens: null,
    };
    expect(costOf(price, usage)).toBeCloseTo((100 * 3 + 5000 * 0.3 + 10 * 15) / 1e6, 12);
  });

  it('gives no cost without any token count', () => {
    expect(
      table.costUsd('openai', 'gpt-4o', {
        input_tokens: null,
        output_tokens: null,
        cache_read_input_tokens: null,
        reasoning_output_tokens: 5,
      }),
    ).toBeNull();
  });

  it('refuses a malformed or ambiguous table with a readable error', () => {
    expect(() => loadPriceTable({ ...json, models: [{ ...json.models[0], input: -1 }] })).toThrow(
      /invalid price table at models.0.input/,
    );
    expect(() => loadPriceTable({ ...json, models: [json.models[0], json.models[0]] })).toThrow(
      /listed twice/,
    );
    expect(() => loadPriceTable({ ...json, currency: 'EUR' })).toThrow(/currency/);
  });
});
