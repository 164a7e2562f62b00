import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Admin, Kafka, logLevel, type SASLOptions } from 'kafkajs';
import type { StackOptions } from './options.js';
import { logTails, tcpAnswers } from './probe.js';
import { isAlive, livePidFromFile, removeFile, sleep, spawnDetached, writePidFile } from './proc.js';
import {
  isClusterId,
  kafkaVersionFromJars,
  newClusterId,
  renderKafkaProperties,
  renderKafkaSaslOverlay,
  renderKafkaSslOverlay,
  scramFormatArgs,
} from './render.js';
import type { ServiceStatus } from './services.js';
import { aptInstall, findExecutable, run } from './system.js';

export const KAFKA_VERSION = '3.9.1';
const PROCESS_MARKER = 'kafka.Kafka';

export function kafkaPaths(options: StackOptions) {
  const home = join(options.dataDir, 'kafka');
  const libs = options.kafkaLibsDir ?? join(home, 'libs');
  return {
    home,
    libs,
    resolvedMarker: join(libs, `.resolved-${KAFKA_VERSION}`),
    data: join(home, 'data'),
    logs: join(home, 'logs'),
    properties: join(home, 'server.properties'),
    log4j: join(home, 'log4j.properties'),
    clusterIdFile: join(home, 'cluster-id'),
    /** Hash of the SASL users the storage was formatted with (SCRAM credentials live in the metadata). */
    saslUsersFile: join(home, 'sasl-users.sha256'),
    pidFile: join(home, 'kafka.pid'),
    stdoutLog: join(home, 'logs', 'stdout.log'),
    serverLog: join(home, 'logs', 'server.log'),
    pom: join(options.rootDir, 'infra', 'kafka', 'pom.xml'),
  };
}

export function kafkaEndpoint(options: StackOptions): string {
  return options.kafkaBrokers ?? `127.0.0.1:${options.kafkaPort}`;
}

export async function ensureJava(options: StackOptions): Promise<string> {
  const java = findExecutable('java');
  if (java !== null) return java;
  if (!options.installMissing)
    throw new Error('java (17+) is required to run Kafka and was not found on PATH');
  await aptInstall(
    ['openjdk-17-jre-headless'],
    'java (17+) is required to run Kafka and was not found on PATH',
  );
  return findExecutable('java') ?? 'java';
}

/** A Maven-described classpath (a pom of dependencies) resolved into a folder once. */
export interface JarSet {
  /** For messages: "the Kafka jars", "ZooKeeper". */
  readonly what: string;
  readonly pom: string;
  readonly libs: string;
  readonly resolvedMarker: string;
  /** Does the folder hold what Maven should have put there? Names the missing jar when not. */
  readonly missing: (files: readonly string[]) => string | null;
}

/** Resolves `jars` from Maven Central once (mvn dependency:copy-dependencies); later runs reuse them. */
export async function ensureMavenJars(options: StackOptions, jars: JarSet, steps: string[]): Promise<void> {
  if (existsSync(jars.resolvedMarker)) return;
  const why = `Maven (mvn) is required to fetch ${jars.what} and was not found`;
  let mvn = findExecutable('mvn');
  if (mvn === null) {
    if (!options.installMissing) throw new Error(why);
    await aptInstall(['maven'], why);
    mvn = findExecutable('mvn') ?? 'mvn';
  }
  mkdirSync(jars.libs, { recursive: true });
  const started = Date.now();
  await run(mvn, [
    '-q',
    '-B',
    '-f',
    jars.pom,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${jars.libs}`,
  ]);
  const missing = jars.missing(readdirSync(jars.libs));
  if (missing !== null) throw new Error(`Maven finished but ${jars.libs} holds no ${missing}`);
  writeFileSync(jars.resolvedMarker, `${new Date().toISOString()}\n`);
  steps.push(`resolved ${jars.what} with Maven (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/** Resolves the broker's jars from Maven Central once (infra/kafka/pom.xml); later runs reuse them. */
export async function ensureJars(options: StackOptions, steps: string[]): Promise<void> {
  const paths = kafkaPaths(options);
  await ensureMavenJars(
    options,
    {
      what: `Kafka ${KAFKA_VERSION} jars`,
      pom: paths.pom,
      libs: paths.libs,
      resolvedMarker: paths.resolvedMarker,
      missing: (files) => (kafkaVersionFromJars(files) === null ? 'kafka_2.13 jar' : null),
    },
    steps,
  );
}

/** The JVM command line of a Kafka tool or broker; `where` names its log4j file and log dir. */
export function javaArgs(
  options: StackOptions,
  mainClass: string,
  args: readonly string[],
  where: { readonly log4j: string; readonly logs: string } = kafkaPaths(options),
): string[] {
  const paths = { ...where, libs: kafkaPaths(options).libs };
  return [
    `-Xms${options.kafkaHeap.min}`,
    `-Xmx${options.kafkaHeap.max}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${paths.log4j}`,
    `-Dkafka.logs.dir=${paths.logs}`,
    '-cp',
    `${paths.libs}/*`,
    mainClass,
    ...args,
  ];
}

function saslUsersHash(options: StackOptions): string {
  const users = options.kafkaSasl?.users ?? [];
  return createHash('sha256')
    .update(users.map((u) => `${u.username}:${u.password}`).join('\n'))
    .digest('hex');
}

/** The SASL credentials clients of this stack (and its own probes) use: the first user, over PLAIN. */
export function kafkaProbeSasl(options: StackOptions): ProbeSasl | undefined {
  const user = options.kafkaSasl?.users[0];
  return user === undefined
    ? undefined
    : { mechanism: 'plain', username: user.username, password: user.password };
}

/** What the stack's own probes trust on an SSL broker: the CA of kafkaTls. */
export function kafkaProbeTls(options: StackOptions): ProbeTls | undefined {
  return options.kafkaTls === undefined ? undefined : { ca: readFileSync(options.kafkaTls.caFile, 'utf8') };
}

/** Renders server.properties and formats the KRaft storage once (the cluster id is kept in a file). */
async function ensureConfigAndStorage(options: StackOptions, java: string, steps: string[]): Promise<void> {
  const paths = kafkaPaths(options);
  mkdirSync(paths.data, { recursive: true });
  mkdirSync(paths.logs, { recursive: true });
  const template = readFileSync(join(options.rootDir, 'infra', 'kafka', 'server.properties'), 'utf8');
  let properties = renderKafkaProperties(template, {
    kafkaPort: options.kafkaPort,
    controllerPort: options.kafkaControllerPort,
    logDirs: paths.data,
  });
  if (options.kafkaSasl) {
    const overlay = readFileSync(join(options.rootDir, 'infra', 'kafka', 'sasl.properties'), 'utf8');
    properties += `\n${renderKafkaSaslOverlay(overlay, {
      kafkaPort: options.kafkaPort,
      controllerPort: options.kafkaControllerPort,
      users: options.kafkaSasl.users,
    })}`;
  }
  if (options.kafkaTls) {
    const overlay = readFileSync(join(options.rootDir, 'infra', 'kafka', 'ssl.properties'), 'utf8');
    properties += `\n${renderKafkaSslOverlay(overlay, {
      kafkaPort: options.kafkaPort,
      controllerPort: options.kafkaControllerPort,
      ...options.kafkaTls,
    })}`;
  }
  // PLAIN passwords or the keystore password may be in it: readable by this user only.
  writeFileSync(paths.properties, properties, { mode: 0o600 });
  writeFileSync(
    paths.log4j,
    readFileSync(join(options.rootDir, 'infra', 'kafka', 'log4j.properties'), 'utf8'),
  );
  if (existsSync(join(paths.data, 'meta.properties'))) {
    if (options.kafkaSasl) {
      const formattedWith = existsSync(paths.saslUsersFile)
        ? readFileSync(paths.saslUsersFile, 'utf8').trim()
        : null;
      if (formattedWith !== saslUsersHash(options)) {
        throw new Error(
          `the Kafka storage in ${paths.data} was formatted ${formattedWith === null ? 'without SASL users' : 'with other SASL users'}; ` +
            'SCRAM credentials are written at format time. Use a new data dir (AIOPS_STACK_DIR), or change ' +
            'users with kafka-configs --alter --add-config SCRAM-SHA-512=[password=...] --entity-type users.',
        );
      }
    }
    return;
  }
  let clusterId = existsSync(paths.clusterIdFile) ? readFileSync(paths.clusterIdFile, 'utf8').trim() : '';
  if (!isClusterId(clusterId)) {
    clusterId = newClusterId((size) => randomBytes(size));
    writeFileSync(paths.clusterIdFile, `${clusterId}\n`);
  }
  const scram = options.kafkaSasl ? scramFormatArgs(options.kafkaSasl.users) : [];
  await run(
    java,
    javaArgs(options, 'kafka.tools.StorageTool', [
      'format',
      '-c',
      paths.properties,
      '-t',
      clusterId,
      ...scram,
    ]),
    {
      cwd: paths.home,
    },
  );
  if (options.kafkaSasl) writeFileSync(paths.saslUsersFile, `${saslUsersHash(options)}\n`, { mode: 0o600 });
  steps.push(
    `formatted KRaft storage (cluster ${clusterId}${options.kafkaSasl ? `, ${options.kafkaSasl.users.length} SCRAM users` : ''})`,
  );
}

export interface ProbeSasl {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

export interface ProbeTls {
  /** PEM of the CA that signed the broker certificate. */
  readonly ca: string;
}

/** A real metadata round trip: the broker answers and a controller is elected. */
/** A quiet admin client that never retries: the stack's probes ask once and report. */
export function probeAdmin(brokers: string, timeoutMs: number, sasl?: ProbeSasl, tls?: ProbeTls): Admin {
  return new Kafka({
    clientId: 'aiops-stack-probe',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    ...(sasl ? { sasl: { ...sasl } as SASLOptions } : {}),
    ...(tls ? { ssl: { ca: [tls.ca], rejectUnauthorized: true } } : {}),
  }).admin();
}

export async function kafkaReady(
  brokers: string,
  timeoutMs = 3000,
  sasl?: ProbeSasl,
  tls?: ProbeTls,
): Promise<boolean> {
  const admin = probeAdmin(brokers, timeoutMs, sasl, tls);
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller >= 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export function kafkaInstalledVersion(options: StackOptions): string | null {
  const libs = kafkaPaths(options).libs;
  return existsSync(libs) ? kafkaVersionFromJars(readdirSync(libs)) : null;
}

function livePid(options: StackOptions): number | null {
  return livePidFromFile(kafkaPaths(options).pidFile, PROCESS_MARKER);
}

export async function kafkaStatus(options: StackOptions): Promise<ServiceStatus> {
  const endpoint = kafkaEndpoint(options);
  if (options.kafkaBrokers !== undefined) {
    const ok = await kafkaReady(endpoint, 3000, kafkaProbeSasl(options), kafkaProbeTls(options));
    return {
      name: 'kafka',
      state: ok ? 'external' : 'unreachable',
      endpoint,
      pid: null,
      version: null,
      logFile: null,
    };
  }
  const paths = kafkaPaths(options);
  const pid = livePid(options);
  const answers = await tcpAnswers('127.0.0.1', options.kafkaPort);
  const state =
    pid === null
      ? answers
        ? 'foreign'
        : 'stopped'
      : answers && (await kafkaReady(endpoint, 3000, kafkaProbeSasl(options), kafkaProbeTls(options)))
        ? 'running'
        : 'starting';
  return {
    name: 'kafka',
    state,
    endpoint,
    pid,
    version: kafkaInstalledVersion(options),
    logFile: existsSync(paths.serverLog) ? paths.serverLog : null,
  };
}

async function waitReady(options: StackOptions, pid: number): Promise<void> {
  const paths = kafkaPaths(options);
  const endpoint = kafkaEndpoint(options);
  const deadline = Date.now() + options.startTimeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      removeFile(paths.pidFile);
      throw new Error(
        `Kafka (pid ${pid}) exited during start-up.\n${logTails([paths.stdoutLog, paths.serverLog])}`,
      );
    }
    if (
      (await tcpAnswers('127.0.0.1', options.kafkaPort, 500)) &&
      (await kafkaReady(endpoint, 3000, kafkaProbeSasl(options), kafkaProbeTls(options)))
    ) {
      return;
    }
    await sleep(500);
  }
  throw new Error(
    `Kafka (pid ${pid}) did not answer on ${endpoint} within ${options.startTimeoutMs} ms; it is left running ` +
      `for inspection (aiops stack down stops it).\n${logTails([paths.stdoutLog, paths.serverLog])}`,
  );
}

/** Provisions (jars, config, storage) and starts Kafka unless ours is already running. */
export async function kafkaUp(
  options: StackOptions,
  steps: string[],
): Promise<'started' | 'already-running'> {
  const paths = kafkaPaths(options);
  const existing = livePid(options);
  if (existing !== null) {
    await waitReady(options, existing);
    return 'already-running';
  }
  if (await tcpAnswers('127.0.0.1', options.kafkaPort)) {
    throw new Error(
      `port ${options.kafkaPort} is in use by a process this stack did not start. Stop it, choose another ` +
        `port, or use it as an external broker: KAFKA_BROKERS=127.0.0.1:${options.kafkaPort}`,
    );
  }
  const java = await ensureJava(options);
  await ensureJars(options, steps);
  await ensureConfigAndStorage(options, java, steps);
  const pid = spawnDetached(java, javaArgs(options, 'kafka.Kafka', [paths.properties]), {
    cwd: paths.home,
    logFile: paths.stdoutLog,
  });
  writePidFile(paths.pidFile, pid);
  const started = Date.now();
  await waitReady(options, pid);
  steps.push(`started broker pid ${pid}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 'started';
}

export { PROCESS_MARKER as KAFKA_PROCESS_MARKER };
