import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('never writes secrets found in configs, SASL settings or headers', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ service: 'test', destination: stream });
    logger.info(
      {
        config: { kafka: { sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 'hunter2' } } },
        clickhouse: { url: 'http://127.0.0.1:8123', password: 's3cret' },
        userIdSalt: 'pepper',
        headers: { authorization: 'Bearer abc' },
      },
      'starting',
    );
    const line = lines.join('');
    expect(line).toContain('"service":"test"');
    expect(line).toContain('"username":"svc"');
    for (const secret of ['hunter2', 's3cret', 'pepper', 'Bearer abc']) expect(line).not.toContain(secret);
    expect(line).toContain('[redacted]');
  });

  it('redacts SASL and ClickHouse passwords and the salt in service configs, however deep they are logged', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ service: 'test', destination: stream });
    // The shape services parse from the environment (validator/writer config: kafka, clickhouse, salt).
    const config = {
      kafka: {
        brokers: ['127.0.0.1:9092'],
        clientId: 'aiops-validator',
        sasl: {
          mechanism: 'scram-sha-512',
          username: 'svc',
          password: 'scram-pw-1',
          passwordFile: '/run/secrets/k',
        },
        tls: { enabled: true, caFile: '/run/secrets/ca.pem', rejectUnauthorized: true },
      },
      clickhouse: { url: 'https://ch:8443', username: 'writer', password: 'ch-pw-2', database: 'aiops' },
      userIdSalt: 'salt-value-3',
    };
    logger.info({ config }, 'as services would log it');
    logger.info(config, 'at the top level');
    logger.info({ validator: config }, 'one level down');
    logger.info({ services: { validator: config } }, 'two levels down');
    logger.child({ component: 'validator' }).warn({ err: { message: 'boom', config } }, 'in an error');
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      for (const secret of ['scram-pw-1', 'ch-pw-2', 'salt-value-3']) expect(line).not.toContain(secret);
      expect(line).toContain('"username":"svc"');
      expect(line).toContain('[redacted]');
    }
  });
});
