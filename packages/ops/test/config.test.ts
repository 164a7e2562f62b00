import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, csv, parseConfig } from '../src/index.js';

const schema = z.strictObject({
  kafka: z.strictObject({ brokers: z.array(z.string().min(1)).min(1) }),
  batchRows: z.number().int().positive(),
});

describe('parseConfig', () => {
  it('returns the parsed value when valid', () => {
    expect(parseConfig(schema, { kafka: { brokers: ['a:1'] }, batchRows: 5 }, 'test config')).toEqual({
      kafka: { brokers: ['a:1'] },
      batchRows: 5,
    });
  });

  it('names every bad key in one readable error', () => {
    try {
      parseConfig(schema, { kafka: { brokers: [] }, batchRows: -1, extra: true }, 'writer config');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toContain('invalid writer config');
      expect(message).toContain('kafka.brokers:');
      expect(message).toContain('batchRows:');
      expect(message).toMatch(/extra/);
    }
  });
});

describe('csv', () => {
  it('splits, trims and drops empties', () => {
    expect(csv(' a:1, b:2 ,,')).toEqual(['a:1', 'b:2']);
    expect(csv('')).toBeUndefined();
    expect(csv(undefined)).toBeUndefined();
  });
});
