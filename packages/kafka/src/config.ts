import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { replicationConfigSchema } from './replication.js';

const saslSchema = z
  .strictObject({
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
    username: z.string().min(1),
    password: z.string().min(1).optional(),
    /** A mounted secret file; preferred over `password` in containers. */
    passwordFile: z.string().min(1).optional(),
  })
  .refine((sasl) => sasl.password !== undefined || sasl.passwordFile !== undefined, {
    message: 'SASL needs password or passwordFile',
  });

const tlsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  caFile: z.string().optional(),
  certFile: z.string().optional(),
  keyFile: z.string().optional(),
  rejectUnauthorized: z.boolean().default(true),
});

export const kafkaConfigSchema = z.strictObject({
  brokers: z.array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port')).min(1),
  clientId: z.string().min(1).default('aiops'),
  sasl: saslSchema.optional(),
  tls: tlsSchema.optional(),
  connectionTimeoutMs: z.number().int().positive().default(5000),
  requestTimeoutMs: z.number().int().positive().default(30000),
  /**
   * Retries of a failed connection or request, backing off from 200 ms to 10 s: 15 is about two minutes,
   * so a broker restart or leader election is waited out instead of crashing. Every failure, a refused
   * TLS certificate included, is retried and logged each time; fewer retries make a start fail sooner.
   */
  retries: z.number().int().nonnegative().default(15),
  /** Replication of the topics the services create (see replicationConfigSchema). */
  replication: replicationConfigSchema.default({}),
});
export type KafkaConfig = z.output<typeof kafkaConfigSchema>;

/** Kafka settings from the conventional environment variables, before validation. */
export function kafkaConfigFromEnv(env: NodeJS.ProcessEnv, clientId: string): Record<string, unknown> {
  const config: Record<string, unknown> = {
    brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:19092')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    clientId: env.KAFKA_CLIENT_ID ?? clientId,
  };
  const replication: Record<string, unknown> = {};
  if (env.KAFKA_REPLICATION_FACTOR) replication.factor = Number(env.KAFKA_REPLICATION_FACTOR);
  if (env.KAFKA_MIN_INSYNC_REPLICAS) replication.minInsyncReplicas = Number(env.KAFKA_MIN_INSYNC_REPLICAS);
  if (Object.keys(replication).length > 0) config.replication = replication;
  if (env.KAFKA_SASL_MECHANISM) {
    config.sasl = {
      mechanism: env.KAFKA_SASL_MECHANISM.toLowerCase(),
      username: env.KAFKA_SASL_USERNAME ?? '',
      ...(env.KAFKA_SASL_PASSWORD ? { password: env.KAFKA_SASL_PASSWORD } : {}),
      ...(env.KAFKA_SASL_PASSWORD_FILE ? { passwordFile: env.KAFKA_SASL_PASSWORD_FILE } : {}),
    };
  }
  if (env.KAFKA_TLS === 'true' || env.KAFKA_TLS_CA_FILE) {
    config.tls = {
      enabled: true,
      ...(env.KAFKA_TLS_CA_FILE ? { caFile: env.KAFKA_TLS_CA_FILE } : {}),
      ...(env.KAFKA_TLS_CERT_FILE ? { certFile: env.KAFKA_TLS_CERT_FILE } : {}),
      ...(env.KAFKA_TLS_KEY_FILE ? { keyFile: env.KAFKA_TLS_KEY_FILE } : {}),
    };
  }
  return config;
}

/** Reads secret files once, at start, so a missing mount fails fast with its path. */
export function resolveSaslPassword(config: KafkaConfig): string | undefined {
  if (!config.sasl) return undefined;
  if (config.sasl.password !== undefined) return config.sasl.password;
  const file = config.sasl.passwordFile as string;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new Error(`cannot read Kafka SASL password file ${file}: ${(error as Error).message}`);
  }
}
