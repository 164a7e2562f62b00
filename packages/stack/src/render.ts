/**
 * Pure configuration rendering: templates from infra/ with `{{name}}` placeholders become the files the
 * processes read. Every placeholder must have a value and every value must be used, so a renamed key
 * in a template fails loudly instead of leaving `{{x}}` in a config.
 */

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

export type TemplateValues = Readonly<Record<string, string | number>>;

export function renderTemplate(
  template: string,
  values: TemplateValues,
  escapeValue: (value: string) => string = (v) => v,
): string {
  const used = new Set<string>();
  const missing = new Set<string>();
  const text = template.replace(PLACEHOLDER, (_all, name: string) => {
    const value = values[name];
    if (value === undefined) {
      missing.add(name);
      return '';
    }
    used.add(name);
    return escapeValue(String(value));
  });
  if (missing.size > 0)
    throw new RangeError(`template placeholders without a value: ${[...missing].join(', ')}`);
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length > 0) throw new RangeError(`values not used by the template: ${unused.join(', ')}`);
  return text;
}

export function xmlEscape(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** Java properties: backslashes would be eaten as escapes; paths here never need any other escaping. */
function propertiesEscape(value: string): string {
  return value.replaceAll('\\', '\\\\');
}

export interface KafkaRenderInput {
  readonly kafkaPort: number;
  readonly controllerPort: number;
  readonly logDirs: string;
}

export function renderKafkaProperties(template: string, input: KafkaRenderInput): string {
  return renderTemplate(
    template,
    { kafkaPort: input.kafkaPort, controllerPort: input.controllerPort, logDirs: input.logDirs },
    propertiesEscape,
  );
}

export interface KafkaClusterNode {
  readonly nodeId: number;
  readonly port: number;
  readonly controllerPort: number;
}

/**
 * The brokers of `aiops stack up --cluster`: node i (1-based) listens on kafkaPort + 100·(i-1) and its
 * controller on controllerPort + 100·(i-1); pure.
 */
export function kafkaClusterNodes(
  kafkaPort: number,
  controllerPort: number,
  count: number,
): KafkaClusterNode[] {
  return Array.from({ length: count }, (_, i) => ({
    nodeId: i + 1,
    port: kafkaPort + 100 * i,
    controllerPort: controllerPort + 100 * i,
  }));
}

/** The cluster overlay (infra/kafka/cluster.properties) for one node of `nodes`. */
export function renderKafkaClusterOverlay(
  template: string,
  node: KafkaClusterNode,
  nodes: readonly KafkaClusterNode[],
): string {
  const replicas = Math.min(3, nodes.length);
  return renderTemplate(template, {
    nodeId: node.nodeId,
    voters: nodes.map((n) => `${n.nodeId}@127.0.0.1:${n.controllerPort}`).join(','),
    replicas,
    minIsr: replicas === 3 ? 2 : 1,
  });
}

export interface KafkaSaslRenderInput {
  readonly kafkaPort: number;
  readonly controllerPort: number;
  /** The first user is the broker's own identity on the inter-broker listener. */
  readonly users: readonly { readonly username: string; readonly password: string }[];
}

/**
 * The SASL overlay (infra/kafka/sasl.properties), appended to the rendered server.properties: in a Java
 * properties file the last occurrence of a key wins, so the overlay replaces the listener settings.
 * Names and passwords must already be restricted to characters that need no quoting (see options).
 */
export function renderKafkaSaslOverlay(template: string, input: KafkaSaslRenderInput): string {
  const broker = input.users[0];
  if (broker === undefined) throw new RangeError('SASL needs at least one user');
  for (const user of input.users) {
    if (!/^[A-Za-z0-9._~+/=-]+$/.test(user.username) || !/^[A-Za-z0-9._~+/=-]+$/.test(user.password)) {
      throw new RangeError(
        `SASL user ${JSON.stringify(user.username)} has characters that would need quoting`,
      );
    }
  }
  return renderTemplate(template, {
    kafkaPort: input.kafkaPort,
    controllerPort: input.controllerPort,
    brokerUser: broker.username,
    brokerPassword: broker.password,
    plainUsers: input.users.map((u) => `user_${u.username}="${u.password}"`).join(' '),
  });
}

export interface KafkaSslRenderInput {
  readonly kafkaPort: number;
  readonly controllerPort: number;
  readonly keystoreFile: string;
  readonly keystorePassword: string;
  /** PEM truststore: the broker trusts its own CA should it ever connect to its SSL listener. */
  readonly caFile: string;
}

/**
 * The SSL overlay (infra/kafka/ssl.properties), appended like the SASL one. The keystore password must
 * already be restricted to characters that need no escaping in a properties file (see options).
 */
export function renderKafkaSslOverlay(template: string, input: KafkaSslRenderInput): string {
  if (!/^[A-Za-z0-9._~+/=-]+$/.test(input.keystorePassword)) {
    throw new RangeError('the keystore password has characters that would need escaping');
  }
  return renderTemplate(
    template,
    {
      kafkaPort: input.kafkaPort,
      controllerPort: input.controllerPort,
      keystoreFile: input.keystoreFile,
      keystorePassword: input.keystorePassword,
      caFile: input.caFile,
    },
    propertiesEscape,
  );
}

/** The `kafka-storage format` arguments that create every user's SCRAM credentials. */
export function scramFormatArgs(users: readonly { username: string; password: string }[]): string[] {
  return users.flatMap((u) =>
    ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((mechanism) => [
      '--add-scram',
      `${mechanism}=[name=${u.username},password=${u.password}]`,
    ]),
  );
}

export interface ClickHouseRenderInput {
  readonly httpPort: number;
  readonly tcpPort: number;
  /** Data folder (no trailing slash). */
  readonly dataDir: string;
  readonly logDir: string;
  readonly usersConfig: string;
}

export function renderClickHouseConfig(template: string, input: ClickHouseRenderInput): string {
  return renderTemplate(
    template,
    {
      httpPort: input.httpPort,
      tcpPort: input.tcpPort,
      dataDir: input.dataDir,
      logDir: input.logDir,
      usersConfig: input.usersConfig,
    },
    xmlEscape,
  );
}

export interface ClickHouseTlsRenderInput {
  readonly httpsPort: number;
  readonly certificateFile: string;
  readonly privateKeyFile: string;
}

/** infra/clickhouse/tls.xml, written to config.d/ where the server merges it into config.xml. */
export function renderClickHouseTlsConfig(template: string, input: ClickHouseTlsRenderInput): string {
  return renderTemplate(
    template,
    {
      httpsPort: input.httpsPort,
      certificateFile: input.certificateFile,
      privateKeyFile: input.privateKeyFile,
    },
    xmlEscape,
  );
}

/**
 * Users with a password, as a users.d/ file the server merges into users.xml: SHA-256 of the password
 * (never the password itself), the default profile and quota, loopback only. `sha256Hex` is injected to
 * keep this pure. Names must already be plain identifiers (they become element names; see options).
 */
export function renderClickHouseUsers(
  users: readonly { readonly username: string; readonly password: string }[],
  sha256Hex: (text: string) => string,
): string {
  const entries = users.map((user) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(user.username)) {
      throw new RangeError(`ClickHouse user ${JSON.stringify(user.username)} is not a plain identifier`);
    }
    return [
      `        <${user.username}>`,
      `            <password_sha256_hex>${sha256Hex(user.password)}</password_sha256_hex>`,
      '            <networks>',
      '                <ip>::1</ip>',
      '                <ip>127.0.0.1</ip>',
      '            </networks>',
      '            <profile>default</profile>',
      '            <quota>default</quota>',
      `        </${user.username}>`,
    ].join('\n');
  });
  return [
    '<?xml version="1.0"?>',
    '<!-- Rendered by @aiops/stack (option clickhouseUsers); merged into users.xml by the server. -->',
    '<yandex>',
    '    <users>',
    ...entries,
    '    </users>',
    '</yandex>',
    '',
  ].join('\n');
}

/**
 * A KRaft cluster id: 16 random bytes as unpadded base64url, the form `kafka-storage random-uuid` prints
 * (22 characters). Ids starting with '-' are avoided, like Kafka does, since command lines would read
 * them as options. `randomBytes` is injected to keep this pure.
 */
export function newClusterId(randomBytes: (size: number) => Uint8Array): string {
  for (;;) {
    const id = Buffer.from(randomBytes(16)).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export function isClusterId(value: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(value);
}

/** The Kafka version from the broker jar's file name (`kafka_2.13-3.9.1.jar` → `3.9.1`). */
export function kafkaVersionFromJars(jarNames: readonly string[]): string | null {
  for (const name of jarNames) {
    const match = /^kafka_\d+\.\d+-(\d+\.\d+\.\d+[^/]*?)\.jar$/.exec(name);
    if (match) return match[1]!;
  }
  return null;
}

/** The last `lines` lines of a log, for error messages. */
export function tailLines(text: string, lines: number): string {
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  return all.slice(-lines).join('\n');
}

/** Name of the ClickHouse cluster (remote_servers) of the stack's cluster mode: CLICKHOUSE_CLUSTER. */
export const CLICKHOUSE_CLUSTER_NAME = 'aiops';

export interface ClickHouseReplicaNode {
  readonly replica: number;
  readonly httpPort: number;
  readonly tcpPort: number;
  readonly interserverPort: number;
}

/**
 * The ClickHouse replicas of cluster mode: replica r (1-based) on the HTTP and native ports + 100·(r-1),
 * its interserver (replication) port on the HTTP port + 1; pure.
 */
export function clickhouseReplicaNodes(
  httpPort: number,
  tcpPort: number,
  count: number,
): ClickHouseReplicaNode[] {
  return Array.from({ length: count }, (_, i) => ({
    replica: i + 1,
    httpPort: httpPort + 100 * i,
    tcpPort: tcpPort + 100 * i,
    interserverPort: httpPort + 100 * i + 1,
  }));
}

/** The cluster overlay (infra/clickhouse/cluster.xml) of one replica. */
export function renderClickHouseClusterConfig(
  template: string,
  node: ClickHouseReplicaNode,
  nodes: readonly ClickHouseReplicaNode[],
  zookeeperPort: number,
): string {
  const replicas = nodes
    .map(
      (n) =>
        `                <replica>\n                    <host>127.0.0.1</host>\n                    <port>${n.tcpPort}</port>\n                </replica>`,
    )
    .join('\n');
  return renderTemplate(template, {
    zookeeperPort,
    cluster: CLICKHOUSE_CLUSTER_NAME,
    replicas,
    replica: `replica-${node.replica}`,
    interserverPort: node.interserverPort,
  });
}
