import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  isClusterId,
  kafkaClusterNodes,
  kafkaVersionFromJars,
  newClusterId,
  renderClickHouseConfig,
  renderClickHouseTlsConfig,
  renderClickHouseUsers,
  renderKafkaClusterOverlay,
  renderKafkaProperties,
  renderKafkaSaslOverlay,
  renderKafkaSslOverlay,
  renderTemplate,
  scramFormatArgs,
  tailLines,
  xmlEscape,
} from '../src/render.js';

const infra = (file: string) =>
  readFileSync(fileURLToPath(new URL(`../../../infra/${file}`, import.meta.url)), 'utf8');

/** Java properties as a map (comments and blank lines dropped). */
function properties(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const index = trimmed.indexOf('=');
    map.set(trimmed.slice(0, index), trimmed.slice(index + 1));
  }
  return map;
}

describe('the Kafka SASL overlay', () => {
  const users = [
    { username: 'broker', password: 'broker-secret-1' },
    { username: 'alice', password: 'alice-secret-2' },
  ];
  const base = renderKafkaProperties(infra('kafka/server.properties'), {
    kafkaPort: 29392,
    controllerPort: 29393,
    logDirs: '/d',
  });
  const overlay = renderKafkaSaslOverlay(infra('kafka/sasl.properties'), {
    kafkaPort: 29392,
    controllerPort: 29393,
    users,
  });
  // Appended: the last occurrence of a key wins, as in java.util.Properties.
  const merged = properties(`${base}\n${overlay}`);

  it('replaces the PLAINTEXT listener by SASL_PLAINTEXT and keeps the controller on loopback', () => {
    expect(merged.get('listeners')).toBe('SASL_PLAINTEXT://127.0.0.1:29392,CONTROLLER://127.0.0.1:29393');
    expect(merged.get('advertised.listeners')).toBe('SASL_PLAINTEXT://127.0.0.1:29392');
    expect(merged.get('listener.security.protocol.map')).toBe(
      'SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
    );
    expect(merged.get('inter.broker.listener.name')).toBe('SASL_PLAINTEXT');
    expect(merged.get('sasl.enabled.mechanisms')).toBe('SCRAM-SHA-512,SCRAM-SHA-256,PLAIN');
    expect(merged.get('log.dirs')).toBe('/d');
  });

  it('lists every user for PLAIN and makes the first one the broker identity', () => {
    expect(merged.get('listener.name.sasl_plaintext.plain.sasl.jaas.config')).toBe(
      'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-secret-1" ' +
        'user_broker="broker-secret-1" user_alice="alice-secret-2";',
    );
    expect(overlay).not.toMatch(/\{\{/);
  });

  it('creates SCRAM-SHA-256 and -512 credentials for every user at format time', () => {
    expect(scramFormatArgs(users)).toEqual([
      '--add-scram',
      'SCRAM-SHA-256=[name=broker,password=broker-secret-1]',
      '--add-scram',
      'SCRAM-SHA-512=[name=broker,password=broker-secret-1]',
      '--add-scram',
      'SCRAM-SHA-256=[name=alice,password=alice-secret-2]',
      '--add-scram',
      'SCRAM-SHA-512=[name=alice,password=alice-secret-2]',
    ]);
  });

  it('refuses names or passwords that would need quoting, and an empty user list', () => {
    const template = infra('kafka/sasl.properties');
    const at = { kafkaPort: 1, controllerPort: 2 };
    expect(() =>
      renderKafkaSaslOverlay(template, { ...at, users: [{ username: 'a', password: 'x" y' }] }),
    ).toThrow(/quoting/);
    expect(() => renderKafkaSaslOverlay(template, { ...at, users: [] })).toThrow(/at least one/);
  });
});

describe('the Kafka SSL overlay', () => {
  const input = {
    kafkaPort: 29492,
    controllerPort: 29493,
    keystoreFile: '/tmp/certs/broker.p12',
    keystorePassword: 'ks-0123abcd',
    caFile: '/tmp/certs/ca.pem',
  };
  const base = renderKafkaProperties(infra('kafka/server.properties'), { ...input, logDirs: '/d' });
  const merged = properties(`${base}\n${renderKafkaSslOverlay(infra('kafka/ssl.properties'), input)}`);

  it('replaces the PLAINTEXT listener by SSL and keeps the controller on loopback', () => {
    expect(merged.get('listeners')).toBe('SSL://127.0.0.1:29492,CONTROLLER://127.0.0.1:29493');
    expect(merged.get('advertised.listeners')).toBe('SSL://127.0.0.1:29492');
    expect(merged.get('listener.security.protocol.map')).toBe('SSL:SSL,CONTROLLER:PLAINTEXT');
    expect(merged.get('inter.broker.listener.name')).toBe('SSL');
    expect(merged.get('log.dirs')).toBe('/d');
  });

  it('points at the PKCS12 keystore and the PEM CA, and asks clients for no certificate', () => {
    expect(merged.get('ssl.keystore.type')).toBe('PKCS12');
    expect(merged.get('ssl.keystore.location')).toBe('/tmp/certs/broker.p12');
    expect(merged.get('ssl.keystore.password')).toBe('ks-0123abcd');
    expect(merged.get('ssl.key.password')).toBe('ks-0123abcd');
    expect(merged.get('ssl.truststore.type')).toBe('PEM');
    expect(merged.get('ssl.truststore.location')).toBe('/tmp/certs/ca.pem');
    expect(merged.get('ssl.client.auth')).toBe('none');
    expect(merged.get('ssl.enabled.protocols')).toBe('TLSv1.3,TLSv1.2');
  });

  it('refuses a keystore password that would need escaping', () => {
    expect(() =>
      renderKafkaSslOverlay(infra('kafka/ssl.properties'), { ...input, keystorePassword: 'a\\b c' }),
    ).toThrow(/escaping/);
  });
});

describe('the ClickHouse TLS overlay and password users', () => {
  it('adds an HTTPS port with the certificate and key, escaped for XML', () => {
    const xml = renderClickHouseTlsConfig(infra('clickhouse/tls.xml'), {
      httpsPort: 28443,
      certificateFile: '/certs & co/server.pem',
      privateKeyFile: '/certs/server.key',
    });
    expect(xml).toContain('<https_port>28443</https_port>');
    expect(xml).toContain('<certificateFile>/certs &amp; co/server.pem</certificateFile>');
    expect(xml).toContain('<privateKeyFile>/certs/server.key</privateKeyFile>');
    expect(xml).toContain('<disableProtocols>sslv2,sslv3,tlsv1,tlsv1_1</disableProtocols>');
    expect(xml).not.toContain('{{');
  });

  it('stores only the SHA-256 of each password, for loopback clients', () => {
    const xml = renderClickHouseUsers(
      [
        { username: 'writer', password: 'pw-1' },
        { username: 'reader', password: 'pw-2' },
      ],
      (text) => `sha(${text})`,
    );
    expect(xml).toMatch(/<writer>\s*<password_sha256_hex>sha\(pw-1\)<\/password_sha256_hex>/);
    expect(xml).toMatch(/<reader>\s*<password_sha256_hex>sha\(pw-2\)<\/password_sha256_hex>/);
    expect(xml).toContain('<ip>127.0.0.1</ip>');
    expect(xml).not.toContain('::/0');
    expect(() => renderClickHouseUsers([{ username: 'a b', password: 'x' }], String)).toThrow(
      /plain identifier/,
    );
  });
});

describe('renderTemplate', () => {
  it('replaces placeholders and escapes values', () => {
    expect(renderTemplate('<a>{{x}}</a><b>{{ y }}</b>', { x: 'a&b', y: 2 }, xmlEscape)).toBe(
      '<a>a&amp;b</a><b>2</b>',
    );
  });

  it('refuses missing values and unused values', () => {
    expect(() => renderTemplate('{{x}} {{y}}', { x: 1 })).toThrow(/without a value: y/);
    expect(() => renderTemplate('{{x}}', { x: 1, z: 2 })).toThrow(/not used by the template: z/);
  });
});

describe('the Kafka server.properties template', () => {
  const rendered = properties(
    renderKafkaProperties(infra('kafka/server.properties'), {
      kafkaPort: 19092,
      controllerPort: 19093,
      logDirs: '/data/kafka/data',
    }),
  );

  it('is a KRaft combined broker and controller on loopback', () => {
    expect(rendered.get('process.roles')).toBe('broker,controller');
    expect(rendered.get('node.id')).toBe('1');
    expect(rendered.get('controller.quorum.voters')).toBe('1@127.0.0.1:19093');
    expect(rendered.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    expect(rendered.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:19092');
    expect(rendered.get('controller.listener.names')).toBe('CONTROLLER');
    expect(rendered.get('log.dirs')).toBe('/data/kafka/data');
  });

  it('has the small-machine settings the services rely on', () => {
    expect(rendered.get('auto.create.topics.enable')).toBe('false');
    expect(rendered.get('num.partitions')).toBe('3');
    expect(rendered.get('offsets.topic.replication.factor')).toBe('1');
    expect(rendered.get('transaction.state.log.replication.factor')).toBe('1');
    expect(rendered.get('transaction.state.log.min.isr')).toBe('1');
    expect(rendered.get('group.initial.rebalance.delay.ms')).toBe('0');
    expect(rendered.get('message.max.bytes')).toBe(String(2 * 1024 * 1024));
    expect(rendered.get('log.retention.hours')).toBeDefined();
  });

  it('leaves no placeholder behind', () => {
    expect([...rendered.values()].join('\n')).not.toContain('{{');
  });
});

describe('the ClickHouse config.xml template', () => {
  const rendered = renderClickHouseConfig(infra('clickhouse/config.xml'), {
    httpPort: 18123,
    tcpPort: 19000,
    dataDir: '/data/ch & co/data',
    logDir: '/data/ch/logs',
    usersConfig: '/data/ch/users.xml',
  });

  it('listens on loopback only, on our ports, with every path under the data dir', () => {
    expect(rendered).toContain('<listen_host>127.0.0.1</listen_host>');
    expect(rendered.match(/<listen_host>/g)).toHaveLength(1);
    expect(rendered).toContain('<http_port>18123</http_port>');
    expect(rendered).toContain('<tcp_port>19000</tcp_port>');
    expect(rendered).toContain('<path>/data/ch &amp; co/data/</path>');
    expect(rendered).toContain('<tmp_path>/data/ch &amp; co/data/tmp/</tmp_path>');
    expect(rendered).toContain('<log>/data/ch/logs/clickhouse-server.log</log>');
    expect(rendered).toContain('<users_config>/data/ch/users.xml</users_config>');
    expect(rendered).toContain('<timezone>UTC</timezone>');
    expect(rendered).not.toContain('{{');
    expect(rendered).not.toMatch(/\/var\/(lib|log)\/clickhouse/);
  });

  it('users.xml has no placeholder, and defines a loopback default user and a read-only analyst', () => {
    const users = renderTemplate(infra('clickhouse/users.xml'), {});
    expect(users).toMatch(/<analyst>\s*<readonly>1<\/readonly>/);
    expect(users).toMatch(/<analyst>\s*<password><\/password>[\s\S]*?<profile>analyst<\/profile>/);
    expect(users).not.toContain('::/0');
  });
});

describe('cluster ids', () => {
  it('are 22-character base64url strings that never start with "-"', () => {
    const id = newClusterId(() => new Uint8Array(16).fill(7));
    expect(id).toBe('BwcHBwcHBwcHBwcHBwcHBw');
    expect(isClusterId(id)).toBe(true);
    let calls = 0;
    const avoided = newClusterId((size) => {
      calls += 1;
      return calls === 1 ? new Uint8Array(size).fill(0xf8) : new Uint8Array(size).fill(1);
    });
    expect(calls).toBe(2);
    expect(avoided.startsWith('-')).toBe(false);
    expect(isClusterId('')).toBe(false);
    expect(isClusterId('short')).toBe(false);
  });
});

describe('kafkaVersionFromJars', () => {
  it('reads the broker jar version and ignores the others', () => {
    expect(
      kafkaVersionFromJars(['kafka-clients-3.9.1.jar', 'kafka_2.13-3.9.1.jar', 'scala-library-2.13.15.jar']),
    ).toBe('3.9.1');
    expect(kafkaVersionFromJars(['kafka-clients-3.9.1.jar'])).toBeNull();
  });
});

describe('tailLines', () => {
  it('keeps the last lines', () => {
    expect(tailLines('a\nb\nc\n', 2)).toBe('b\nc');
    expect(tailLines('a', 5)).toBe('a');
  });
});

describe('Kafka cluster', () => {
  it('puts node i on the ports + 100·(i-1) and makes all three controllers voters', () => {
    const nodes = kafkaClusterNodes(29092, 29093, 3);
    expect(nodes).toEqual([
      { nodeId: 1, port: 29092, controllerPort: 29093 },
      { nodeId: 2, port: 29192, controllerPort: 29193 },
      { nodeId: 3, port: 29292, controllerPort: 29293 },
    ]);
    const base = renderKafkaProperties(infra('kafka/server.properties'), {
      kafkaPort: 29192,
      controllerPort: 29193,
      logDirs: '/d/node-2',
    });
    const merged = properties(
      `${base}\n${renderKafkaClusterOverlay(infra('kafka/cluster.properties'), nodes[1] as (typeof nodes)[number], nodes)}`,
    );
    expect(merged.get('node.id')).toBe('2');
    expect(merged.get('controller.quorum.voters')).toBe(
      '1@127.0.0.1:29093,2@127.0.0.1:29193,3@127.0.0.1:29293',
    );
    expect(merged.get('listeners')).toBe('PLAINTEXT://127.0.0.1:29192,CONTROLLER://127.0.0.1:29193');
    expect(merged.get('offsets.topic.replication.factor')).toBe('3');
    expect(merged.get('transaction.state.log.replication.factor')).toBe('3');
    expect(merged.get('transaction.state.log.min.isr')).toBe('2');
  });
});
