import { clickhouseConfigFromEnv, clickhouseConfigSchema, sinkSettingsSchema } from '@aiops/clickhouse';
import { kafkaConfigFromEnv, kafkaConfigSchema, pipelineTopicsSchema, topicsFromEnv } from '@aiops/kafka';
import { parseConfig } from '@aiops/ops';
import { z } from 'zod';

export const writerConfigSchema = z.strictObject({
  kafka: kafkaConfigSchema,
  clickhouse: clickhouseConfigSchema,
  topics: pipelineTopicsSchema.default(pipelineTopicsSchema.parse({})),
  groupId: z.string().min(1).default('aiops-writer'),
  partitions: z.number().int().positive().default(6),
  /** Which topics this instance writes; the default writes every table (review: the review queue's items and resolutions; traces: the agent monitor's per-trace summaries; prompts: the prompt monitor's per-version aggregates). */
  tables: z
    .array(z.enum(['events', 'windows', 'alerts', 'review', 'traces', 'prompts']))
    .min(1)
    .default(['events', 'windows', 'alerts', 'review', 'traces', 'prompts']),
  sink: sinkSettingsSchema.default(sinkSettingsSchema.parse({})),
  /** Batch delay of the window_aggregates and alerts tables (never above sink.maxBatchDelayMs). */
  smallTableBatchDelayMs: z.number().int().nonnegative().default(200),
  /** Apply schemas/clickhouse/migrations before consuming (idempotent). */
  migrateOnStart: z.boolean().default(true),
  migrationsDir: z.string().min(1).optional(),
  /** Pause between attempts when ClickHouse stays unavailable past the sink's own retries. */
  outageRetryDelayMs: z.number().int().positive().default(2000),
});
export type WriterConfig = z.output<typeof writerConfigSchema>;

export function writerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WriterConfig {
  const input: Record<string, unknown> = {
    kafka: kafkaConfigFromEnv(env, 'aiops-writer'),
    clickhouse: clickhouseConfigFromEnv(env),
    topics: topicsFromEnv(env),
  };
  if (env.WRITER_GROUP_ID) input.groupId = env.WRITER_GROUP_ID;
  if (env.TOPIC_PARTITIONS) input.partitions = Number(env.TOPIC_PARTITIONS);
  if (env.WRITER_TABLES) input.tables = env.WRITER_TABLES.split(',').map((t) => t.trim());
  if (env.WRITER_BATCH_ROWS || env.WRITER_BATCH_DELAY_MS || env.WRITER_BLOCKED_RETRY_MS) {
    input.sink = {
      ...(env.WRITER_BATCH_ROWS ? { maxBatchRows: Number(env.WRITER_BATCH_ROWS) } : {}),
      ...(env.WRITER_BATCH_DELAY_MS ? { maxBatchDelayMs: Number(env.WRITER_BATCH_DELAY_MS) } : {}),
      ...(env.WRITER_BLOCKED_RETRY_MS ? { blockedRetryDelayMs: Number(env.WRITER_BLOCKED_RETRY_MS) } : {}),
    };
  }
  if (env.WRITER_SMALL_TABLE_BATCH_DELAY_MS)
    input.smallTableBatchDelayMs = Number(env.WRITER_SMALL_TABLE_BATCH_DELAY_MS);
  if (env.MIGRATE_ON_START) input.migrateOnStart = env.MIGRATE_ON_START !== 'false';
  if (env.MIGRATIONS_DIR) input.migrationsDir = env.MIGRATIONS_DIR;
  return parseConfig(writerConfigSchema, input, 'writer configuration');
}
