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
});
