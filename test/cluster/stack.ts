import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@aiops/harness';
import {
  CLICKHOUSE_CLUSTER_NAME,
  clickhouseReplicaPaths,
  clickhouseReplicaPid,
  describeKafkaCluster,
  kafkaClusterEndpoint,
  kafkaNodePid,
  resolveStackOptions,
  type StackOptions,
  type StackOptionsInput,
  type StackUpReport,
  stackDown,
  stackUp,
  startClickHouseReplica,
  startKafkaNode,
  waitReplicaReady,
} from '@aiops/stack';
import { withoutEndpointVariables } from '../chaos/stack.js';

/**
 * The cluster suite's own stack: packages/stack in cluster mode (three KRaft brokers, ZooKeeper, two
 * ClickHouse replicas) on ports of its own, data under .aiops/cluster. Never the shared stack.
 */

const env: Readonly<Record<string, string | undefined>> = process.env;
const port = (name: string, fallback: number) => Number(env[name] ?? fallback);

/** The jars the default stack resolved, reused (no second Maven run). */
function sharedKafkaLibs(): string | undefined {
  const libs = join(
    resolveStackOptions({}, { AIOPS_STACK_DIR: env.AIOPS_STACK_DIR }).dataDir,
    'kafka',
    'libs',
  );
  return existsSync(join(libs, '.resolved-3.9.1')) ? libs : undefined;
}

const libs = sharedKafkaLibs();
export const CLUSTER_STACK: StackOptionsInput = {
  cluster: true,
  dataDir: env.CLUSTER_STACK_DIR ?? join(REPO_ROOT, '.aiops', 'cluster'),
  kafkaPort: port('CLUSTER_KAFKA_PORT', 39092),
  kafkaControllerPort: port('CLUSTER_KAFKA_CONTROLLER_PORT', 39093),
  clickhouseHttpPort: port('CLUSTER_CLICKHOUSE_HTTP_PORT', 38123),
  clickhouseTcpPort: port('CLUSTER_CLICKHOUSE_TCP_PORT', 39000),
  zookeeperPort: port('CLUSTER_ZOOKEEPER_PORT', 32181),
  // Seven helpers share two cores and 24 GiB here: small heaps.
  kafkaHeap: { min: '128m', max: '384m' },
  startTimeoutMs: 180_000,
  stopTimeoutMs: 30_000,
  installMissing: false,
  ...(libs === undefined ? {} : { kafkaLibsDir: libs }),
};

export const options: StackOptions = resolveStackOptions(CLUSTER_STACK, {});

export interface ClusterEndpoints {
  readonly kafkaBrokers: string;
  /** Replica 1: what the services and the harness talk to. */
  readonly clickhouseUrl: string;
  readonly replicaUrls: readonly string[];
  readonly cluster: string;
}

export async function clusterUp(): Promise<{ endpoints: ClusterEndpoints; report: StackUpReport }> {
  const report = await withoutEndpointVariables(() => stackUp(CLUSTER_STACK));
  return {
    endpoints: {
      kafkaBrokers: report.kafka.endpoint,
      clickhouseUrl: report.clickhouse.endpoint,
      replicaUrls: clickhouseReplicaPaths(options).map((r) => r.endpoint),
      cluster: CLICKHOUSE_CLUSTER_NAME,
    },
    report,
  };
}

export async function clusterDown(): Promise<void> {
  await withoutEndpointVariables(() => stackDown(CLUSTER_STACK));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function sigkill(pid: number | null, what: string): number {
  if (pid === null) throw new Error(`${what} does not run`);
  process.kill(pid, 'SIGKILL');
  return pid;
}

/** SIGKILL one broker; returns its pid. */
export function killBroker(nodeId: number): number {
  return sigkill(kafkaNodePid(options, nodeId), `Kafka node ${nodeId}`);
}

/**
 * Starts a broker again and waits until it is back in the cluster and, unless `untilCaughtUp` is false
 * (another broker is still down, so some partition stays under-replicated), until no partition is
 * under-replicated; returns the seconds each took.
 */
export async function restartBroker(
  nodeId: number,
  untilCaughtUp = true,
  timeoutMs = 300_000,
): Promise<{ registered: number; caughtUp: number }> {
  const began = Date.now();
  await startKafkaNode(options, nodeId);
  let registered = Number.NaN;
  const deadline = began + timeoutMs;
  while (Date.now() < deadline) {
    const view = await describeKafkaCluster(kafkaClusterEndpoint(options), 3000);
    if (view?.brokers.includes(nodeId)) {
      if (Number.isNaN(registered)) registered = (Date.now() - began) / 1000;
      if (!untilCaughtUp) return { registered, caughtUp: Number.NaN };
      if (view.underReplicatedPartitions === 0 && view.offlinePartitions === 0) {
        return { registered, caughtUp: (Date.now() - began) / 1000 };
      }
    }
    await sleep(500);
  }
  throw new Error(`Kafka node ${nodeId} did not rejoin and catch up within ${timeoutMs} ms`);
}

/** SIGKILL one ClickHouse replica; returns its pid. */
export function killReplica(replica: number): number {
  return sigkill(clickhouseReplicaPid(options, replica), `ClickHouse replica ${replica}`);
}

/** Starts a replica again and waits until it answers; returns the seconds it took. */
export async function restartReplica(replica: number): Promise<number> {
  const began = Date.now();
  const pid = await startClickHouseReplica(options, replica);
  await waitReplicaReady(options, replica, pid);
  return (Date.now() - began) / 1000;
}
