import { hostname } from 'node:os';
import {
  kafkaConfigFromEnv,
  kafkaConfigSchema,
  pipelineTopicsSchema,
  processingGuaranteeSchema,
  topicsFromEnv,
} from '@aiops/kafka';
import { parseConfig } from '@aiops/ops';
import { z } from 'zod';

const DAY_MS = 24 * 60 * 60 * 1000;

export const validatorConfigSchema = z.strictObject({
  kafka: kafkaConfigSchema,
  topics: pipelineTopicsSchema.default(pipelineTopicsSchema.parse({})),
  groupId: z.string().min(1).default('aiops-validator'),
  /** Partitions for the topics this service creates when they are missing. */
  partitions: z.number().int().positive().default(6),
  /** event_ids remembered for duplicate detection; about 100 bytes each. */
  dedupCapacity: z.number().int().positive().default(200_000),
  /** Same default as the contract's limit: telemetry without prompt text is far smaller. */
  maxMessageBytes: z
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  /** HMAC key for user_id hashing. Must be stable across restarts and shared by every instance. */
  userIdSalt: z.string().min(8, 'use at least 8 characters'),
  /** Path of the price table JSON; the default is the one shipped in schemas/pricing. */
  priceTablePath: z.string().min(1).optional(),
  /** Events older or newer than this, relative to the wall clock, are refused. */
  maxPastMs: z
    .number()
    .int()
    .positive()
    .default(7 * DAY_MS),
  maxFutureMs: z
    .number()
    .int()
    .positive()
    .default(60 * 60 * 1000),
  /** Base URL of a Confluent-compatible schema registry; enables the Confluent wire format. */
  schemaRegistryUrl: z.url().optional(),
  /**
   * Per-tenant cardinality limit: distinct series a tenant may have within `cardinalityPeriodMs`; events
   * of further new series are folded into model `__other__` (see cardinality.ts).
   */
  maxSeriesPerTenant: z.number().int().positive().default(1000),
  cardinalityPeriodMs: z
    .number()
    .int()
    .positive()
    .default(60 * 60 * 1000),
  /** Bound of the cardinality tracker's memory, all tenants together (about 150 bytes per series). */
  maxTrackedSeries: z.number().int().positive().default(200_000),
  /** A dead letter of a message above maxMessageBytes keeps only this many leading bytes of it. */
  deadLetterMaxBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /** Output messages per produce request are cut to about this many bytes (below the broker's limit). */
  maxSendBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /**
   * `exactly_once` (default): each batch's events, dead letters and warnings and its consumed offset go out
   * in one Kafka transaction, so a crash never re-sends what was already delivered (downstream reads
   * read_committed). `at_least_once`: plain idempotent sends, offsets committed after them — a crash
   * re-sends the batches in flight, which downstream deduplication drops only within its horizon.
   */
  processingGuarantee: processingGuaranteeSchema.default('exactly_once'),
  /** Stable per instance: the transactional id that fences a zombie (or the killed run) of the same instance. */
  instanceId: z.string().min(1).default(`${hostname()}-${process.pid}`),
});
export type ValidatorConfig = z.output<typeof validatorConfigSchema>;

export function validatorConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ValidatorConfig {
  const input: Record<string, unknown> = {
    kafka: kafkaConfigFromEnv(env, 'aiops-validator'),
    topics: topicsFromEnv(env),
    userIdSalt: env.USER_ID_SALT ?? '',
  };
  if (env.VALIDATOR_GROUP_ID) input.groupId = env.VALIDATOR_GROUP_ID;
  if (env.TOPIC_PARTITIONS) input.partitions = Number(env.TOPIC_PARTITIONS);
  if (env.VALIDATOR_DEDUP_CAPACITY) input.dedupCapacity = Number(env.VALIDATOR_DEDUP_CAPACITY);
  if (env.MAX_MESSAGE_BYTES) input.maxMessageBytes = Number(env.MAX_MESSAGE_BYTES);
  if (env.PRICE_TABLE_PATH) input.priceTablePath = env.PRICE_TABLE_PATH;
  if (env.SCHEMA_REGISTRY_URL) input.schemaRegistryUrl = env.SCHEMA_REGISTRY_URL;
  if (env.MAX_SERIES_PER_TENANT) input.maxSeriesPerTenant = Number(env.MAX_SERIES_PER_TENANT);
  if (env.CARDINALITY_PERIOD_MS) input.cardinalityPeriodMs = Number(env.CARDINALITY_PERIOD_MS);
  if (env.MAX_TRACKED_SERIES) input.maxTrackedSeries = Number(env.MAX_TRACKED_SERIES);
  if (env.VALIDATOR_PROCESSING_GUARANTEE) input.processingGuarantee = env.VALIDATOR_PROCESSING_GUARANTEE;
  if (env.VALIDATOR_INSTANCE_ID) input.instanceId = env.VALIDATOR_INSTANCE_ID;
  if (env.DEAD_LETTER_MAX_BYTES) input.deadLetterMaxBytes = Number(env.DEAD_LETTER_MAX_BYTES);
  return parseConfig(validatorConfigSchema, input, 'validator configuration');
}
