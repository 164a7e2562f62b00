import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StackOptions } from './options.js';
import { clickhousePing, clickhouseVersion, logTails, tcpAnswers } from './probe.js';
import { isAlive, livePidFromFile, removeFile, sleep, spawnDetached, writePidFile } from './proc.js';
import {
  renderClickHouseConfig,
  renderClickHouseTlsConfig,
  renderClickHouseUsers,
  renderTemplate,
} from './render.js';
import type { ServiceStatus } from './services.js';
import { aptInstall, findExecutable } from './system.js';

const PROCESS_MARKER = 'clickhouse';

export function clickhousePaths(options: StackOptions) {
  const home = join(options.dataDir, 'clickhouse');
  return {
    home,
    data: join(home, 'data'),
    logs: join(home, 'logs'),
    config: join(home, 'config.xml'),
    users: join(home, 'users.xml'),
    /** Merged into config.xml by the server; holds the HTTPS settings when clickhouseTls is set. */
    tlsConfig: join(home, 'config.d', 'tls.xml'),
    /** Merged into users.xml by the server; holds clickhouseUsers. */
    passwordUsers: join(home, 'users.d', 'password-users.xml'),
    pidFile: join(home, 'clickhouse.pid'),
    stdoutLog: join(home, 'logs', 'stdout.log'),
    serverLog: join(home, 'logs', 'clickhouse-server.log'),
    errorLog: join(home, 'logs', 'clickhouse-server.err.log'),
  };
}

export function clickhouseEndpoint(options: StackOptions): string {
  return options.clickhouseUrl ?? `http://127.0.0.1:${options.clickhouseHttpPort}`;
}

/**
 * The server binary and the arguments before `--config-file`: the Debian package's `clickhouse-server`,
 * or the single `clickhouse` binary of current releases (`clickhouse server`).
 */
export function findClickHouseServer(): { command: string; args: string[] } | null {
  const server = findExecutable('clickhouse-server');
  if (server !== null) return { command: server, args: [] };
  const multi = findExecutable('clickhouse');
  if (multi !== null) return { command: multi, args: ['server'] };
  return null;
}

async function ensureBinary(
  options: StackOptions,
  steps: string[],
): Promise<{ command: string; args: string[] }> {
  const found = findClickHouseServer();
  if (found !== null) return found;
  const why =
    'ClickHouse is not installed (no clickhouse-server or clickhouse binary on PATH or in /usr/sbin)';
  if (!options.installMissing) throw new Error(why);
  const started = Date.now();
  await aptInstall(['clickhouse-server', 'clickhouse-client'], why);
  steps.push(`installed clickhouse-server with apt-get (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const installed = findClickHouseServer();
  if (installed === null)
    throw new Error('apt-get installed clickhouse-server but no server binary was found');
  return installed;
}

/** Where one server's base config lives and what it listens on. */
export interface ServerFiles {
  readonly httpPort: number;
  readonly tcpPort: number;
  readonly data: string;
  readonly logs: string;
  readonly config: string;
  readonly users: string;
}

/** Writes a server's config.xml and users.xml from infra/clickhouse (creating its data and log dirs). */
export function writeServerConfig(options: StackOptions, server: ServerFiles): void {
  for (const dir of [server.data, server.logs]) mkdirSync(dir, { recursive: true });
  const infra = join(options.rootDir, 'infra', 'clickhouse');
  writeFileSync(
    server.config,
    renderClickHouseConfig(readFileSync(join(infra, 'config.xml'), 'utf8'), {
      httpPort: server.httpPort,
      tcpPort: server.tcpPort,
      dataDir: server.data,
      logDir: server.logs,
      usersConfig: server.users,
    }),
  );
  writeFileSync(server.users, renderTemplate(readFileSync(join(infra, 'users.xml'), 'utf8'), {}));
}

function renderConfig(options: StackOptions): void {
  const paths = clickhousePaths(options);
  writeServerConfig(options, {
    ...paths,
    httpPort: options.clickhouseHttpPort,
    tcpPort: options.clickhouseTcpPort,
  });
  const infra = join(options.rootDir, 'infra', 'clickhouse');
  // Written or removed on every start, so that a data dir reused without these options drops them.
  if (options.clickhouseTls) {
    mkdirSync(dirname(paths.tlsConfig), { recursive: true });
    const template = readFileSync(join(infra, 'tls.xml'), 'utf8');
    writeFileSync(paths.tlsConfig, renderClickHouseTlsConfig(template, options.clickhouseTls));
  } else {
    removeFile(paths.tlsConfig);
  }
  if (options.clickhouseUsers) {
    mkdirSync(dirname(paths.passwordUsers), { recursive: true });
    const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
    writeFileSync(paths.passwordUsers, renderClickHouseUsers(options.clickhouseUsers, sha256Hex), {
      mode: 0o600,
    });
  } else {
    removeFile(paths.passwordUsers);
  }
}

function livePid(options: StackOptions): number | null {
  return livePidFromFile(clickhousePaths(options).pidFile, PROCESS_MARKER);
}

export async function clickhouseStatus(options: StackOptions): Promise<ServiceStatus> {
  const endpoint = clickhouseEndpoint(options);
  if (options.clickhouseUrl !== undefined) {
    const ok = await clickhousePing(endpoint);
    return {
      name: 'clickhouse',
      state: ok ? 'external' : 'unreachable',
      endpoint,
      pid: null,
      version: ok ? await clickhouseVersion(endpoint) : null,
      logFile: null,
    };
  }
  const paths = clickhousePaths(options);
  const pid = livePid(options);
  const answers = await clickhousePing(endpoint);
  const portBusy = answers || (await tcpAnswers('127.0.0.1', options.clickhouseHttpPort));
  const state = pid === null ? (portBusy ? 'foreign' : 'stopped') : answers ? 'running' : 'starting';
  return {
    name: 'clickhouse',
    state,
    endpoint,
    pid,
    version: answers ? await clickhouseVersion(endpoint) : null,
    logFile: existsSync(paths.serverLog) ? paths.serverLog : null,
  };
}

async function waitReady(options: StackOptions, pid: number): Promise<void> {
  const paths = clickhousePaths(options);
  const endpoint = clickhouseEndpoint(options);
  const deadline = Date.now() + options.startTimeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      removeFile(paths.pidFile);
      throw new Error(
        `ClickHouse (pid ${pid}) exited during start-up.\n${logTails([paths.stdoutLog, paths.errorLog, paths.serverLog])}`,
      );
    }
    // With TLS the HTTPS port must listen too: a bad certificate must not pass for a started server.
    const httpsPort = options.clickhouseTls?.httpsPort;
    if (
      (await clickhousePing(endpoint, 1000)) &&
      (httpsPort === undefined || (await tcpAnswers('127.0.0.1', httpsPort, 500)))
    ) {
      return;
    }
    await sleep(250);
  }
  throw new Error(
    `ClickHouse (pid ${pid}) did not answer ${endpoint}/ping within ${options.startTimeoutMs} ms; it is left ` +
      `running for inspection (aiops stack down stops it).\n${logTails([paths.stdoutLog, paths.errorLog])}`,
  );
}

/** Installs if needed, renders the config and starts ClickHouse unless ours is already running. */
export async function clickhouseUp(
  options: StackOptions,
  steps: string[],
): Promise<'started' | 'already-running'> {
  const paths = clickhousePaths(options);
  const existing = livePid(options);
  if (existing !== null) {
    await waitReady(options, existing);
    return 'already-running';
  }
  const ports = [options.clickhouseHttpPort, options.clickhouseTcpPort];
  if (options.clickhouseTls) ports.push(options.clickhouseTls.httpsPort);
  for (const port of ports) {
    if (await tcpAnswers('127.0.0.1', port)) {
      throw new Error(
        `port ${port} is in use by a process this stack did not start. Stop it, choose other ports, or use ` +
          `it as an external server: CLICKHOUSE_URL=http://127.0.0.1:${options.clickhouseHttpPort}`,
      );
    }
  }
  const binary = await ensureBinary(options, steps);
  renderConfig(options);
  const pid = spawnDetached(binary.command, [...binary.args, `--config-file=${paths.config}`], {
    cwd: paths.home,
    logFile: paths.stdoutLog,
  });
  writePidFile(paths.pidFile, pid);
  const started = Date.now();
  await waitReady(options, pid);
  steps.push(`started server pid ${pid}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 'started';
}

export { PROCESS_MARKER as CLICKHOUSE_PROCESS_MARKER };
