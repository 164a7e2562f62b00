import { Writable } from 'node:stream';
import { createLogger } from '@aiops/ops';
import { describe, expect, it } from 'vitest';

describe('secrets of receivers in logs', () => {
  it('redacts webhook URLs, routing keys and HMAC keys wherever they are logged', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ service: 'test', destination });
    logger.info(
      {
        receiver: { name: 'slack-acme', webhook_url: 'https://hooks.slack.com/services/T0/B0/SECRET' },
        config: { receivers: [{ routing_key: 'R0UTINGKEY' }], target: { hmac_key: 'S1GNINGKEY' } },
      },
      'receiver built',
    );
    const text = lines.join('');
    expect(text).toContain('slack-acme');
    for (const secret of ['SECRET', 'R0UTINGKEY', 'S1GNINGKEY']) expect(text).not.toContain(secret);
    expect(text.match(/\[redacted\]/g)).toHaveLength(3);
  });
});
