import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepoRoot, parseSaslUsers, resolveStackOptions } from '../src/options.js';

describe('resolveStackOptions', () => {
  it('defaults to the documented ports and <repo>/.aiops', () => {
    const options = resolveStackOptions({}, {});
    expect(options).toMatchObject({
      kafkaPort: 19092,
      kafkaControllerPort: 19093,
      clickhouseHttpPort: 18123,
      clickhouseTcpPort: 19000,
      kafkaHeap: { min: '256m', max: '768m' },
      installMissing: true,
    });
    expect(options.dataDir).toBe(join(options.rootDir, '.aiops'));
    expect(existsSync(join(options.rootDir, 'infra', 'kafka', 'pom.xml'))).toBe(true);
    expect(options.kafkaBrokers).toBeUndefined();
    expect(options.clickhouseUrl).toBeUndefined();
  });

  it('takes external endpoints and the data dir from the environment; explicit options win', () => {
    const env = {
      KAFKA_BROKERS: 'k1:9092,k2:9092',
      CLICKHOUSE_URL: 'http://ch:8123',
      AIOPS_STACK_DIR: '/tmp/aiops-stack',
      AIOPS_KAFKA_PORT: '29092',
      AIOPS_KAFKA_CONTROLLER_PORT: '29093',
      AIOPS_CLICKHOUSE_HTTP_PORT: '28123',
      AIOPS_CLICKHOUSE_TCP_PORT: '29000',
    };
    expect(resolveStackOptions({}, env)).toMatchObject({
      kafkaBrokers: 'k1:9092,k2:9092',
      clickhouseUrl: 'http://ch:8123',
      dataDir: '/tmp/aiops-stack',
      kafkaPort: 29092,
      kafkaControllerPort: 29093,
      clickhouseHttpPort: 28123,
      clickhouseTcpPort: 29000,
    });
    expect(() => resolveStackOptions({}, { AIOPS_KAFKA_PORT: 'x' })).toThrow(/kafkaPort/);
    expect(resolveStackOptions({ dataDir: '/elsewhere', kafkaBrokers: 'x:1' }, env)).toMatchObject({
      dataDir: '/elsewhere',
      kafkaBrokers: 'x:1',
    });
  });

  it('refuses bad ports, clashing ports, unknown keys and non-HTTP ClickHouse URLs', () => {
    expect(() => resolveStackOptions({ kafkaPort: 70_000 }, {})).toThrow(/kafkaPort/);
    expect(() => resolveStackOptions({ clickhouseHttpPort: 19092 }, {})).toThrow(/must all differ/);
    expect(() => resolveStackOptions({ kafkaPrt: 1 } as never, {})).toThrow(/kafkaPrt/);
    expect(() => resolveStackOptions({}, { CLICKHOUSE_URL: 'tcp://ch:9000' })).toThrow(/clickhouseUrl/);
    expect(() => resolveStackOptions({ kafkaHeap: { min: '1', max: '2g' } }, {})).toThrow(/kafkaHeap/);
  });

  it('cluster mode: from AIOPS_STACK_CLUSTER, its node ports must not clash, PLAINTEXT only', () => {
    expect(resolveStackOptions({}, {}).cluster).toBe(false);
    expect(resolveStackOptions({}, { AIOPS_STACK_CLUSTER: 'true' }).cluster).toBe(true);
    expect(() => resolveStackOptions({ cluster: true, clickhouseHttpPort: 19192 }, {})).toThrow(
      /must all differ/,
    );
    expect(() =>
      resolveStackOptions(
        { cluster: true, kafkaSasl: { users: [{ username: 'a', password: 'password1' }] } },
        {},
      ),
    ).toThrow(/PLAINTEXT only/);
  });
});

describe('SASL and shared jars', () => {
  it('reads SASL users from a file named by AIOPS_KAFKA_SASL_USERS_FILE, and the jars folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aiops-sasl-opts-'));
    const file = join(dir, 'users');
    writeFileSync(file, '# broker first\nbroker:broker-secret-1\n\nalice:alice-secret-2\n');
    const options = resolveStackOptions(
      {},
      { AIOPS_KAFKA_SASL_USERS_FILE: file, AIOPS_KAFKA_LIBS_DIR: '/libs' },
    );
    expect(options.kafkaSasl?.users).toEqual([
      { username: 'broker', password: 'broker-secret-1' },
      { username: 'alice', password: 'alice-secret-2' },
    ]);
    expect(options.kafkaLibsDir).toBe('/libs');
    expect(resolveStackOptions({}, {}).kafkaSasl).toBeUndefined();
  });

  it('refuses short passwords, characters that need quoting, duplicate users and bad lines', () => {
    const users = (list: { username: string; password: string }[]) => ({ kafkaSasl: { users: list } });
    expect(() => resolveStackOptions(users([{ username: 'a', password: 'short' }]), {})).toThrow(/password/);
    expect(() => resolveStackOptions(users([{ username: 'a b', password: 'long-enough' }]), {})).toThrow(
      /username/,
    );
    expect(() =>
      resolveStackOptions(
        users([
          { username: 'a', password: 'long-enough' },
          { username: 'a', password: 'long-enough2' },
        ]),
        {},
      ),
    ).toThrow(/unique/);
    expect(() => resolveStackOptions(users([]), {})).toThrow(/kafkaSasl/);
    expect(() => parseSaslUsers('no-colon-here')).toThrow(/line 1: expected username:password/);
    expect(() => resolveStackOptions({}, { AIOPS_KAFKA_SASL_USERS_FILE: '/nonexistent/users' })).toThrow(
      /cannot read AIOPS_KAFKA_SASL_USERS_FILE/,
    );
  });
});

describe('TLS and ClickHouse users', () => {
  const kafkaTls = {
    keystoreFile: '/certs/broker.p12',
    keystorePassword: 'ks-0123abcd',
    caFile: '/certs/ca.pem',
  };
  const clickhouseTls = { httpsPort: 28443, certificateFile: '/certs/s.pem', privateKeyFile: '/certs/s.key' };

  it('accepts an SSL broker, an HTTPS port and users with a password', () => {
    const options = resolveStackOptions(
      { kafkaTls, clickhouseTls, clickhouseUsers: [{ username: 'writer', password: 'any pw & <chars>' }] },
      {},
    );
    expect(options).toMatchObject({ kafkaTls, clickhouseTls });
    expect(options.clickhouseUsers).toHaveLength(1);
  });

  it('refuses SASL with TLS, a clashing HTTPS port, unquotable keystore passwords and bad user names', () => {
    const sasl = { users: [{ username: 'broker', password: 'broker-secret-1' }] };
    expect(() => resolveStackOptions({ kafkaTls, kafkaSasl: sasl }, {})).toThrow(/no SASL_SSL listener/);
    expect(() => resolveStackOptions({ clickhouseTls: { ...clickhouseTls, httpsPort: 18123 } }, {})).toThrow(
      /must all differ/,
    );
    expect(() =>
      resolveStackOptions({ kafkaTls: { ...kafkaTls, keystorePassword: 'has space' } }, {}),
    ).toThrow(/keystorePassword/);
    expect(() => resolveStackOptions({ kafkaTls: { ...kafkaTls, caFile: undefined } } as never, {})).toThrow(
      /caFile/,
    );
    const user = (username: string) => ({ clickhouseUsers: [{ username, password: 'long-enough' }] });
    expect(() => resolveStackOptions(user('a-b'), {})).toThrow(/username/);
    expect(() => resolveStackOptions(user('default'), {})).toThrow(/defined in users.xml/);
    expect(() => resolveStackOptions(user('analyst'), {})).toThrow(/defined in users.xml/);
    expect(() =>
      resolveStackOptions(
        {
          clickhouseUsers: [
            { username: 'w', password: 'long-enough' },
            { username: 'w', password: 'long-enough2' },
          ],
        },
        {},
      ),
    ).toThrow(/unique/);
    expect(() =>
      resolveStackOptions({ clickhouseUsers: [{ username: 'w', password: 'short' }] }, {}),
    ).toThrow(/password/);
  });
});

describe('findRepoRoot', () => {
  it('finds the folder with infra/kafka/pom.xml from anywhere inside the repository', () => {
    const root = findRepoRoot();
    expect(findRepoRoot(join(root, 'packages', 'stack', 'src'))).toBe(root);
    expect(() => findRepoRoot('/')).toThrow(/repository root/);
  });
});
