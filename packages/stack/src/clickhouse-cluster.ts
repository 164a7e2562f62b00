import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { CLICKHOUSE_PROCESS_MARKER, findClickHouseServer, writeServerConfig } from './clickhouse.js';
import { ensureJava, ensureMavenJars } from './kafka.js';
import type { StackOptions } from './options.js';
import { clickhousePing, clickhouseVersion, httpRequest, logTails, tcpAnswers } from './probe.js';
import { isAlive, livePidFromFile, removeFile, sleep, spawnDetached, writePidFile } from './proc.js';
import {
  CLICKHOUSE_CLUSTER_NAME,
  type ClickHouseReplicaNode,
  clickhouseReplicaNodes,
  renderClickHouseClusterConfig,
  renderTemplate,
} from './render.js';
import type { ServiceStatus } from './services.js';

/** Replicas of the one shard of cluster mode. */
export const CLICKHOUSE_REPLICAS = 2;
const ZOOKEEPER_VERSION = '3.8.4';
const ZOOKEEPER_MARKER = 'org.apache.zookeeper.server.ZooKeeperServerMain';

export function zookeeperPaths(options: StackOptions) {
  const home = join(options.dataDir, 'zookeeper');
  const libs = join(home, 'libs');
  return {
    home,
    libs,
    resolvedMarker: join(libs, `.resolved-${ZOOKEEPER_VERSION}`),
    data: join(home, 'data'),
    logs: join(home, 'logs'),
    config: join(home, 'zoo.cfg'),
    pidFile: join(home, 'zookeeper.pid'),
    stdoutLog: join(home, 'logs', 'stdout.log'),
    pom: join(options.rootDir, 'infra', 'zookeeper', 'pom.xml'),
  };
}

export interface ReplicaPaths extends ClickHouseReplicaNode {
  readonly home: string;
  readonly data: string;
  readonly logs: string;
  readonly config: string;
  readonly users: string;
  readonly clusterConfig: string;
  readonly clusterUsers: string;
  readonly pidFile: string;
  readonly stdoutLog: string;
  readonly errorLog: string;
  readonly endpoint: string;
}

export function clickhouseReplicaPaths(options: StackOptions): ReplicaPaths[] {
  return clickhouseReplicaNodes(
    options.clickhouseHttpPort,
    options.clickhouseTcpPort,
    CLICKHOUSE_REPLICAS,
  ).map((node) => {
    const home = join(options.dataDir, 'clickhouse-cluster', `replica-${node.replica}`);
    return {
      ...node,
      home,
      data: join(home, 'data'),
      logs: join(home, 'logs'),
      config: join(home, 'config.xml'),
      users: join(home, 'users.xml'),
      clusterConfig: join(home, 'config.d', 'cluster.xml'),
      clusterUsers: join(home, 'users.d', 'cluster.xml'),
      pidFile: join(home, 'clickhouse.pid'),
      stdoutLog: join(home, 'logs', 'stdout.log'),
      errorLog: join(home, 'logs', 'clickhouse-server.err.log'),
      endpoint: `http://127.0.0.1:${node.httpPort}`,
    };
  });
}

function replicaOf(options: StackOptions, replica: number): ReplicaPaths {
  const found = clickhouseReplicaPaths(options).find((r) => r.replica === replica);
  if (found === undefined) throw new RangeError(`no ClickHouse replica ${replica} of ${CLICKHOUSE_REPLICAS}`);
  return found;
}

/** The pid of a replica this stack started, or null. */
export function clickhouseReplicaPid(options: StackOptions, replica: number): number | null {
  return livePidFromFile(replicaOf(options, replica).pidFile, CLICKHOUSE_PROCESS_MARKER);
}

export function zookeeperPid(options: StackOptions): number | null {
  return livePidFromFile(zookeeperPaths(options).pidFile, ZOOKEEPER_MARKER);
}

/** True when ZooKeeper answers `srvr` with its mode (it listens before it serves). */
export function zookeeperServing(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    const done = (ok: boolean): void => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => socket.write('srvr'));
    socket.on('data', (chunk) => {
      text += String(chunk);
    });
    socket.once('end', () => done(text.includes('Mode:')));
    socket.once('error', () => done(false));
  });
}

/** Resolves ZooKeeper from Maven Central once (infra/zookeeper/pom.xml) and starts it unless it runs. */
async function zookeeperUp(options: StackOptions, steps: string[]): Promise<void> {
  const paths = zookeeperPaths(options);
  if (zookeeperPid(options) !== null) return;
  if (await tcpAnswers('127.0.0.1', options.zookeeperPort)) {
    throw new Error(
      `port ${options.zookeeperPort} (ZooKeeper) is in use by a process this stack did not start`,
    );
  }
  const java = await ensureJava(options);
  await ensureMavenJars(
    options,
    {
      what: `ZooKeeper ${ZOOKEEPER_VERSION}`,
      pom: paths.pom,
      libs: paths.libs,
      resolvedMarker: paths.resolvedMarker,
      missing: (files) =>
        files.some((file) => file.startsWith(`zookeeper-${ZOOKEEPER_VERSION}`))
          ? null
          : `zookeeper-${ZOOKEEPER_VERSION} jar`,
    },
    steps,
  );
  mkdirSync(paths.data, { recursive: true });
  mkdirSync(paths.logs, { recursive: true });
  const template = readFileSync(join(options.rootDir, 'infra', 'zookeeper', 'zoo.cfg'), 'utf8');
  writeFileSync(
    paths.config,
    renderTemplate(template, { dataDir: paths.data, clientPort: options.zookeeperPort }),
  );
  const pid = spawnDetached(
    java,
    [
      '-Xms32m',
      '-Xmx128m',
      '-XX:+ExitOnOutOfMemoryError',
      `-Dzookeeper.log.dir=${paths.logs}`,
      `-Dlogback.configurationFile=${join(options.rootDir, 'infra', 'zookeeper', 'logback.xml')}`,
      '-cp',
      `${paths.libs}/*`,
      ZOOKEEPER_MARKER,
      paths.config,
    ],
    { cwd: paths.home, logFile: paths.stdoutLog },
  );
  writePidFile(paths.pidFile, pid);
  const deadline = Date.now() + options.startTimeoutMs;
  while (!(await zookeeperServing(options.zookeeperPort))) {
    if (!isAlive(pid)) {
      removeFile(paths.pidFile);
      throw new Error(`ZooKeeper (pid ${pid}) exited during start-up.\n${logTails([paths.stdoutLog])}`);
    }
    if (Date.now() > deadline)
      throw new Error(`ZooKeeper (pid ${pid}) did not listen on ${options.zookeeperPort}`);
    await sleep(250);
  }
  steps.push(`started ZooKeeper pid ${pid} on 127.0.0.1:${options.zookeeperPort}`);
}

function renderReplica(options: StackOptions, replica: ReplicaPaths, all: readonly ReplicaPaths[]): void {
  writeServerConfig(options, replica);
  mkdirSync(join(replica.home, 'config.d'), { recursive: true });
  mkdirSync(join(replica.home, 'users.d'), { recursive: true });
  const infra = join(options.rootDir, 'infra', 'clickhouse');
  writeFileSync(
    replica.clusterConfig,
    renderClickHouseClusterConfig(
      readFileSync(join(infra, 'cluster.xml'), 'utf8'),
      replica,
      all,
      options.zookeeperPort,
    ),
  );
  writeFileSync(replica.clusterUsers, readFileSync(join(infra, 'cluster-users.xml'), 'utf8'));
}

/** Starts one replica (provisioned by {@link clickhouseClusterUp}) unless it runs; returns its pid. */
export async function startClickHouseReplica(options: StackOptions, replica: number): Promise<number> {
  const paths = replicaOf(options, replica);
  const running = livePidFromFile(paths.pidFile, CLICKHOUSE_PROCESS_MARKER);
  if (running !== null) return running;
  for (const port of [paths.httpPort, paths.tcpPort, paths.interserverPort]) {
    if (await tcpAnswers('127.0.0.1', port)) {
      throw new Error(
        `port ${port} (ClickHouse replica ${replica}) is in use by a process this stack did not start`,
      );
    }
  }
  const binary = findClickHouseServer();
  if (binary === null)
    throw new Error('ClickHouse is not installed (run aiops stack up once without --cluster)');
  renderReplica(options, paths, clickhouseReplicaPaths(options));
  const pid = spawnDetached(binary.command, [...binary.args, `--config-file=${paths.config}`], {
    cwd: paths.home,
    logFile: paths.stdoutLog,
  });
  writePidFile(paths.pidFile, pid);
  return pid;
}

/** Waits until the replica answers /ping (or dies, or the start timeout passes). */
export async function waitReplicaReady(options: StackOptions, replica: number, pid: number): Promise<void> {
  const paths = replicaOf(options, replica);
  const deadline = Date.now() + options.startTimeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      removeFile(paths.pidFile);
      throw new Error(
        `ClickHouse replica ${replica} (pid ${pid}) exited during start-up.\n${logTails([paths.stdoutLog, paths.errorLog])}`,
      );
    }
    if (await clickhousePing(paths.endpoint, 1000)) return;
    await sleep(250);
  }
  throw new Error(`ClickHouse replica ${replica} (pid ${pid}) did not answer ${paths.endpoint}/ping`);
}

/** ZooKeeper, then both replicas; each must answer before this resolves. */
export async function clickhouseClusterUp(
  options: StackOptions,
  steps: string[],
): Promise<'started' | 'already-running'> {
  const replicas = clickhouseReplicaPaths(options);
  const before = replicas.map((r) => livePidFromFile(r.pidFile, CLICKHOUSE_PROCESS_MARKER));
  await zookeeperUp(options, steps);
  const started = Date.now();
  const pids: number[] = [];
  for (const replica of replicas) pids.push(await startClickHouseReplica(options, replica.replica));
  for (const [index, replica] of replicas.entries())
    await waitReplicaReady(options, replica.replica, pids[index] as number);
  if (before.every((pid) => pid !== null)) return 'already-running';
  steps.push(
    `started ${replicas.length} replicas of cluster ${CLICKHOUSE_CLUSTER_NAME} (pids ${pids.join(', ')}), ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return 'started';
}

export interface ReplicaView {
  readonly replica: number;
  readonly endpoint: string;
  readonly pid: number | null;
  readonly answers: boolean;
  /** Replicated tables on it; their summed replication queue, the largest delay and read-only count. */
  readonly tables: number;
  readonly queueSize: number;
  readonly maxDelaySeconds: number;
  readonly readonlyTables: number;
}

async function replicaView(replica: ReplicaPaths, pid: number | null): Promise<ReplicaView> {
  const base = { replica: replica.replica, endpoint: replica.endpoint, pid };
  const empty = { tables: 0, queueSize: 0, maxDelaySeconds: 0, readonlyTables: 0 };
  if (!(await clickhousePing(replica.endpoint, 1000))) return { ...base, answers: false, ...empty };
  try {
    const sql =
      'SELECT count() AS t, sum(queue_size) AS q, max(absolute_delay) AS d, sum(is_readonly) AS r FROM system.replicas FORMAT JSONEachRow';
    const answer = await httpRequest(`${replica.endpoint}/?query=${encodeURIComponent(sql)}`, {
      timeoutMs: 3000,
    });
    const row = JSON.parse(answer.body.trim() || '{}') as Record<string, string | number>;
    return {
      ...base,
      answers: true,
      tables: Number(row.t ?? 0),
      queueSize: Number(row.q ?? 0),
      maxDelaySeconds: Number(row.d ?? 0),
      readonlyTables: Number(row.r ?? 0),
    };
  } catch {
    return { ...base, answers: true, ...empty };
  }
}

export interface ClickHouseClusterStatus extends ServiceStatus {
  readonly cluster: string;
  readonly zookeeper: { readonly endpoint: string; readonly pid: number | null; readonly answers: boolean };
  readonly replicas: readonly ReplicaView[];
}

export async function clickhouseClusterStatus(options: StackOptions): Promise<ClickHouseClusterStatus> {
  const replicas = clickhouseReplicaPaths(options);
  const views = await Promise.all(
    replicas.map((r) => replicaView(r, livePidFromFile(r.pidFile, CLICKHOUSE_PROCESS_MARKER))),
  );
  const first = replicas[0] as ReplicaPaths;
  const answering = views.filter((v) => v.answers).length;
  const alive = views.filter((v) => v.pid !== null).length;
  return {
    name: 'clickhouse',
    state: alive === 0 ? 'stopped' : answering === views.length ? 'running' : 'starting',
    endpoint: first.endpoint,
    pid: views[0]?.pid ?? null,
    version: views[0]?.answers ? await clickhouseVersion(first.endpoint) : null,
    logFile: join(first.logs, 'clickhouse-server.log'),
    cluster: CLICKHOUSE_CLUSTER_NAME,
    zookeeper: {
      endpoint: `127.0.0.1:${options.zookeeperPort}`,
      pid: zookeeperPid(options),
      answers: await zookeeperServing(options.zookeeperPort, 500),
    },
    replicas: views,
  };
}

/** Pid files of cluster mode's ClickHouse side, for `down`: replicas first, ZooKeeper last. */
export function clickhouseClusterPidFiles(options: StackOptions): { pidFile: string; marker: string }[] {
  return [
    ...clickhouseReplicaPaths(options).map((r) => ({
      pidFile: r.pidFile,
      marker: CLICKHOUSE_PROCESS_MARKER,
    })),
    { pidFile: zookeeperPaths(options).pidFile, marker: ZOOKEEPER_MARKER },
  ];
}
