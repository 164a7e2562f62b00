import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clickhouseConfigFromEnv,
  clickhouseExecutor,
  createClickHouseClient,
  migrate,
  serverVersion,
} from '@aiops/clickhouse';
import { REPO_ROOT } from '@aiops/harness';
import { createKafka, kafkaConfigFromEnv, kafkaConfigSchema } from '@aiops/kafka';
import { type StackOptionsInput, type StackUpReport, stackDown, stackStatus, stackUp } from '@aiops/stack';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../setup/endpoints.js';
import { capturedLogger, connectError, roundTrip, sharedKafkaLibs } from '../support/dedicated-broker.js';
import { createTestCertificates, type TestCertificates } from '../support/tls.js';

/**
 * TLS with throwaway certificates (openssl + keytool, made per run in a temp dir): a dedicated broker
 * whose only client listener is SSL, and a dedicated ClickHouse 18.16 with an HTTPS port and a user with
 * a password, both started by packages/stack on their own ports and data dir (the shared stack is never
 * touched). Our own clients, configured from environment variables through the real config parsers,
 * work with the CA and are refused with a readable error without it.
 */

const env: Readonly<Record<string, string | undefined>> = process.env;
const DATA_DIR = env.AIOPS_TLS_STACK_DIR ?? join(REPO_ROOT, '.aiops', 'tls');
const KAFKA_PORT = Number(env.AIOPS_TLS_KAFKA_PORT ?? 29492);
const CLICKHOUSE_HTTP_PORT = Number(env.AIOPS_TLS_CLICKHOUSE_HTTP_PORT ?? 28323);
const CLICKHOUSE_HTTPS_PORT = Number(env.AIOPS_TLS_CLICKHOUSE_HTTPS_PORT ?? 28443);
const BROKERS = `127.0.0.1:${KAFKA_PORT}`;
const CLICKHOUSE_HTTPS_URL = `https://127.0.0.1:${CLICKHOUSE_HTTPS_PORT}`;

// A throwaway user of a loopback test server.
const WRITER = { username: 'tls_writer', password: 'writer-pw-q8z3m1x' };

function stackOptions(certificates: TestCertificates): StackOptionsInput {
  const libs = sharedKafkaLibs();
  return {
    dataDir: DATA_DIR,
    kafkaPort: KAFKA_PORT,
    kafkaControllerPort: Number(env.AIOPS_TLS_KAFKA_CONTROLLER_PORT ?? KAFKA_PORT + 1),
    clickhouseHttpPort: CLICKHOUSE_HTTP_PORT,
    clickhouseTcpPort: Number(env.AIOPS_TLS_CLICKHOUSE_TCP_PORT ?? 29200),
    kafkaHeap: { min: '128m', max: '384m' },
    kafkaTls: {
      keystoreFile: certificates.keystoreFile,
      keystorePassword: certificates.keystorePassword,
      caFile: certificates.caFile,
    },
    clickhouseTls: {
      httpsPort: CLICKHOUSE_HTTPS_PORT,
      certificateFile: certificates.serverCertFile,
      privateKeyFile: certificates.serverKeyFile,
    },
    clickhouseUsers: [WRITER],
    installMissing: false,
    ...(libs ? { kafkaLibsDir: libs } : {}),
  };
}

/**
 * createKafka from environment variables, through the services' own parser. `retries` is the only
 * setting not from the environment: a refused certificate is retried like any connection error (about
 * two minutes by default), and the refusal tests need only the first attempt.
 */
function kafkaFromEnv(variables: Record<string, string>, retries?: number) {
  const captured = capturedLogger('it-tls');
  const config = kafkaConfigSchema.parse({
    ...kafkaConfigFromEnv({ KAFKA_BROKERS: BROKERS, ...variables }, uniqueName('it-tls')),
    ...(retries === undefined ? {} : { retries }),
  });
  return { config, kafka: createKafka(config, captured.logger), lines: captured.lines };
}

/** Node's words for a certificate no trusted CA signed (leaf only, or with its issuer in the chain). */
const UNTRUSTED = /unable to verify the first certificate|self-signed certificate in certificate chain/;

describe('TLS to Kafka and ClickHouse, on a dedicated local broker and server', () => {
  let workDir: string;
  let certificates: TestCertificates;
  let report: StackUpReport | undefined;
  const began = Date.now();

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'aiops-tls-'));
    const generated = Date.now();
    certificates = createTestCertificates(workDir);
    const generatedMs = Date.now() - generated;
    // A broker or server left by an interrupted run would serve a certificate of a CA that no longer
    // exists: stop it (only what this data dir's pid files name) and start afresh.
    await stackDown(stackOptions(certificates), ['kafka', 'clickhouse'], {});
    // {} as the environment: KAFKA_BROKERS / CLICKHOUSE_URL of the shared stack must not make these external.
    report = await stackUp(stackOptions(certificates), {});
    console.log(
      `[tls] certificates in ${(generatedMs / 1000).toFixed(1)} s; ` +
        `broker ${report.kafka.action} at ${report.kafka.endpoint} in ${(report.kafka.durationMs / 1000).toFixed(1)} s, ` +
        `ClickHouse ${report.clickhouse.action} in ${(report.clickhouse.durationMs / 1000).toFixed(1)} s`,
    );
  }, 150_000);

  afterAll(async () => {
    try {
      if (certificates === undefined) return;
      const down = await stackDown(stackOptions(certificates), ['kafka', 'clickhouse'], {});
      console.log(
        `[tls] broker ${down.kafka.action}, ClickHouse ${down.clickhouse.action}; ` +
          `whole file took ${((Date.now() - began) / 1000).toFixed(1)} s`,
      );
      // Nothing left behind: no live pid of ours, nothing answering on the ports.
      const after = await stackStatus(stackOptions(certificates), {});
      expect([after.kafka.state, after.clickhouse.state]).toEqual(['stopped', 'stopped']);
    } finally {
      if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
    }
  }, 90_000);

  describe('Kafka over SSL', () => {
    it('produces and consumes with KAFKA_TLS_CA_FILE', async () => {
      const { config, kafka } = kafkaFromEnv({ KAFKA_TLS_CA_FILE: certificates.caFile });
      expect(config.tls).toEqual({ enabled: true, caFile: certificates.caFile, rejectUnauthorized: true });
      const topic = uniqueName('it-tls');
      expect(await roundTrip(kafka, topic, ['one', 'two', 'three'])).toEqual(['one', 'two', 'three']);
    });

    it('without the CA (KAFKA_TLS=true, system CAs only) the broker is refused, with a readable error', async () => {
      const { config, kafka, lines } = kafkaFromEnv({ KAFKA_TLS: 'true' }, 0);
      expect(config.tls).toEqual({ enabled: true, rejectUnauthorized: true });
      const error = await connectError(kafka);
      expect(error.message).toMatch(new RegExp(`^Connection error: (${UNTRUSTED.source})$`));
      // What an operator sees in the service's log, once per attempt.
      expect(lines.join('')).toMatch(UNTRUSTED);
    });

    it('a CA that did not sign the broker certificate is refused the same way', async () => {
      const { kafka } = kafkaFromEnv({ KAFKA_TLS_CA_FILE: certificates.otherCaFile }, 0);
      expect((await connectError(kafka)).message).toMatch(UNTRUSTED);
    });

    it('a client without TLS gets no answer from the SSL listener', async () => {
      const plaintext = new kafkajs.Kafka({
        clientId: uniqueName('it-notls'),
        brokers: [BROKERS],
        connectionTimeout: 2000,
        requestTimeout: 2000,
        retry: { retries: 0 },
        logLevel: kafkajs.logLevel.NOTHING,
      });
      const admin = plaintext.admin();
      await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
      await admin.disconnect().catch(() => undefined);
    });
  });

  describe('ClickHouse over HTTPS', () => {
    it('runs a query with CLICKHOUSE_URL=https://… and CLICKHOUSE_CA_FILE', async () => {
      const config = clickhouseConfigFromEnv({
        CLICKHOUSE_URL: CLICKHOUSE_HTTPS_URL,
        CLICKHOUSE_CA_FILE: certificates.caFile,
      });
      const client = createClickHouseClient(config);
      try {
        expect(await serverVersion(client)).toMatch(/^\d+\.\d+/);
        const rows = await clickhouseExecutor(client).queryRows<{ one: number }>('SELECT 1 AS one');
        expect(rows).toEqual([{ one: 1 }]);
      } finally {
        await client.close();
      }
    });

    it('without the CA the server is refused, with a readable error', async () => {
      const client = createClickHouseClient(
        clickhouseConfigFromEnv({ CLICKHOUSE_URL: CLICKHOUSE_HTTPS_URL }),
      );
      try {
        await expect(client.query({ query: 'SELECT 1' })).rejects.toThrow(UNTRUSTED);
      } finally {
        await client.close();
      }
      const other = createClickHouseClient(
        clickhouseConfigFromEnv({
          CLICKHOUSE_URL: CLICKHOUSE_HTTPS_URL,
          CLICKHOUSE_CA_FILE: certificates.otherCaFile,
        }),
      );
      try {
        await expect(other.query({ query: 'SELECT 1' })).rejects.toThrow(UNTRUSTED);
      } finally {
        await other.close();
      }
    });

    it('the HTTPS port speaks only TLS', async () => {
      const client = createClickHouseClient(
        clickhouseConfigFromEnv({
          CLICKHOUSE_URL: `http://127.0.0.1:${CLICKHOUSE_HTTPS_PORT}`,
          CLICKHOUSE_REQUEST_TIMEOUT_MS: '3000',
        }),
      );
      try {
        await expect(client.query({ query: 'SELECT 1' })).rejects.toThrow();
      } finally {
        await client.close();
      }
    });

    it('the writer path over TLS with CLICKHOUSE_PASSWORD_FILE: migrations, then a wrong password is refused', async () => {
      const passwordFile = (name: string, content: string) => {
        const file = join(workDir, `${name}.password`);
        writeFileSync(file, content, { mode: 0o600 });
        return file;
      };
      const database = uniqueName('it_tls').replaceAll('-', '_');
      const variables = {
        CLICKHOUSE_URL: CLICKHOUSE_HTTPS_URL,
        CLICKHOUSE_CA_FILE: certificates.caFile,
        CLICKHOUSE_USER: WRITER.username,
        CLICKHOUSE_DATABASE: database,
      };
      const config = clickhouseConfigFromEnv({
        ...variables,
        CLICKHOUSE_PASSWORD_FILE: passwordFile('writer', `${WRITER.password}\n`),
      });
      // The password is not in the parsed config: logging it cannot leak the secret.
      expect(JSON.stringify(config)).not.toContain(WRITER.password);
      const client = createClickHouseClient(config);
      try {
        const result = await migrate(clickhouseExecutor(client), {
          dir: join(REPO_ROOT, 'schemas', 'clickhouse', 'migrations'),
          database,
        });
        expect(result.migrations.filter((m) => m.outcome === 'applied').length).toBeGreaterThan(0);
        const tables = await clickhouseExecutor(client).queryRows<{ name: string }>(
          `SELECT name FROM system.tables WHERE database = '${database}' AND name = 'events'`,
        );
        expect(tables).toEqual([{ name: 'events' }]);
      } finally {
        await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
        await client.close();
      }
      const wrong = createClickHouseClient(
        clickhouseConfigFromEnv({
          ...variables,
          CLICKHOUSE_PASSWORD_FILE: passwordFile('wrong', 'not-the-password\n'),
        }),
      );
      try {
        await expect(wrong.query({ query: 'SELECT 1' })).rejects.toThrow(
          /Wrong password for user tls_writer|Authentication failed/,
        );
      } finally {
        await wrong.close();
      }
    });
  });
});
