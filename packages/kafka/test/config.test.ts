import { describe, expect, it } from 'vitest';
import { kafkaConfigFromEnv, kafkaConfigSchema } from '../src/config.js';

describe('kafkaConfigFromEnv', () => {
  it('turns TLS on with a CA file or KAFKA_TLS=true, and always verifies the broker certificate', () => {
    const withCa = kafkaConfigSchema.parse(
      kafkaConfigFromEnv({ KAFKA_BROKERS: 'b:9093', KAFKA_TLS_CA_FILE: '/certs/ca.pem' }, 'svc'),
    );
    expect(withCa.tls).toEqual({ enabled: true, caFile: '/certs/ca.pem', rejectUnauthorized: true });
    const systemCas = kafkaConfigSchema.parse(kafkaConfigFromEnv({ KAFKA_TLS: 'true' }, 'svc'));
    expect(systemCas.tls).toEqual({ enabled: true, rejectUnauthorized: true });
    expect(kafkaConfigSchema.parse(kafkaConfigFromEnv({}, 'svc')).tls).toBeUndefined();
  });

  it('retries about two minutes by default; fewer retries can be configured', () => {
    expect(kafkaConfigSchema.parse(kafkaConfigFromEnv({}, 'svc')).retries).toBe(15);
    expect(kafkaConfigSchema.parse({ brokers: ['b:1'], retries: 0 }).retries).toBe(0);
    expect(kafkaConfigSchema.safeParse({ brokers: ['b:1'], retries: -1 }).success).toBe(false);
  });
});
