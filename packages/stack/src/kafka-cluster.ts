import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ensureJars,
  ensureJava,
  javaArgs,
  KAFKA_PROCESS_MARKER,
  kafkaInstalledVersion,
  probeAdmin,
} from './kafka.js';
import type { StackOptions } from './options.js';
import { logTails, tcpAnswers } from './probe.js';
import { isAlive, livePidFromFile, removeFile, sleep, spawnDetached, writePidFile } from './proc.js';
import {
  isClusterId,
  type KafkaClusterNode,
  kafkaClusterNodes,
  newClusterId,
  renderKafkaClusterOverlay,
  renderKafkaProperties,
} from './render.js';
import type { ServiceStatus } from './services.js';
import { run } from './system.js';

/** Brokers of `aiops stack up --cluster` (KRaft combined mode: each is broker and controller). */
export const KAFKA_CLUSTER_SIZE = 3;

export interface KafkaNodePaths extends KafkaClusterNode {
  readonly home: string;
  readonly data: string;
  readonly logs: string;
  readonly properties: string;
  readonly log4j: string;
  readonly pidFile: string;
  readonly stdoutLog: string;
  readonly serverLog: string;
  readonly endpoint: string;
}

export function kafkaClusterPaths(options: StackOptions) {
  const home = join(options.dataDir, 'kafka-cluster');
  const nodes: KafkaNodePaths[] = kafkaClusterNodes(
    options.kafkaPort,
    options.kafkaControllerPort,
    KAFKA_CLUSTER_SIZE,
  ).map((node) => {
    const nodeHome = join(home, `node-${node.nodeId}`);
    return {
      ...node,
      home: nodeHome,
      data: join(nodeHome, 'data'),
      logs: join(nodeHome, 'logs'),
      properties: join(nodeHome, 'server.properties'),
      log4j: join(nodeHome, 'log4j.properties'),
      pidFile: join(nodeHome, 'kafka.pid'),
      stdoutLog: join(nodeHome, 'logs', 'stdout.log'),
      serverLog: join(nodeHome, 'logs', 'server.log'),
      endpoint: `127.0.0.1:${node.port}`,
    };
  });
  return { home, clusterIdFile: join(home, 'cluster-id'), nodes };
}

/** "127.0.0.1:p1,127.0.0.1:p2,…": the bootstrap list of the cluster. */
export function kafkaClusterEndpoint(options: StackOptions): string {
  return kafkaClusterPaths(options)
    .nodes.map((node) => node.endpoint)
    .join(',');
}

function nodeOf(options: StackOptions, nodeId: number): KafkaNodePaths {
  const node = kafkaClusterPaths(options).nodes.find((n) => n.nodeId === nodeId);
  if (node === undefined)
    throw new RangeError(`no Kafka node ${nodeId} in a cluster of ${KAFKA_CLUSTER_SIZE}`);
  return node;
}

/** The pid of a node this stack started, or null. */
export function kafkaNodePid(options: StackOptions, nodeId: number): number | null {
  return livePidFromFile(nodeOf(options, nodeId).pidFile, KAFKA_PROCESS_MARKER);
}

async function ensureNodeStorage(
  options: StackOptions,
  java: string,
  node: KafkaNodePaths,
  clusterId: string,
  steps: string[],
): Promise<void> {
  const nodes = kafkaClusterPaths(options).nodes;
  mkdirSync(node.data, { recursive: true });
  mkdirSync(node.logs, { recursive: true });
  const infra = join(options.rootDir, 'infra', 'kafka');
  const base = renderKafkaProperties(readFileSync(join(infra, 'server.properties'), 'utf8'), {
    kafkaPort: node.port,
    controllerPort: node.controllerPort,
    logDirs: node.data,
  });
  const overlay = renderKafkaClusterOverlay(
    readFileSync(join(infra, 'cluster.properties'), 'utf8'),
    node,
    nodes,
  );
  writeFileSync(node.properties, `${base}\n${overlay}`);
  writeFileSync(node.log4j, readFileSync(join(infra, 'log4j.properties'), 'utf8'));
  if (existsSync(join(node.data, 'meta.properties'))) return;
  await run(
    java,
    javaArgs(options, 'kafka.tools.StorageTool', ['format', '-c', node.properties, '-t', clusterId], node),
    {
      cwd: node.home,
    },
  );
  steps.push(`formatted KRaft storage of node ${node.nodeId} (cluster ${clusterId})`);
}

function clusterId(options: StackOptions): string {
  const paths = kafkaClusterPaths(options);
  mkdirSync(paths.home, { recursive: true });
  const existing = existsSync(paths.clusterIdFile) ? readFileSync(paths.clusterIdFile, 'utf8').trim() : '';
  if (isClusterId(existing)) return existing;
  const id = newClusterId((size) => randomBytes(size));
  writeFileSync(paths.clusterIdFile, `${id}\n`);
  return id;
}

/** Starts one node (provisioned by {@link kafkaClusterUp}) unless it runs; returns its pid. */
export async function startKafkaNode(options: StackOptions, nodeId: number): Promise<number> {
  const node = nodeOf(options, nodeId);
  const running = livePidFromFile(node.pidFile, KAFKA_PROCESS_MARKER);
  if (running !== null) return running;
  if (await tcpAnswers('127.0.0.1', node.port)) {
    throw new Error(
      `port ${node.port} (Kafka node ${nodeId}) is in use by a process this stack did not start`,
    );
  }
  const java = await ensureJava(options);
  const pid = spawnDetached(java, javaArgs(options, 'kafka.Kafka', [node.properties], node), {
    cwd: node.home,
    logFile: node.stdoutLog,
  });
  writePidFile(node.pidFile, pid);
  return pid;
}

export interface KafkaClusterView {
  readonly brokers: readonly number[];
  readonly controller: number | null;
  /** Partitions whose in-sync replicas are fewer than their replicas. */
  readonly underReplicatedPartitions: number;
  /** Partitions without a leader. */
  readonly offlinePartitions: number;
}

/** Brokers, controller and replication health as the cluster reports them; null when nothing answers. */
export async function describeKafkaCluster(
  brokers: string,
  timeoutMs = 3000,
): Promise<KafkaClusterView | null> {
  const admin = probeAdmin(brokers, timeoutMs);
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    const metadata = await admin.fetchTopicMetadata();
    const partitions = metadata.topics.flatMap((topic) => topic.partitions);
    return {
      brokers: cluster.brokers.map((b) => b.nodeId).sort((a, b) => a - b),
      controller: cluster.controller,
      underReplicatedPartitions: partitions.filter((p) => p.isr.length < p.replicas.length).length,
      offlinePartitions: partitions.filter((p) => p.leader < 0).length,
    };
  } catch {
    return null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Waits until every node of the cluster is registered (or a node dies, or the start timeout passes). */
async function waitClusterReady(options: StackOptions, pids: readonly number[]): Promise<void> {
  const paths = kafkaClusterPaths(options);
  const deadline = Date.now() + options.startTimeoutMs;
  while (Date.now() < deadline) {
    for (const [index, pid] of pids.entries()) {
      const node = paths.nodes[index] as KafkaNodePaths;
      if (!isAlive(pid)) {
        removeFile(node.pidFile);
        throw new Error(
          `Kafka node ${node.nodeId} (pid ${pid}) exited during start-up.\n${logTails([node.stdoutLog, node.serverLog])}`,
        );
      }
    }
    const view = await describeKafkaCluster(kafkaClusterEndpoint(options));
    if (view !== null && view.brokers.length === paths.nodes.length && view.controller !== null) return;
    await sleep(500);
  }
  throw new Error(
    `the Kafka cluster on ${kafkaClusterEndpoint(options)} did not form within ${options.startTimeoutMs} ms; ` +
      `its nodes are left running for inspection (aiops stack down --cluster stops them).\n${logTails(
        paths.nodes.map((n) => n.serverLog),
      )}`,
  );
}

/** Provisions (jars, per-node config and storage) and starts the brokers that do not run yet. */
export async function kafkaClusterUp(
  options: StackOptions,
  steps: string[],
): Promise<'started' | 'already-running'> {
  const paths = kafkaClusterPaths(options);
  const running = paths.nodes.map((node) => livePidFromFile(node.pidFile, KAFKA_PROCESS_MARKER));
  if (running.every((pid) => pid !== null)) {
    await waitClusterReady(options, running as number[]);
    return 'already-running';
  }
  const java = await ensureJava(options);
  await ensureJars(options, steps);
  const id = clusterId(options);
  for (const node of paths.nodes) await ensureNodeStorage(options, java, node, id, steps);
  const started = Date.now();
  const pids: number[] = [];
  for (const node of paths.nodes) pids.push(await startKafkaNode(options, node.nodeId));
  await waitClusterReady(options, pids);
  steps.push(
    `started ${pids.length} brokers (pids ${pids.join(', ')}), cluster formed in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return 'started';
}

export interface KafkaClusterStatus extends ServiceStatus {
  readonly nodes: readonly { nodeId: number; endpoint: string; pid: number | null }[];
  readonly cluster: KafkaClusterView | null;
}

export async function kafkaClusterStatus(options: StackOptions): Promise<KafkaClusterStatus> {
  const paths = kafkaClusterPaths(options);
  const nodes = paths.nodes.map((node) => ({
    nodeId: node.nodeId,
    endpoint: node.endpoint,
    pid: livePidFromFile(node.pidFile, KAFKA_PROCESS_MARKER),
  }));
  const cluster = await describeKafkaCluster(kafkaClusterEndpoint(options));
  const alive = nodes.filter((n) => n.pid !== null).length;
  const state =
    alive === 0
      ? 'stopped'
      : cluster !== null && cluster.brokers.length === nodes.length
        ? 'running'
        : 'starting';
  return {
    name: 'kafka',
    state,
    endpoint: kafkaClusterEndpoint(options),
    pid: nodes[0]?.pid ?? null,
    version: kafkaInstalledVersion(options),
    logFile: paths.nodes[0]?.serverLog ?? null,
    nodes,
    cluster,
  };
}
