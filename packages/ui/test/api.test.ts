import { describe, expect, it } from 'vitest';
import {
  ackBodySchema,
  BadRequest,
  incidentsQuerySchema,
  overviewQuerySchema,
  parseRequest,
  resolveRange,
  searchParamsObject,
  seriesQuerySchema,
} from '../src/api.js';
import { SERIES } from './fixtures.js';

const reasons = (fn: () => unknown): readonly string[] => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequest);
    return (error as BadRequest).reasons;
  }
  throw new Error('expected a BadRequest');
};

describe('API validation', () => {
  it('accepts the presets and a custom range, and resolves them against now', () => {
    const now = 1_765_000_000_500;
    expect(resolveRange(parseRequest(overviewQuerySchema, {}), now)).toEqual({
      fromMs: 1_765_000_001_000 - 86_400_000,
      toMs: 1_765_000_001_000,
    });
    expect(resolveRange(parseRequest(overviewQuerySchema, { range: '1h' }), now).fromMs).toBe(
      1_765_000_001_000 - 3_600_000,
    );
    const custom = parseRequest(overviewQuerySchema, {
      range: 'custom',
      from: '1765000000000',
      to: '1765003600000',
    });
    expect(resolveRange(custom, now)).toEqual({ fromMs: 1_765_000_000_000, toMs: 1_765_003_600_000 });
  });

  it('refuses bad ranges with a reason naming the parameter', () => {
    expect(reasons(() => parseRequest(overviewQuerySchema, { range: '2h' }))).toEqual([
      'range: range must be 1h, 24h, 7d or custom',
    ]);
    expect(
      reasons(() => parseRequest(overviewQuerySchema, { range: 'custom', from: '1765000000000' })),
    ).toEqual(['from: range=custom needs both from and to']);
    expect(
      reasons(() =>
        parseRequest(overviewQuerySchema, { range: 'custom', from: '1765003600000', to: '1765000000000' }),
      ),
    ).toEqual(['from: from must be before to']);
    expect(
      reasons(() =>
        parseRequest(overviewQuerySchema, { range: 'custom', from: '1700000000000', to: '1765000000000' }),
      ),
    ).toEqual(['to: a custom range spans at most 31 days']);
    expect(
      reasons(() => parseRequest(overviewQuerySchema, { range: 'custom', from: 'yesterday', to: '1' }))[0],
    ).toMatch(/^from: /);
    expect(reasons(() => parseRequest(overviewQuerySchema, { range: '1h', from: '1765000000000' }))).toEqual([
      'range: from and to go with range=custom only',
    ]);
  });

  it('refuses injection attempts and unknown parameters before any SQL exists', () => {
    for (const tenant of ["acme' OR 1=1 --", 'acme\\', "x'); DROP TABLE events; --", 'a\nb', '']) {
      expect(reasons(() => parseRequest(overviewQuerySchema, { tenant }))[0]).toMatch(
        /^tenant: tenant may hold only/,
      );
    }
    expect(reasons(() => parseRequest(overviewQuerySchema, { tennant: 'acme' }))[0]).toMatch(/tennant/);
    const series = SERIES;
    expect(parseRequest(seriesQuerySchema, series).model).toBe('gpt-4o-mini');
    expect(
      reasons(() => parseRequest(seriesQuerySchema, { ...series, model: "gpt' UNION SELECT 1" }))[0],
    ).toMatch(/^model: model may hold only/);
    expect(reasons(() => parseRequest(seriesQuerySchema, { tenant: 'acme' })).length).toBe(5);
    expect(reasons(() => parseRequest(incidentsQuerySchema, { severity: 'urgent' }))).toEqual([
      'severity: severity must be all or one of info, warning, critical',
    ]);
  });

  it('needs who acknowledges, and refuses a parameter given twice', () => {
    expect(reasons(() => parseRequest(ackBodySchema, { by: '  ' }))).toEqual([
      'by: by: who acknowledges is required',
    ]);
    expect(parseRequest(ackBodySchema, { by: ' dana ', note: 'on it' })).toEqual({
      by: 'dana',
      note: 'on it',
    });
    expect(() => searchParamsObject(new URLSearchParams('tenant=a&tenant=b'))).toThrow(
      'tenant: given more than once',
    );
  });
});
