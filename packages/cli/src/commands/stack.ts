import {
  type ClickHouseClusterStatus,
  type KafkaClusterStatus,
  type ServiceStatus,
  type ServiceUp,
  type StackOptionsInput,
  stackDown,
  stackEnv,
  stackStatus,
  stackUp,
} from '@aiops/stack';
import type { Command } from 'commander';
import { type CliCommand, type CliContext, CliError, EXIT, intOption } from '../command.js';

interface StackFlags {
  dataDir?: string;
  kafkaPort?: number;
  controllerPort?: number;
  clickhouseHttpPort?: number;
  clickhouseTcpPort?: number;
  timeout?: number;
  install?: boolean;
  cluster?: boolean;
  json?: boolean;
}

function stackOptions(flags: StackFlags): StackOptionsInput {
  const options: StackOptionsInput = {};
  if (flags.dataDir !== undefined) options.dataDir = flags.dataDir;
  if (flags.kafkaPort !== undefined) options.kafkaPort = flags.kafkaPort;
  if (flags.controllerPort !== undefined) options.kafkaControllerPort = flags.controllerPort;
  if (flags.clickhouseHttpPort !== undefined) options.clickhouseHttpPort = flags.clickhouseHttpPort;
  if (flags.clickhouseTcpPort !== undefined) options.clickhouseTcpPort = flags.clickhouseTcpPort;
  if (flags.timeout !== undefined) options.startTimeoutMs = flags.timeout * 1000;
  if (flags.install === false) options.installMissing = false;
  if (flags.cluster === true) options.cluster = true;
  return options;
}

function withStackFlags(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'where binaries, data, logs and pid files live (default <repo>/.aiops)')
    .option('--kafka-port <port>', 'Kafka PLAINTEXT port (default 19092)', intOption('--kafka-port'))
    .option(
      '--controller-port <port>',
      'KRaft controller port (default 19093)',
      intOption('--controller-port'),
    )
    .option(
      '--clickhouse-http-port <port>',
      'ClickHouse HTTP port (default 18123)',
      intOption('--clickhouse-http-port'),
    )
    .option(
      '--clickhouse-tcp-port <port>',
      'ClickHouse native port (default 19000)',
      intOption('--clickhouse-tcp-port'),
    )
    .option(
      '--cluster',
      'cluster mode: three KRaft brokers on the Kafka ports + 0, 100, 200 (or AIOPS_STACK_CLUSTER=true)',
    )
    .option('--json', 'print the report as JSON');
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function describe(status: ServiceStatus): string {
  const parts = [status.name.padEnd(11), status.state.padEnd(12), status.endpoint];
  if (status.pid !== null) parts.push(`pid ${status.pid}`);
  if (status.version !== null) parts.push(`version ${status.version}`);
  return parts.join('  ');
}

/** Cluster mode: one line per broker, then the controller and the replication health. */
function describeCluster(status: ServiceStatus | KafkaClusterStatus): string[] {
  if (!('nodes' in status)) return [];
  const registered = new Set(status.cluster?.brokers ?? []);
  const lines = status.nodes.map(
    (node) =>
      `  broker ${node.nodeId}  ${node.endpoint}  ${node.pid === null ? 'stopped' : `pid ${node.pid}`}  ` +
      `${registered.has(node.nodeId) ? 'in cluster' : 'not in cluster'}`,
  );
  const view = status.cluster;
  lines.push(
    view === null
      ? '  controller: none answers'
      : `  controller: ${view.controller ?? 'none'}  under-replicated partitions: ${view.underReplicatedPartitions}  ` +
          `offline partitions: ${view.offlinePartitions}`,
  );
  return lines;
}

/** Cluster mode: ZooKeeper and one line per ClickHouse replica with its replication queue and delay. */
function describeReplicas(status: ServiceStatus | ClickHouseClusterStatus): string[] {
  if (!('replicas' in status)) return [];
  const zk = status.zookeeper;
  return [
    `  zookeeper  ${zk.endpoint}  ${zk.pid === null ? 'stopped' : `pid ${zk.pid}`}  ${zk.answers ? 'answering' : 'not answering'}`,
    ...status.replicas.map(
      (r) =>
        `  replica ${r.replica}  ${r.endpoint}  ${r.pid === null ? 'stopped' : `pid ${r.pid}`}  ` +
        (r.answers
          ? `${r.tables} replicated tables, queue ${r.queueSize}, delay ${r.maxDelaySeconds} s, read-only ${r.readonlyTables}`
          : 'not answering'),
    ),
    `  cluster: ${status.cluster} (CLICKHOUSE_CLUSTER=${status.cluster})`,
  ];
}

function printUp(context: CliContext, service: ServiceUp): void {
  context.out(`${describe(service)}  (${service.action}, ${seconds(service.durationMs)})`);
  for (const line of [...describeCluster(service), ...describeReplicas(service)]) context.out(line);
  for (const step of service.steps) context.out(`  - ${step}`);
  if (service.logFile !== null && service.action === 'started') context.out(`  log: ${service.logFile}`);
}

function envLine(env: { KAFKA_BROKERS: string; CLICKHOUSE_URL: string }): string {
  return `KAFKA_BROKERS=${env.KAFKA_BROKERS} CLICKHOUSE_URL=${env.CLICKHOUSE_URL}`;
}

const isUp = (status: ServiceStatus): boolean => status.state === 'running' || status.state === 'external';

export const stackCommand: CliCommand = {
  name: 'stack',
  register(program, context) {
    const stack = program
      .command('stack')
      .description('run Kafka (KRaft) and ClickHouse locally as plain processes (no Docker needed)');

    withStackFlags(stack.command('up'))
      .description('provision and start Kafka and ClickHouse; leaves running services alone')
      .option('--timeout <seconds>', 'how long each service may take to answer', intOption('--timeout'))
      .option('--no-install', 'never install missing system packages with apt-get')
      .action(async (flags: StackFlags) => {
        const report = await stackUp(stackOptions(flags));
        if (flags.json) {
          context.out(JSON.stringify(report, null, 2));
        } else {
          printUp(context, report.kafka);
          printUp(context, report.clickhouse);
          context.out(`stack up in ${seconds(report.durationMs)}; data in ${report.dataDir}`);
          context.out(envLine(stackEnv(report)));
        }
        const down = [report.kafka, report.clickhouse].filter((service) => !isUp(service));
        if (down.length > 0) {
          throw new CliError(`not answering: ${down.map((s) => `${s.name} (${s.endpoint})`).join(', ')}`);
        }
      });

    withStackFlags(stack.command('status'))
      .description('show what runs where (exit code 3 when a service is not running)')
      .action(async (flags: StackFlags) => {
        const status = await stackStatus(stackOptions(flags));
        if (flags.json) {
          context.out(JSON.stringify(status, null, 2));
        } else {
          context.out(describe(status.kafka));
          for (const line of describeCluster(status.kafka)) context.out(line);
          context.out(describe(status.clickhouse));
          for (const line of describeReplicas(status.clickhouse)) context.out(line);
          context.out(`data in ${status.dataDir}`);
        }
        if (!isUp(status.kafka) || !isUp(status.clickhouse)) {
          throw new CliError('not every service is running', EXIT.notRunning);
        }
      });

    withStackFlags(stack.command('down'))
      .description('stop the processes `stack up` started (SIGTERM, then SIGKILL); data is kept')
      .action(async (flags: StackFlags) => {
        const report = await stackDown(stackOptions(flags));
        if (flags.json) {
          context.out(JSON.stringify(report, null, 2));
          return;
        }
        for (const service of [report.kafka, report.clickhouse]) {
          const pid = service.pid === null ? '' : `  pid ${service.pid}`;
          context.out(`${service.name.padEnd(11)}  ${service.action}${pid}`);
        }
      });

    withStackFlags(stack.command('env'))
      .description('print the endpoints as shell variables: eval "$(aiops stack env)"')
      .action(async (flags: StackFlags) => {
        const env = stackEnv(await stackStatus(stackOptions(flags)));
        if (flags.json) context.out(JSON.stringify(env));
        else context.out(`export ${envLine(env)}`);
      });
  },
};
