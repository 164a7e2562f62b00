import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@aiops/ops';
import { afterAll, describe, expect, it } from 'vitest';
import { createClickHouseClient } from '../src/client.js';
import {
  clickhouseConfigFromEnv,
  clickhouseConfigSchema,
  parseClickHouseConfig,
  resolveClickHousePassword,
} from '../src/config.js';
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

describe('the password file (CLICKHOUSE_PASSWORD_FILE / passwordFile)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aiops-ch-secret-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const secret = (name: string, content: string): string => {
    const file = join(dir, name);
    writeFileSync(file, content, { mode: 0o600 });
    return file;
  };

  it('is read without its trailing line break; other whitespace belongs to the password', () => {
    const file = secret('newline', 'ch-pw-from-file\n');
    const config = clickhouseConfigFromEnv({ CLICKHOUSE_PASSWORD_FILE: file });
    expect(config).toMatchObject({ password: '', passwordFile: file });
    expect(resolveClickHousePassword(config)).toBe('ch-pw-from-file');
    expect(resolveClickHousePassword({ password: '', passwordFile: secret('crlf', ' a b \r\n') })).toBe(
      ' a b ',
    );
    expect(resolveClickHousePassword(parseClickHouseConfig({ url: 'http://h:1', password: 'inline' }))).toBe(
      'inline',
    );
  });

  it('a missing or empty file fails with its path and the variable named', () => {
    const missing = join(dir, 'not-mounted');
    const config = clickhouseConfigFromEnv({ CLICKHOUSE_PASSWORD_FILE: missing });
    expect(() => resolveClickHousePassword(config)).toThrow(
      `cannot read ClickHouse password file ${missing} (CLICKHOUSE_PASSWORD_FILE): ENOENT`,
    );
    // The client reads it when it is created, i.e. at start, not at the first query.
    expect(() => createClickHouseClient(config)).toThrow(/cannot read ClickHouse password file/);
    const empty = secret('empty', '\n');
    expect(() => resolveClickHousePassword({ password: '', passwordFile: empty })).toThrow(
      `ClickHouse password file ${empty} (CLICKHOUSE_PASSWORD_FILE) is empty`,
    );
  });

  it('and a password are mutually exclusive, wherever the password comes from', () => {
    const file = secret('both', 'x\n');
    expect(() =>
      clickhouseConfigFromEnv({ CLICKHOUSE_PASSWORD: 'inline', CLICKHOUSE_PASSWORD_FILE: file }),
    ).toThrow(/passwordFile: give either password or passwordFile, not both/);
    expect(() => parseClickHouseConfig({ url: 'http://u:inline@h:1', passwordFile: file })).toThrow(
      /passwordFile/,
    );
    // An empty CLICKHOUSE_PASSWORD is "no password", not a second source.
    expect(
      clickhouseConfigFromEnv({ CLICKHOUSE_PASSWORD: '', CLICKHOUSE_PASSWORD_FILE: file }),
    ).toMatchObject({
      passwordFile: file,
    });
    expect(() => parseClickHouseConfig({ url: 'http://h:1', passwordFile: '' })).toThrow(/passwordFile/);
  });

  it('an override (aiops migrate --password / --password-file) replaces both variables', () => {
    const file = secret('override', 'from-file\n');
    const env = { CLICKHOUSE_PASSWORD_FILE: file };
    const inline = clickhouseConfigFromEnv(env, { password: 'from-flag' });
    expect(inline.passwordFile).toBeUndefined();
    expect(resolveClickHousePassword(inline)).toBe('from-flag');
    const other = secret('other', 'other-file\n');
    const fromFlag = clickhouseConfigFromEnv({ CLICKHOUSE_PASSWORD: 'env-pw' }, { passwordFile: other });
    expect(resolveClickHousePassword(fromFlag)).toBe('other-file');
  });

  it('a parsed config can be parsed again (services embed clickhouseConfigSchema)', () => {
    const config = clickhouseConfigFromEnv({ CLICKHOUSE_PASSWORD_FILE: secret('again', 'p\n') });
    expect(parseClickHouseConfig(config)).toEqual(config);
  });

  it('logging the configuration shows neither the password nor the file content', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const logger = createLogger({ service: 'test', destination });
    const fromFile = clickhouseConfigFromEnv({
      CLICKHOUSE_USER: 'writer',
      CLICKHOUSE_PASSWORD_FILE: secret('logged', 'file-pw-7q2\n'),
    });
    const inline = clickhouseConfigFromEnv({
      CLICKHOUSE_USER: 'writer',
      CLICKHOUSE_PASSWORD: 'inline-pw-3k8',
    });
    logger.info({ config: { clickhouse: fromFile } }, 'writer configuration');
    logger.info({ config: { clickhouse: inline } }, 'writer configuration');
    logger.info(inline, 'top level');
    const log = lines.join('');
    expect(log).toContain('"username":"writer"');
    for (const secretValue of ['file-pw-7q2', 'inline-pw-3k8']) expect(log).not.toContain(secretValue);
  });
});

describe('the CA file (CLICKHOUSE_CA_FILE)', () => {
  it('is read when the client is created; a missing file is named', () => {
    const config = clickhouseConfigFromEnv({
      CLICKHOUSE_URL: 'https://127.0.0.1:8443',
      CLICKHOUSE_CA_FILE: '/nonexistent/ca.pem',
    });
    expect(config.tlsCaFile).toBe('/nonexistent/ca.pem');
    expect(() => createClickHouseClient(config)).toThrow(
      'cannot read ClickHouse CA file /nonexistent/ca.pem (CLICKHOUSE_CA_FILE): ENOENT',
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
