import { spawnSync } from 'node:child_process';
import { type StackUpReport, stackDown, stackUp } from '@aiops/stack';
import type { TestProject } from 'vitest/node';
// The ProvidedContext keys (kafkaBrokers, clickhouseUrl) are declared there.
import type {} from './endpoints.js';

/**
 * Integration tests talk to a real Kafka broker and a real ClickHouse server. Where they come from, in
 * order of preference:
 *   1. KAFKA_BROKERS / CLICKHOUSE_URL from the environment (CI services, a shared dev stack);
 *   2. testcontainers, when a Docker engine answers (AIOPS_TEST_STACK=containers forces it);
 *   3. the local stack (packages/stack): Kafka and ClickHouse as plain processes. It is idempotent, so
 *      when scripts/test.sh already started it this only confirms it (AIOPS_TEST_STACK=local forces it).
 * Teardown stops only what this setup started (set AIOPS_KEEP_STACK=1 to leave a local stack running).
 */

const KAFKA_IMAGE = 'confluentinc/cp-kafka:7.9.1';
const CLICKHOUSE_IMAGE = 'clickhouse/clickhouse-server:25.8';

type Teardown = () => Promise<void>;

function dockerAnswers(): boolean {
  const result = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    timeout: 3000,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return result.status === 0 && result.stdout.trim().length > 0;
}

async function fromContainers(
  needKafka: boolean,
  needClickHouse: boolean,
): Promise<{ kafka?: string; clickhouse?: string; teardown: Teardown }> {
  const stops: Teardown[] = [];
  const out: { kafka?: string; clickhouse?: string } = {};
  if (needKafka) {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const kafka = await new KafkaContainer(KAFKA_IMAGE).withKraft().start();
    out.kafka = `${kafka.getHost()}:${kafka.getMappedPort(9093)}`;
    stops.push(async () => {
      await kafka.stop();
    });
  }
  if (needClickHouse) {
    const { ClickHouseContainer } = await import('@testcontainers/clickhouse');
    const clickhouse = await new ClickHouseContainer(CLICKHOUSE_IMAGE).start();
    const url = new URL(clickhouse.getHttpUrl());
    url.username = clickhouse.getUsername();
    url.password = clickhouse.getPassword();
    out.clickhouse = url.toString().replace(/\/$/, '');
    stops.push(async () => {
      await clickhouse.stop();
    });
  }
  return {
    ...out,
    teardown: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
}

function describeLocal(report: StackUpReport): string {
  return [report.kafka, report.clickhouse]
    .map((s) => `${s.name} ${s.action} at ${s.endpoint}${s.version ? ` (${s.version})` : ''}`)
    .join(', ');
}

/** Read once; the variables are documented above (and are not build inputs, so turbo need not know them). */
const env: Readonly<Record<string, string | undefined>> = process.env;

export default async function setup(project: TestProject): Promise<Teardown> {
  let kafkaBrokers = env.KAFKA_BROKERS;
  let clickhouseUrl = env.CLICKHOUSE_URL;
  let teardown: Teardown = async () => undefined;
  const mode = env.AIOPS_TEST_STACK;

  if (kafkaBrokers === undefined || clickhouseUrl === undefined) {
    const useContainers = mode === 'containers' || (mode !== 'local' && dockerAnswers());
    if (useContainers) {
      const started = await fromContainers(kafkaBrokers === undefined, clickhouseUrl === undefined);
      kafkaBrokers ??= started.kafka;
      clickhouseUrl ??= started.clickhouse;
      teardown = started.teardown;
      console.log(`[global-setup] testcontainers: kafka ${kafkaBrokers}, clickhouse ${clickhouseUrl}`);
    } else {
      // stackUp reads KAFKA_BROKERS / CLICKHOUSE_URL itself: a service given there is not provisioned.
      const report = await stackUp();
      kafkaBrokers ??= report.kafka.endpoint;
      clickhouseUrl ??= report.clickhouse.endpoint;
      const startedHere = [report.kafka, report.clickhouse]
        .filter((service) => service.action === 'started')
        .map((service) => service.name);
      if (startedHere.length > 0 && env.AIOPS_KEEP_STACK !== '1') {
        teardown = async () => {
          await stackDown({}, startedHere);
        };
      }
      console.log(`[global-setup] local stack: ${describeLocal(report)}`);
    }
  }
  if (kafkaBrokers === undefined || clickhouseUrl === undefined) {
    throw new Error('global setup could not find or start Kafka and ClickHouse');
  }
  project.provide('kafkaBrokers', kafkaBrokers);
  project.provide('clickhouseUrl', clickhouseUrl);
  return teardown;
}
