import { readFileSync } from 'node:fs';
import { kafkaConfigFromEnv, kafkaConfigSchema, pipelineTopicsSchema, topicsFromEnv } from '@aiops/kafka';
import { ConfigError, parseConfig } from '@aiops/ops';
import { type TenantTokens, tenantTokensSchema } from '@aiops/otlp';
import { z } from 'zod';

const MIB = 1024 * 1024;

export const otlpReceiverConfigSchema = z
  .strictObject({
    kafka: kafkaConfigSchema,
    topics: pipelineTopicsSchema.default(pipelineTopicsSchema.parse({})),
    /** Partitions for the topics this service creates when they are missing. */
    partitions: z.number().int().positive().default(6),
    host: z.string().min(1).default('127.0.0.1'),
    /** 4318 is OTLP/HTTP's registered port; 0 picks a free one (tests). */
    port: z.number().int().min(0).max(65_535).default(4318),
    /** JSON file of tenants and the SHA-256 of their bearer tokens (see @aiops/otlp tenantTokensSchema). */
    tokensFile: z.string().min(1, 'is required: the file of tenants and token hashes'),
    /** Resource attribute that names the application. */
    applicationAttribute: z.string().min(1).default('service.name'),
    /** Largest request body, before and after gzip; larger → 413. */
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(4 * MIB),
    /** Bytes of request bodies held at once, all requests together; beyond it → 503 (no unbounded buffering). */
    maxInFlightBytes: z
      .number()
      .int()
      .positive()
      .default(64 * MIB),
    /** How long a request waits for Kafka's acknowledgement before it is answered 503. */
    produceTimeoutMs: z.number().int().positive().default(10_000),
    /** Retry-After of a 503. */
    retryAfterSeconds: z.number().int().positive().default(5),
    /** Per-tenant defaults; the tokens file may set a tenant's own. */
    rateLimit: z
      .strictObject({
        requestsPerSecond: z.number().positive().default(200),
        bytesPerSecond: z
          .number()
          .positive()
          .default(32 * MIB),
        burstSeconds: z.number().positive().default(2),
      })
      .default({ requestsPerSecond: 200, bytesPerSecond: 32 * MIB, burstSeconds: 2 }),
    /** Span identities remembered for joining evaluation log records to their calls (~300 bytes each). */
    recentCalls: z.number().int().positive().default(100_000),
    /** HTTPS when both are set (PEM files). */
    tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
    /** Output messages per produce request are cut to about this many bytes (below the broker's limit). */
    maxSendBytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
  })
  .refine((c) => c.maxInFlightBytes >= c.maxBodyBytes, {
    message: 'must be at least maxBodyBytes (else a request of the largest size could never be accepted)',
    path: ['maxInFlightBytes'],
  });
export type OtlpReceiverConfig = z.output<typeof otlpReceiverConfigSchema>;

export function otlpReceiverConfigFromEnv(env: NodeJS.ProcessEnv = process.env): OtlpReceiverConfig {
  const input: Record<string, unknown> = {
    kafka: kafkaConfigFromEnv(env, 'aiops-otlp-receiver'),
    topics: topicsFromEnv(env),
    tokensFile: env.OTLP_TOKENS_FILE ?? '',
  };
  if (env.TOPIC_PARTITIONS) input.partitions = Number(env.TOPIC_PARTITIONS);
  if (env.OTLP_HOST) input.host = env.OTLP_HOST;
  if (env.OTLP_PORT) input.port = Number(env.OTLP_PORT);
  if (env.OTLP_APPLICATION_ATTRIBUTE) input.applicationAttribute = env.OTLP_APPLICATION_ATTRIBUTE;
  if (env.OTLP_MAX_BODY_BYTES) input.maxBodyBytes = Number(env.OTLP_MAX_BODY_BYTES);
  if (env.OTLP_MAX_IN_FLIGHT_BYTES) input.maxInFlightBytes = Number(env.OTLP_MAX_IN_FLIGHT_BYTES);
  if (env.OTLP_PRODUCE_TIMEOUT_MS) input.produceTimeoutMs = Number(env.OTLP_PRODUCE_TIMEOUT_MS);
  const rate: Record<string, number> = {};
  if (env.OTLP_RATE_REQUESTS_PER_SECOND) rate.requestsPerSecond = Number(env.OTLP_RATE_REQUESTS_PER_SECOND);
  if (env.OTLP_RATE_BYTES_PER_SECOND) rate.bytesPerSecond = Number(env.OTLP_RATE_BYTES_PER_SECOND);
  if (Object.keys(rate).length > 0) input.rateLimit = rate;
  if (env.OTLP_TLS_CERT_FILE || env.OTLP_TLS_KEY_FILE) {
    input.tls = { certFile: env.OTLP_TLS_CERT_FILE ?? '', keyFile: env.OTLP_TLS_KEY_FILE ?? '' };
  }
  return parseConfig(otlpReceiverConfigSchema, input, 'otlp-receiver configuration');
}

/** Reads and checks the tokens file; a bad file stops the start naming the problem. */
export function loadTenantTokens(path: string): TenantTokens {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError('otlp-receiver configuration', [
      `tokensFile: ${path}: ${(error as Error).message}`,
    ]);
  }
  return parseConfig(tenantTokensSchema, raw, `otlp-receiver tokens file ${path}`);
}
