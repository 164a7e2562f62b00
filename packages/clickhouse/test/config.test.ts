import { describe, expect, it } from 'vitest';
import { clickhouseConfigFromEnv, clickhouseConfigSchema, parseClickHouseConfig } from '../src/config.js';
import { sinkSettingsSchema } from '../src/sink.js';

describe('clickhouseConfigSchema', () => {
  it('fills defaults', () => {
    expect(parseClickHouseConfig({ url: 'http://127.0.0.1:18123' })).toEqual({
      url: 'http://127.0.0.1:18123',
      username: 'default',
      password: '',
      database: 'aiops',
      requestTimeoutMs: 30_000,
      maxOpenConnections: 10,
      application: 'aiops',
    });
  });

  it('moves credentials and database out of the URL; explicit keys win', () => {
    expect(parseClickHouseConfig({ url: 'http://bob:s%40cret@ch.example:8123/analytics' })).toMatchObject({
      url: 'http://ch.example:8123',
      username: 'bob',
      password: 's@cret',
      database: 'analytics',
    });
    expect(
      parseClickHouseConfig({ url: 'https://bob:x@ch.example:8443/', username: 'alice', database: 'other' }),
    ).toMatchObject({ url: 'https://ch.example:8443', username: 'alice', password: 'x', database: 'other' });
  });

  it('refuses unknown keys, non-HTTP URLs, bad database names and bad timeouts, naming the key', () => {
    expect(() => parseClickHouseConfig({ url: 'http://h:1', databse: 'x' })).toThrow(/databse/);
    expect(() => parseClickHouseConfig({ url: 'tcp://h:9000' })).toThrow(/url/);
    expect(() => parseClickHouseConfig({ url: 'http://h:1', database: 'a-b' })).toThrow(/database/);
    expect(() => parseClickHouseConfig({ url: 'http://h:1', requestTimeoutMs: 0 })).toThrow(
      /requestTimeoutMs/,
    );
    expect(clickhouseConfigSchema.safeParse({}).success).toBe(false);
  });
});

describe('clickhouseConfigFromEnv', () => {
  it('uses the local stack when nothing is set', () => {
    expect(clickhouseConfigFromEnv({})).toMatchObject({ url: 'http://127.0.0.1:18123', database: 'aiops' });
  });

  it('reads the CLICKHOUSE_* variables; overrides win', () => {
    const env = {
      CLICKHOUSE_URL: 'http://ch:8123',
      CLICKHOUSE_USER: 'writer',
      CLICKHOUSE_PASSWORD: 'pw',
      CLICKHOUSE_DATABASE: 'prod',
      CLICKHOUSE_REQUEST_TIMEOUT_MS: '5000',
    };
    expect(clickhouseConfigFromEnv(env)).toMatchObject({
      url: 'http://ch:8123',
      username: 'writer',
      password: 'pw',
      database: 'prod',
      requestTimeoutMs: 5000,
    });
    expect(clickhouseConfigFromEnv(env, { database: 'scratch', url: undefined })).toMatchObject({
      url: 'http://ch:8123',
      database: 'scratch',
    });
  });

  it('reports a bad variable by name', () => {
    expect(() => clickhouseConfigFromEnv({ CLICKHOUSE_REQUEST_TIMEOUT_MS: 'soon' })).toThrow(
      /requestTimeoutMs/,
    );
  });
});

describe('sinkSettingsSchema', () => {
  it('defaults to ClickHouse guidance: 5000 rows or 1 s per batch', () => {
    expect(sinkSettingsSchema.parse({})).toMatchObject({ maxBatchRows: 5000, maxBatchDelayMs: 1000 });
  });

  it('refuses unknown keys and nonsense', () => {
    expect(sinkSettingsSchema.safeParse({ batchRows: 10 }).success).toBe(false);
    expect(sinkSettingsSchema.safeParse({ maxBatchRows: 0 }).success).toBe(false);
    expect(sinkSettingsSchema.safeParse({ maxAttempts: 1.5 }).success).toBe(false);
  });
});
