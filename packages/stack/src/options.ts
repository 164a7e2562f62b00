import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { clickhouseReplicaNodes, kafkaClusterNodes } from './render.js';

const port = z.number().int().min(1).max(65_535);

/**
 * SASL names and passwords go into the broker's JAAS line and the `kafka-storage format --add-scram`
 * argument unquoted: a conservative alphabet keeps both unambiguous.
 */
const SASL_TOKEN = /^[A-Za-z0-9._~+/=-]+$/;
const saslUserSchema = z.strictObject({
  username: z.string().min(1).max(64).regex(SASL_TOKEN, 'letters, digits and ._~+/=- only'),
  password: z.string().min(8).max(128).regex(SASL_TOKEN, 'letters, digits and ._~+/=- only'),
});

/**
 * Run Kafka with a SASL_PLAINTEXT listener instead of PLAINTEXT: SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN,
 * each user known to all three. SCRAM credentials are written when the storage is formatted, so the user
 * list of an existing data dir cannot change (a new data dir, or kafka-configs --alter, is needed). The
 * first user is also the broker's own identity on its inter-broker listener.
 */
const kafkaSaslSchema = z.strictObject({ users: z.array(saslUserSchema).min(1) });
export type StackSaslUser = z.output<typeof saslUserSchema>;

/**
 * Run Kafka with an SSL listener instead of PLAINTEXT (server authentication and encryption; clients are
 * not asked for certificates). The keystore password goes into server.properties unquoted, hence the
 * same conservative alphabet as SASL passwords.
 */
const kafkaTlsSchema = z.strictObject({
  /** PKCS12 keystore holding the broker's private key and certificate (for 127.0.0.1). */
  keystoreFile: z.string().min(1),
  /** Password of the keystore and of the key in it (keytool uses one for both in PKCS12). */
  keystorePassword: z.string().min(6).max(128).regex(SASL_TOKEN, 'letters, digits and ._~+/=- only'),
  /** PEM of the CA that signed the broker certificate: the stack's own probes trust it. */
  caFile: z.string().min(1),
});
export type StackKafkaTls = z.output<typeof kafkaTlsSchema>;

/** An HTTPS port on ClickHouse next to the plain HTTP one (which the stack's own probes keep using). */
const clickhouseTlsSchema = z.strictObject({
  httpsPort: port,
  /** PEM certificate (chain) for 127.0.0.1. */
  certificateFile: z.string().min(1),
  /** Its private key, PEM, not encrypted. */
  privateKeyFile: z.string().min(1),
});
export type StackClickHouseTls = z.output<typeof clickhouseTlsSchema>;

/**
 * A ClickHouse user with a password (stored as SHA-256, full access like `default`, loopback only).
 * The name becomes an XML element name; `default` and `analyst` are taken by infra/clickhouse/users.xml.
 */
const clickhouseUserSchema = z.strictObject({
  username: z
    .string()
    .max(64)
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and _ only, not starting with a digit')
    .refine(
      (name) => name !== 'default' && name !== 'analyst',
      'default and analyst are defined in users.xml',
    ),
  password: z.string().min(8).max(256),
});
export type StackClickHouseUser = z.output<typeof clickhouseUserSchema>;

/** What `stackUp` / `stackStatus` / `stackDown` accept. Unknown keys are refused. */
export const stackOptionsSchema = z
  .object({
    /** The repository root (holds infra/); found from this file's location when omitted. */
    rootDir: z.string().min(1).optional(),
    /** Where binaries, data, logs and pid files live; default `<root>/.aiops` (git-ignored). */
    dataDir: z.string().min(1).optional(),
    kafkaPort: port.default(19092),
    kafkaControllerPort: port.default(19093),
    clickhouseHttpPort: port.default(18123),
    clickhouseTcpPort: port.default(19000),
    /** ZooKeeper's client port in cluster mode (the ClickHouse replicas' coordination). */
    zookeeperPort: port.default(12181),
    /** An external broker list ("host:port,host:port"): when set, Kafka is not provisioned. */
    kafkaBrokers: z.string().min(1).optional(),
    /** An external ClickHouse HTTP URL: when set, ClickHouse is not provisioned. */
    clickhouseUrl: z.url({ protocol: /^https?$/ }).optional(),
    kafkaHeap: z
      .object({ min: z.string().regex(/^\d+[mg]$/), max: z.string().regex(/^\d+[mg]$/) })
      .strict()
      .default({ min: '256m', max: '768m' }),
    /** How long a service may take to answer after it is started (the Maven download is not counted). */
    startTimeoutMs: z.number().int().positive().default(120_000),
    /** How long `down` waits after SIGTERM before SIGKILL. */
    stopTimeoutMs: z.number().int().positive().default(30_000),
    /** May `up` install missing system packages (ClickHouse, Java, Maven) with apt-get? Needs root. */
    installMissing: z.boolean().default(true),
    /** A SASL-only broker (see kafkaSaslSchema); without it the broker listens in PLAINTEXT. */
    kafkaSasl: kafkaSaslSchema.optional(),
    /** An SSL-only broker (see kafkaTlsSchema); cannot be combined with kafkaSasl (no SASL_SSL here). */
    kafkaTls: kafkaTlsSchema.optional(),
    /** The Kafka jars to use instead of resolving them into the data dir (e.g. another stack's libs). */
    kafkaLibsDir: z.string().min(1).optional(),
    /** HTTPS on ClickHouse (see clickhouseTlsSchema). */
    clickhouseTls: clickhouseTlsSchema.optional(),
    /**
     * Cluster mode (`aiops stack up --cluster`, or AIOPS_STACK_CLUSTER=true): three KRaft brokers (each also
     * a controller) on kafkaPort/kafkaControllerPort + 0, 100 and 200, data under <dataDir>/kafka-cluster;
     * ZooKeeper on zookeeperPort and two ClickHouse replicas of one shard (cluster `aiops`) on the ClickHouse
     * ports + 0 and 100 (interserver: HTTP port + 1), data under <dataDir>/clickhouse-cluster.
     * Not combined with kafkaSasl, kafkaTls, clickhouseTls or clickhouseUsers.
     */
    cluster: z.boolean().default(false),
    /** Extra ClickHouse users with a password (see clickhouseUserSchema). */
    clickhouseUsers: z.array(clickhouseUserSchema).min(1).optional(),
  })
  .strict();

export type StackOptionsInput = z.input<typeof stackOptionsSchema>;
export type StackOptions = Omit<z.output<typeof stackOptionsSchema>, 'rootDir' | 'dataDir'> & {
  readonly rootDir: string;
  readonly dataDir: string;
};

/** Walks up from `start` to the folder holding infra/kafka/pom.xml. */
export function findRepoRoot(start: string = dirname(fileURLToPath(import.meta.url))): string {
  let current = resolve(start);
  for (;;) {
    if (existsSync(join(current, 'infra', 'kafka', 'pom.xml'))) return current;
    const parent = dirname(current);
    if (parent === current) {
      throw new Error(`cannot find the repository root (a folder with infra/kafka/pom.xml) above ${start}`);
    }
    current = parent;
  }
}

const PORT_VARIABLES = [
  ['AIOPS_KAFKA_PORT', 'kafkaPort'],
  ['AIOPS_KAFKA_CONTROLLER_PORT', 'kafkaControllerPort'],
  ['AIOPS_CLICKHOUSE_HTTP_PORT', 'clickhouseHttpPort'],
  ['AIOPS_CLICKHOUSE_TCP_PORT', 'clickhouseTcpPort'],
  ['AIOPS_ZOOKEEPER_PORT', 'zookeeperPort'],
] as const;

/**
 * Validates options and fills the environment's part: KAFKA_BROKERS and CLICKHOUSE_URL switch the
 * matching service to external, AIOPS_STACK_DIR moves the data dir, AIOPS_KAFKA_PORT,
 * AIOPS_KAFKA_CONTROLLER_PORT, AIOPS_CLICKHOUSE_HTTP_PORT and AIOPS_CLICKHOUSE_TCP_PORT move the ports
 * (so a second checkout, or CI on a shared machine, can run its own stack), AIOPS_KAFKA_LIBS_DIR reuses
 * resolved Kafka jars, AIOPS_KAFKA_SASL_USERS_FILE (`username:password` lines) turns on SASL. Explicit
 * options win.
 */
export function resolveStackOptions(
  input: StackOptionsInput = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): StackOptions {
  const withEnv: StackOptionsInput = { ...input };
  if (withEnv.kafkaBrokers === undefined && env.KAFKA_BROKERS) withEnv.kafkaBrokers = env.KAFKA_BROKERS;
  if (withEnv.clickhouseUrl === undefined && env.CLICKHOUSE_URL) withEnv.clickhouseUrl = env.CLICKHOUSE_URL;
  if (withEnv.dataDir === undefined && env.AIOPS_STACK_DIR) withEnv.dataDir = env.AIOPS_STACK_DIR;
  for (const [variable, key] of PORT_VARIABLES) {
    const value = env[variable];
    if (withEnv[key] === undefined && value !== undefined && value !== '') withEnv[key] = Number(value);
  }
  if (
    withEnv.cluster === undefined &&
    env.AIOPS_STACK_CLUSTER !== undefined &&
    env.AIOPS_STACK_CLUSTER !== ''
  ) {
    withEnv.cluster = env.AIOPS_STACK_CLUSTER === 'true' || env.AIOPS_STACK_CLUSTER === '1';
  }
  if (withEnv.kafkaLibsDir === undefined && env.AIOPS_KAFKA_LIBS_DIR) {
    withEnv.kafkaLibsDir = env.AIOPS_KAFKA_LIBS_DIR;
  }
  if (withEnv.kafkaSasl === undefined && env.AIOPS_KAFKA_SASL_USERS_FILE) {
    withEnv.kafkaSasl = { users: readSaslUsersFile(env.AIOPS_KAFKA_SASL_USERS_FILE) };
  }
  const result = stackOptionsSchema.safeParse(withEnv);
  if (!result.success) {
    throw new Error(`invalid stack options:\n${z.prettifyError(result.error)}`);
  }
  const parsed = result.data;
  const kafkaPorts = parsed.cluster
    ? kafkaClusterNodes(parsed.kafkaPort, parsed.kafkaControllerPort, 3).flatMap((n) => [
        n.port,
        n.controllerPort,
      ])
    : [parsed.kafkaPort, parsed.kafkaControllerPort];
  const clickhousePorts = parsed.cluster
    ? [
        ...clickhouseReplicaNodes(parsed.clickhouseHttpPort, parsed.clickhouseTcpPort, 2).flatMap((n) => [
          n.httpPort,
          n.tcpPort,
          n.interserverPort,
        ]),
        parsed.zookeeperPort,
      ]
    : [parsed.clickhouseHttpPort, parsed.clickhouseTcpPort];
  const ports = [
    ...kafkaPorts,
    ...clickhousePorts,
    ...(parsed.clickhouseTls ? [parsed.clickhouseTls.httpsPort] : []),
  ];
  if (new Set(ports).size !== ports.length)
    throw new Error(`stack ports must all differ; got ${ports.join(', ')}`);
  const rootDir = resolve(parsed.rootDir ?? findRepoRoot());
  const dataDir = resolve(parsed.dataDir ?? join(rootDir, '.aiops'));
  const users = parsed.kafkaSasl?.users.map((u) => u.username) ?? [];
  if (new Set(users).size !== users.length) throw new Error('kafkaSasl: user names must be unique');
  if (
    parsed.cluster &&
    (parsed.kafkaSasl || parsed.kafkaTls || parsed.clickhouseTls || parsed.clickhouseUsers)
  ) {
    throw new Error(
      'cluster: the local cluster runs PLAINTEXT only; drop kafkaSasl, kafkaTls, clickhouseTls and clickhouseUsers',
    );
  }
  if (parsed.kafkaSasl && parsed.kafkaTls) {
    throw new Error('kafkaSasl and kafkaTls cannot be combined: the local stack has no SASL_SSL listener');
  }
  const clickhouseUsers = parsed.clickhouseUsers?.map((u) => u.username) ?? [];
  if (new Set(clickhouseUsers).size !== clickhouseUsers.length) {
    throw new Error('clickhouseUsers: user names must be unique');
  }
  return { ...parsed, rootDir, dataDir };
}

/** `username:password` per line (blank lines and # comments skipped), e.g. a mounted secret. */
export function parseSaslUsers(
  text: string,
  source = 'SASL users',
): { username: string; password: string }[] {
  const users: { username: string; password: string }[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`${source} line ${index + 1}: expected username:password`);
    users.push({ username: line.slice(0, colon), password: line.slice(colon + 1) });
  }
  return users;
}

function readSaslUsersFile(path: string): { username: string; password: string }[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read AIOPS_KAFKA_SASL_USERS_FILE ${path}: ${(error as Error).message}`);
  }
  return parseSaslUsers(text, path);
}
