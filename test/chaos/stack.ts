import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@aiops/harness';
import {
  resolveStackOptions,
  type StackOptionsInput,
  type StackUpReport,
  stackDown,
  stackStatus,
  stackUp,
} from '@aiops/stack';

/**
 * The chaos suite's own Kafka and ClickHouse (packages/stack on other ports, data under .aiops/chaos):
 * the faults stop the broker and the server, which the shared stack on the default ports must never see.
 */

const env: Readonly<Record<string, string | undefined>> = process.env;
const port = (name: string, fallback: number) => Number(env[name] ?? fallback);

export const CHAOS_STACK: StackOptionsInput = {
  dataDir: env.CHAOS_STACK_DIR ?? join(REPO_ROOT, '.aiops', 'chaos'),
  kafkaPort: port('CHAOS_KAFKA_PORT', 29092),
  kafkaControllerPort: port('CHAOS_KAFKA_CONTROLLER_PORT', 29093),
  clickhouseHttpPort: port('CHAOS_CLICKHOUSE_HTTP_PORT', 28123),
  clickhouseTcpPort: port('CHAOS_CLICKHOUSE_TCP_PORT', 29009),
  startTimeoutMs: 180_000,
  stopTimeoutMs: 30_000,
  installMissing: false,
};

const ENDPOINT_VARIABLES = ['KAFKA_BROKERS', 'CLICKHOUSE_URL'] as const;

/**
 * packages/stack treats KAFKA_BROKERS / CLICKHOUSE_URL in the environment as external services (and then
 * provisions nothing); the endpoints of the shared stack given to the other test projects must not turn
 * this stack into theirs. They are hidden from the stack calls only.
 */
export async function withoutEndpointVariables<T>(body: () => Promise<T>): Promise<T> {
  const saved = new Map<string, string>();
  for (const name of ENDPOINT_VARIABLES) {
    const value = process.env[name];
    if (value !== undefined) saved.set(name, value);
    delete process.env[name];
  }
  try {
    return await body();
  } finally {
    for (const [name, value] of saved) process.env[name] = value;
  }
}

export interface ChaosEndpoints {
  readonly kafkaBrokers: string;
  readonly clickhouseUrl: string;
}

/** The jars the default stack already resolved: linked instead of a second Maven run. */
function linkKafkaJars(): void {
  const ours = join(resolveStackOptions(CHAOS_STACK, {}).dataDir, 'kafka');
  const shared = join(
    resolveStackOptions({}, { AIOPS_STACK_DIR: env.AIOPS_STACK_DIR }).dataDir,
    'kafka',
    'libs',
  );
  if (existsSync(join(ours, 'libs')) || !existsSync(join(shared, '.resolved-3.9.1'))) return;
  mkdirSync(ours, { recursive: true });
  symlinkSync(shared, join(ours, 'libs'));
}

export async function chaosStackUp(): Promise<{ endpoints: ChaosEndpoints; report: StackUpReport }> {
  linkKafkaJars();
  const report = await withoutEndpointVariables(() => stackUp(CHAOS_STACK));
  return {
    endpoints: { kafkaBrokers: report.kafka.endpoint, clickhouseUrl: report.clickhouse.endpoint },
    report,
  };
}

export async function chaosStackDown(): Promise<void> {
  await withoutEndpointVariables(() => stackDown(CHAOS_STACK));
}

/** Stops one service of the chaos stack (SIGTERM, as an operator or an orchestrator would). */
export async function stopStackService(name: 'kafka' | 'clickhouse'): Promise<string> {
  const report = await withoutEndpointVariables(() => stackDown(CHAOS_STACK, [name]));
  return report[name].action;
}

/** Starts whatever of the chaos stack is down again (stackUp is idempotent) and waits until it answers. */
export async function startStackService(name: 'kafka' | 'clickhouse'): Promise<string> {
  const report = await withoutEndpointVariables(() => stackUp(CHAOS_STACK));
  return `${report[name].action} in ${(report[name].durationMs / 1000).toFixed(1)} s`;
}

export async function chaosStackStatus() {
  return withoutEndpointVariables(() => stackStatus(CHAOS_STACK));
}
