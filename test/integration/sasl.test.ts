import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@aiops/harness';
import { createKafka, kafkaConfigSchema } from '@aiops/kafka';
import { createPipelineMetrics } from '@aiops/ops';
import { startValidator, validatorConfigFromEnv } from '@aiops/service-validator';
import { type StackOptionsInput, type StackUpReport, stackDown, stackUp } from '@aiops/stack';
import type { KafkaMessage } from 'kafkajs';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseUrl, uniqueName } from '../setup/endpoints.js';
import { capturedLogger, connectError, roundTrip, sharedKafkaLibs } from '../support/dedicated-broker.js';

/**
 * A dedicated broker with SASL_PLAINTEXT only (SCRAM-SHA-512, SCRAM-SHA-256, PLAIN), started by
 * packages/stack on its own ports and data dir (the shared stack is never touched): right passwords work
 * through @aiops/kafka's createKafka (password files included), wrong ones fail with a readable
 * authentication error, an unauthenticated client is refused, a service runs over it, and no password
 * reaches a log line.
 */

const env: Readonly<Record<string, string | undefined>> = process.env;
const DATA_DIR = env.AIOPS_SASL_STACK_DIR ?? join(REPO_ROOT, '.aiops', 'sasl');
const KAFKA_PORT = Number(env.AIOPS_SASL_KAFKA_PORT ?? 29392);
const BROKERS = [`127.0.0.1:${KAFKA_PORT}`];

// Throwaway credentials of a loopback test broker. SCRAM users are fixed when the storage is formatted,
// so they stay the same from run to run (a reused broker keeps them).
const BROKER_USER = { username: 'aiops-broker', password: 'broker-pw-5bq1s0' };
const ALICE = { username: 'alice', password: 'alice-pw-9xk27fa' };
const BOB = { username: 'bob', password: 'bob-pw-m3v81qz' };
const WRONG = 'definitely-not-it-4242';

function stackOptions(): StackOptionsInput {
  const libs = sharedKafkaLibs();
  return {
    dataDir: DATA_DIR,
    kafkaPort: KAFKA_PORT,
    kafkaControllerPort: Number(env.AIOPS_SASL_KAFKA_CONTROLLER_PORT ?? KAFKA_PORT + 1),
    // Only Kafka is provisioned: the shared ClickHouse is given as external and merely probed.
    clickhouseUrl: clickhouseUrl(),
    kafkaHeap: { min: '128m', max: '384m' },
    kafkaSasl: { users: [BROKER_USER, ALICE, BOB] },
    installMissing: false,
    ...(libs ? { kafkaLibsDir: libs } : {}),
  };
}

function passwordFile(name: string, password: string): string {
  const dir = join(DATA_DIR, 'secrets');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

type Mechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

function client(
  mechanism: Mechanism,
  username: string,
  secret: { password?: string; passwordFile?: string },
) {
  const captured = capturedLogger('it-sasl');
  const kafka = createKafka(
    kafkaConfigSchema.parse({
      brokers: BROKERS,
      clientId: uniqueName('it-sasl'),
      sasl: { mechanism, username, ...secret },
      connectionTimeoutMs: 5000,
    }),
    captured.logger,
  );
  return { kafka, lines: captured.lines };
}

describe('Kafka with SASL (SCRAM-SHA-512, PLAIN) on a dedicated local broker', () => {
  let report: StackUpReport;
  const began = Date.now();

  beforeAll(async () => {
    // {} as the environment: KAFKA_BROKERS of the shared stack must not make this broker "external".
    report = await stackUp(stackOptions(), {});
    console.log(
      `[sasl] broker ${report.kafka.action} at ${report.kafka.endpoint} in ${(report.kafka.durationMs / 1000).toFixed(1)} s` +
        (report.kafka.steps.length > 0 ? ` (${report.kafka.steps.join('; ')})` : ''),
    );
  }, 150_000);

  afterAll(async () => {
    // Stop it only when this run started it (a broker someone left running for reuse stays up).
    if (report?.kafka.action === 'started' && env.AIOPS_KEEP_SASL_STACK !== '1') {
      const down = await stackDown(stackOptions(), ['kafka'], {});
      console.log(
        `[sasl] broker ${down.kafka.action}; whole file took ${((Date.now() - began) / 1000).toFixed(1)} s`,
      );
    }
  }, 60_000);

  it('SCRAM-SHA-512 with the right password, read from a mounted file: produce and consume', async () => {
    const { kafka, lines } = client('scram-sha-512', ALICE.username, {
      passwordFile: passwordFile('alice', ALICE.password),
    });
    const topic = uniqueName('it-sasl-scram');
    expect(await roundTrip(kafka, topic, ['one', 'two', 'three'])).toEqual(['one', 'two', 'three']);
    expect(lines.join('')).not.toContain(ALICE.password);
  });

  it('SCRAM-SHA-512 with a wrong password fails with a readable authentication error', async () => {
    const { kafka, lines } = client('scram-sha-512', ALICE.username, { password: WRONG });
    const error = await connectError(kafka);
    expect(error.name).toBe('KafkaJSSASLAuthenticationError');
    expect(error.message).toMatch(/SASL SCRAM SHA512 authentication failed/);
    expect(error.message).toMatch(/Authentication failed during authentication due to invalid credentials/);
    expect(lines.join('')).not.toContain(WRONG);
  });

  it('an unknown SCRAM user and SCRAM-SHA-256 behave the same way', async () => {
    const unknown = client('scram-sha-512', 'mallory', { password: WRONG });
    expect((await connectError(unknown.kafka)).message).toMatch(/SCRAM SHA512 authentication failed/);
    const sha256 = client('scram-sha-256', BOB.username, { password: BOB.password });
    const topic = uniqueName('it-sasl-256');
    expect(await roundTrip(sha256.kafka, topic, ['x'])).toEqual(['x']);
  });

  it('PLAIN: right password works, a wrong one fails with a readable error', async () => {
    const right = client('plain', BOB.username, { passwordFile: passwordFile('bob', BOB.password) });
    expect(await roundTrip(right.kafka, uniqueName('it-sasl-plain'), ['p'])).toEqual(['p']);
    const wrong = client('plain', BOB.username, { password: WRONG });
    const error = await connectError(wrong.kafka);
    expect(error.name).toBe('KafkaJSSASLAuthenticationError');
    expect(error.message).toMatch(
      /SASL PLAIN authentication failed: Authentication failed: Invalid username or password/,
    );
    expect(wrong.lines.join('')).not.toContain(WRONG);
  });

  it('a client without SASL is refused', async () => {
    const plaintext = new kafkajs.Kafka({
      clientId: uniqueName('it-nosasl'),
      brokers: BROKERS,
      connectionTimeout: 3000,
      requestTimeout: 3000,
      retry: { retries: 0 },
      logLevel: kafkajs.logLevel.NOTHING,
    });
    const admin = plaintext.admin();
    await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
    await admin.disconnect().catch(() => undefined);
  });

  it('the validator runs over SCRAM from environment variables, and never logs the password', async () => {
    const prefix = uniqueName('it-sasl-svc');
    const { lines, logger } = capturedLogger('it-sasl', 'debug');
    const config = validatorConfigFromEnv({
      KAFKA_BROKERS: BROKERS.join(','),
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: ALICE.username,
      KAFKA_SASL_PASSWORD_FILE: passwordFile('alice-svc', ALICE.password),
      USER_ID_SALT: 'sasl-test-salt-0001',
      TOPIC_RAW: `${prefix}.raw`,
      TOPIC_EVENTS: `${prefix}.events`,
      TOPIC_DLQ: `${prefix}.dlq`,
      TOPIC_ALERTS: `${prefix}.alerts`,
      TOPIC_PARTITIONS: '1',
      VALIDATOR_GROUP_ID: `${prefix}-validator`,
    });
    // What an operator might log: the whole configuration. The password file path is not a secret,
    // the salt is.
    logger.info({ config }, 'validator configuration');
    // The same with the password itself in the environment (KAFKA_SASL_PASSWORD): redacted too.
    const inline = validatorConfigFromEnv({
      KAFKA_BROKERS: BROKERS.join(','),
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: ALICE.username,
      KAFKA_SASL_PASSWORD: ALICE.password,
      USER_ID_SALT: 'sasl-test-salt-0001',
    });
    expect(inline.kafka.sasl?.password).toBe(ALICE.password);
    logger.info({ config: inline }, 'validator configuration');
    logger.info({ kafka: inline.kafka }, 'kafka settings');
    logger.info(inline, 'validator configuration, top level');
    const service = await startValidator(config, logger, createPipelineMetrics({ defaultMetrics: false }));
    try {
      const { kafka } = client('scram-sha-512', ALICE.username, { password: ALICE.password });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic: `${prefix}.raw`,
        acks: -1,
        messages: [
          {
            value: JSON.stringify({
              event_id: `${prefix}-1`,
              event_type: 'llm_call',
              timestamp: Date.now() - 1000,
              tenant_id: 'acme',
              application: 'bot',
              provider: 'openai',
              model: 'gpt-4o',
              user_id: 'alice@example.com',
            }),
          },
        ],
      });
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: uniqueName('it-sasl-reader'), maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topic: `${prefix}.events`, fromBeginning: true });
      const received = await new Promise<KafkaMessage>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no event within 30 s')), 30_000);
        consumer
          .run({
            eachMessage: async ({ message }) => {
              clearTimeout(timer);
              resolve(message);
            },
          })
          .catch(reject);
      });
      await consumer.disconnect();
      expect(received.key?.toString()).toBe('acme|bot|production|openai|gpt-4o|chat');
    } finally {
      await service.stop(15_000);
    }
    const log = lines.join('');
    expect(log).toContain('"username":"alice"');
    expect(log).toContain('validator started');
    for (const secret of [ALICE.password, 'sasl-test-salt-0001', 'alice@example.com']) {
      expect(log).not.toContain(secret);
    }
  });
});
