import { readFileSync } from 'node:fs';
import {
  createParseContext,
  encodeEventJson,
  eventCodec,
  loadPriceTable,
  parseSeriesKey,
} from '@aiops/contract';
import { describe, expect, it } from 'vitest';
import { RecentIds, validateMessages } from '../src/index.js';

const priceTable = loadPriceTable(
  JSON.parse(readFileSync(new URL('../../../schemas/pricing/prices.v1.json', import.meta.url), 'utf8')),
);
const NOW = Date.parse('2026-11-20T12:00:00Z');
const context = { ...createParseContext({ priceTable, userIdSalt: 'test-salt-123' }), nowMs: NOW };

function rawJson(overrides: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      event_id: 'e-1',
      event_type: 'llm_call',
      timestamp: '2026-11-20T11:59:00Z',
      tenant_id: 'acme',
      application: 'support-bot',
      provider: 'openai',
      model: 'gpt-4o',
      operation: 'chat',
      status: 'ok',
      duration_ms: 812,
      input_tokens: 1200,
      output_tokens: 300,
      user_id: 'alice@example.com',
      ...overrides,
    }),
  );
}

describe('validateMessages', () => {
  it('turns valid JSON into canonical Avro keyed by series, pricing and hashing on the way', () => {
    const result = validateMessages([{ value: rawJson(), offset: '0' }], context, new RecentIds(10), 1 << 20);
    expect(result.rejected).toEqual([]);
    expect(result.valid).toHaveLength(1);
    const out = result.valid[0]!;
    expect(parseSeriesKey(out.key)).toEqual({
      tenant_id: 'acme',
      application: 'support-bot',
      environment: 'production',
      provider: 'openai',
      model: 'gpt-4o',
      operation: 'chat',
    });
    const decoded = eventCodec.decode(out.value);
    expect(decoded.event_id).toBe('e-1');
    expect(decoded.cost_source).toBe('price_table');
    expect(decoded.cost_usd).toBeGreaterThan(0);
    expect(decoded.user_id).not.toContain('alice');
  });

  it('dead-letters every bad message with a reason and keeps the good ones', () => {
    const messages = [
      { value: rawJson({ event_id: 'ok-1' }), offset: '0' },
      { value: Buffer.from('{"event_id": '), offset: '1' },
      { value: rawJson({ event_id: 'bad-tokens', input_tokens: -5 }), offset: '2' },
      { value: null, offset: '3' },
      { value: Buffer.alloc(2048, 0x41), offset: '4' },
      { value: Buffer.from([0xc3, 0x01, 1, 2, 3]), offset: '5' },
      { value: rawJson({ event_id: 'ok-2' }), offset: '6' },
    ];
    const result = validateMessages(messages, context, new RecentIds(10), 1024);
    expect(result.valid.map((v) => v.event.event_id)).toEqual(['ok-1', 'ok-2']);
    expect(result.rejected.map((r) => [r.index, r.reason])).toEqual([
      [1, 'invalid_json'],
      [2, 'schema_violation'],
      [3, 'empty_message'],
      [4, 'message_too_large'],
      [5, 'truncated_avro'],
    ]);
    expect(result.rejected[1]!.field).toBe('input_tokens');
    expect(result.valid.length + result.rejected.length + result.duplicates).toBe(messages.length);
  });

  it('drops a repeated event_id as a duplicate', () => {
    const recent = new RecentIds(10);
    const first = validateMessages([{ value: rawJson(), offset: '0' }], context, recent, 1 << 20);
    const again = validateMessages(
      [
        { value: rawJson(), offset: '1' },
        { value: encodeEventJson(first.valid[0]!.event), offset: '2' },
      ],
      context,
      recent,
      1 << 20,
    );
    expect(again.valid).toHaveLength(0);
    expect(again.duplicates).toBe(2);
  });
});

describe('RecentIds', () => {
  it('forgets the oldest id beyond its capacity', () => {
    const recent = new RecentIds(2);
    expect(recent.seen('a')).toBe(false);
    expect(recent.seen('b')).toBe(false);
    expect(recent.seen('a')).toBe(true);
    expect(recent.seen('c')).toBe(false);
    expect(recent.size).toBe(2);
    expect(recent.seen('a')).toBe(false);
  });
});
