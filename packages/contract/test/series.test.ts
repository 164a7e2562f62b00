import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSeriesKey, seriesKey, seriesMatchesFilter, seriesOf } from '../src/series.js';
import { validEvent } from './fixtures.js';

const series = {
  tenant_id: 'acme',
  application: 'bot',
  environment: 'production',
  provider: 'openai',
  model: 'gpt-4o',
  operation: 'chat',
};

describe('series keys', () => {
  it('joins the six dimensions in order with "|"', () => {
    expect(seriesKey(series)).toBe('acme|bot|production|openai|gpt-4o|chat');
  });

  it('escapes the separator and the escape character', () => {
    const key = seriesKey({ ...series, tenant_id: 'a|b', model: 'c\\d|' });
    expect(key).toBe('a\\|b|bot|production|openai|c\\\\d\\||chat');
    expect(parseSeriesKey(key)).toEqual({ ...series, tenant_id: 'a|b', model: 'c\\d|' });
  });

  it('round-trips any six strings and never collides (property)', () => {
    const dims = fc.record({
      tenant_id: fc.string(),
      application: fc.string(),
      environment: fc.string(),
      provider: fc.string(),
      model: fc.string(),
      operation: fc.string(),
    });
    fc.assert(
      fc.property(dims, dims, (a, b) => {
        expect(parseSeriesKey(seriesKey(a))).toEqual(a);
        if (JSON.stringify(a) !== JSON.stringify(b)) expect(seriesKey(a)).not.toBe(seriesKey(b));
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses strings seriesKey cannot produce', () => {
    expect(() => parseSeriesKey('a|b|c')).toThrow(/has 3 parts, expected 6/);
    expect(() => parseSeriesKey('a|b|c|d|e|f\\x')).toThrow(/dangling escape/);
  });

  it('seriesOf picks the six dimensions of an event', () => {
    const event = validEvent();
    expect(seriesOf(event)).toEqual({
      tenant_id: event.tenant_id,
      application: event.application,
      environment: event.environment,
      provider: event.provider,
      model: event.model,
      operation: event.operation,
    });
  });
});

describe('seriesMatchesFilter', () => {
  it('matches when no dimension present on both sides differs', () => {
    const full = {
      tenant_id: 'acme',
      application: 'a',
      environment: 'production',
      provider: 'openai',
      model: 'm',
      operation: 'chat',
    };
    expect(seriesMatchesFilter({ provider: 'openai' }, full)).toBe(true);
    expect(seriesMatchesFilter({ provider: 'anthropic' }, full)).toBe(false);
    // a tenant/app-level alert (other dimensions aggregated away)
    expect(
      seriesMatchesFilter(
        { tenant_id: 'acme', application: 'a', environment: 'production' },
        { tenant_id: 'acme', application: 'a', environment: null },
      ),
    ).toBe(true);
    expect(
      seriesMatchesFilter({ tenant_id: 'acme', application: 'a' }, { tenant_id: 'acme', application: 'b' }),
    ).toBe(false);
    expect(seriesMatchesFilter({}, full)).toBe(true);
  });
});
