import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLICKHOUSE_PROCESS_MARKER, clickhousePaths, clickhouseStatus, clickhouseUp } from './clickhouse.js';
import {
  type ClickHouseClusterStatus,
  clickhouseClusterPidFiles,
  clickhouseClusterStatus,
  clickhouseClusterUp,
} from './clickhouse-cluster.js';
import { KAFKA_PROCESS_MARKER, kafkaPaths, kafkaStatus, kafkaUp } from './kafka.js';
import {
  type KafkaClusterStatus,
  kafkaClusterPaths,
  kafkaClusterStatus,
  kafkaClusterUp,
} from './kafka-cluster.js';
import { resolveStackOptions, type StackOptions, type StackOptionsInput } from './options.js';
import { isOurProcess, readPidFile, removeFile, stopProcess, withLock } from './proc.js';
import type { ServiceDown, ServiceName, ServiceStatus, ServiceUp } from './services.js';

export interface StackStatus {
  readonly dataDir: string;
  /** In cluster mode a {@link KafkaClusterStatus} (nodes, controller, under-replicated partitions). */
  readonly kafka: ServiceStatus | KafkaClusterStatus;
  /** In cluster mode a {@link ClickHouseClusterStatus} (ZooKeeper, replicas with queue and delay). */
  readonly clickhouse: ServiceStatus | ClickHouseClusterStatus;
}

export interface StackUpReport {
  readonly dataDir: string;
  readonly kafka: ServiceUp;
  readonly clickhouse: ServiceUp;
  readonly durationMs: number;
}

export interface StackDownReport {
  readonly dataDir: string;
  readonly kafka: ServiceDown;
  readonly clickhouse: ServiceDown;
}

/** The endpoints a service or test should use, as environment variables. */
export function stackEnv(status: Pick<StackStatus, 'kafka' | 'clickhouse'>): {
  KAFKA_BROKERS: string;
  CLICKHOUSE_URL: string;
} {
  return { KAFKA_BROKERS: status.kafka.endpoint, CLICKHOUSE_URL: status.clickhouse.endpoint };
}

function lockPath(options: StackOptions): string {
  mkdirSync(options.dataDir, { recursive: true });
  return join(options.dataDir, 'stack.lock');
}

/** The environment the options are completed from (see resolveStackOptions); tests pass their own. */
type Env = Readonly<Record<string, string | undefined>>;

export async function stackStatus(
  input: StackOptionsInput = {},
  env: Env = process.env,
): Promise<StackStatus> {
  const options = resolveStackOptions(input, env);
  const [kafka, clickhouse] = await Promise.all([
    options.cluster && options.kafkaBrokers === undefined
      ? kafkaClusterStatus(options)
      : kafkaStatus(options),
    options.cluster && options.clickhouseUrl === undefined
      ? clickhouseClusterStatus(options)
      : clickhouseStatus(options),
  ]);
  return { dataDir: options.dataDir, kafka, clickhouse };
}

async function timed(
  external: boolean,
  start: (steps: string[]) => Promise<'started' | 'already-running'>,
  status: () => Promise<ServiceStatus>,
): Promise<ServiceUp> {
  const began = Date.now();
  const steps: string[] = [];
  const action = external ? 'external' : await start(steps);
  const current = await status();
  if (external && current.state === 'unreachable')
    steps.push(`external endpoint ${current.endpoint} does not answer`);
  return { ...current, action, durationMs: Date.now() - began, steps };
}

/**
 * Brings Kafka and ClickHouse up as plain local processes, idempotently: a service this stack already
 * runs is left alone; a service given by KAFKA_BROKERS / CLICKHOUSE_URL is not provisioned (its endpoint
 * is reported, with `external` or `unreachable`). ClickHouse starts first (it is quick) while the
 * Kafka jars resolve; both must answer before this resolves. Throws with the tail of a service's log
 * when it fails to start.
 */
export async function stackUp(input: StackOptionsInput = {}, env: Env = process.env): Promise<StackUpReport> {
  const options = resolveStackOptions(input, env);
  const began = Date.now();
  return withLock(lockPath(options), options.startTimeoutMs + 10 * 60_000, async () => {
    // Both run to the end even if one fails, so no start-up is left half-watched when this returns.
    const [clickhouse, kafka] = await Promise.allSettled([
      timed(
        options.clickhouseUrl !== undefined,
        (steps) => (options.cluster ? clickhouseClusterUp(options, steps) : clickhouseUp(options, steps)),
        () => (options.cluster ? clickhouseClusterStatus(options) : clickhouseStatus(options)),
      ),
      timed(
        options.kafkaBrokers !== undefined,
        (steps) => (options.cluster ? kafkaClusterUp(options, steps) : kafkaUp(options, steps)),
        () => (options.cluster ? kafkaClusterStatus(options) : kafkaStatus(options)),
      ),
    ]);
    const failures = [kafka, clickhouse].flatMap((result) =>
      result.status === 'rejected' ? [result.reason] : [],
    );
    if (failures.length > 0 || kafka.status === 'rejected' || clickhouse.status === 'rejected') {
      const messages = failures.map((error) => (error instanceof Error ? error.message : String(error)));
      throw new Error(messages.join('\n\n'), { cause: failures[0] });
    }
    return {
      dataDir: options.dataDir,
      kafka: kafka.value,
      clickhouse: clickhouse.value,
      durationMs: Date.now() - began,
    };
  });
}

async function stopOne(
  name: 'kafka' | 'clickhouse',
  pidFile: string,
  marker: string,
  skip: boolean,
  timeoutMs: number,
): Promise<ServiceDown> {
  if (skip) return { name, action: 'skipped', pid: null };
  const pid = readPidFile(pidFile);
  if (pid === null) return { name, action: 'not-running', pid: null };
  if (!isOurProcess(pid, marker)) {
    removeFile(pidFile);
    return { name, action: 'not-running', pid };
  }
  const outcome = await stopProcess(pid, timeoutMs);
  removeFile(pidFile);
  return {
    name,
    action: outcome === 'killed' ? 'killed' : outcome === 'gone' ? 'not-running' : 'stopped',
    pid,
  };
}

/** One report for the nodes of a cluster: the first pid that was running, the strongest action taken. */
function mergeDowns(name: ServiceName, downs: readonly ServiceDown[]): ServiceDown {
  const order: ServiceDown['action'][] = ['killed', 'stopped', 'not-running', 'skipped'];
  const action = order.find((a) => downs.some((d) => d.action === a)) ?? 'not-running';
  return { name, action, pid: downs.find((d) => d.pid !== null)?.pid ?? null };
}

/** The ClickHouse side of cluster mode: the replicas, then ZooKeeper (they need it to shut down cleanly). */
async function stopInOrder(
  processes: readonly { pidFile: string; marker: string }[],
  skip: boolean,
  timeoutMs: number,
): Promise<ServiceDown> {
  const replicas = processes.slice(0, -1);
  const coordinator = processes.at(-1);
  const downs = await Promise.all(
    replicas.map((p) => stopOne('clickhouse', p.pidFile, p.marker, skip, timeoutMs)),
  );
  if (coordinator !== undefined)
    downs.push(await stopOne('clickhouse', coordinator.pidFile, coordinator.marker, skip, timeoutMs));
  return mergeDowns('clickhouse', downs);
}

/**
 * Stops what `stackUp` started (the processes named by the pid files, nothing else): SIGTERM, then
 * SIGKILL after `stopTimeoutMs`. Data stays in the data dir for the next `up`. `only` limits it to some
 * services (the others are reported as `skipped`).
 */
export async function stackDown(
  input: StackOptionsInput = {},
  only: readonly ServiceName[] = ['kafka', 'clickhouse'],
  env: Env = process.env,
): Promise<StackDownReport> {
  const options = resolveStackOptions(input, env);
  return withLock(lockPath(options), options.stopTimeoutMs * 2 + 10_000, async () => {
    const skipKafka = options.kafkaBrokers !== undefined || !only.includes('kafka');
    const [kafka, clickhouse] = await Promise.all([
      options.cluster
        ? Promise.all(
            kafkaClusterPaths(options).nodes.map((node) =>
              stopOne('kafka', node.pidFile, KAFKA_PROCESS_MARKER, skipKafka, options.stopTimeoutMs),
            ),
          ).then((downs) => mergeDowns('kafka', downs))
        : stopOne(
            'kafka',
            kafkaPaths(options).pidFile,
            KAFKA_PROCESS_MARKER,
            skipKafka,
            options.stopTimeoutMs,
          ),
      options.cluster
        ? stopInOrder(
            clickhouseClusterPidFiles(options),
            options.clickhouseUrl !== undefined || !only.includes('clickhouse'),
            options.stopTimeoutMs,
          )
        : stopOne(
            'clickhouse',
            clickhousePaths(options).pidFile,
            CLICKHOUSE_PROCESS_MARKER,
            options.clickhouseUrl !== undefined || !only.includes('clickhouse'),
            options.stopTimeoutMs,
          ),
    ]);
    return { dataDir: options.dataDir, kafka, clickhouse };
  });
}
