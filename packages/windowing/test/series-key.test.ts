import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seriesKey, seriesOf } from '../src/index.js';
import { makeEvent } from './helpers.js';

describe('seriesKey', () => {
  it('joins the six dimensions in contract order', () => {
    expect(seriesKey(makeEvent())).toBe('t1|chat|prod|openai|gpt-4o|chat');
  });

  it('never gives two different series the same key (property)', () => {
    const value = fc.string({ unit: fc.constantFrom('a', '|', '\\', 'b'), maxLength: 4 });
    const series = fc.record({
      tenant_id: value,
      application: value,
      environment: value,
      provider: value,
      model: value,
      operation: value,
    });
    fc.assert(
      fc.property(series, series, (a, b) => {
        const same = JSON.stringify(seriesOf(a)) === JSON.stringify(seriesOf(b));
        expect(seriesKey(a) === seriesKey(b)).toBe(same);
      }),
      { numRuns: 2000 },
    );
  });

  it('seriesOf keeps only the dimensions, frozen', () => {
    const series = seriesOf(makeEvent());
    expect(Object.keys(series)).toEqual([
      'tenant_id',
      'application',
      'environment',
      'provider',
      'model',
      'operation',
    ]);
    expect(Object.isFrozen(series)).toBe(true);
  });
});
