import { kafkaConfigFromEnv, kafkaConfigSchema, pipelineTopicsSchema, topicsFromEnv } from '@aiops/kafka';
import { csv, parseConfig } from '@aiops/ops';
import { z } from 'zod';

export const aggregatorConfigSchema = z.strictObject({
  kafka: kafkaConfigSchema,
  topics: pipelineTopicsSchema.default(pipelineTopicsSchema.parse({})),
  groupId: z.string().min(1).default('aiops-aggregator'),
  partitions: z.number().int().positive().default(6),
  /**
   * Tumbling window sizes. The smallest is what the detector judges (DETECTOR_WINDOW_SIZE_MS); hourly
   * windows let the dashboard read weeks without scanning every minute (UI_ROLLUP_WINDOW_S).
   */
  windowSizesMs: z.array(z.number().int().positive()).min(1).default([60_000, 3_600_000]),
  /** How far behind the newest event time an event may arrive and still count as on time. */
  maxOutOfOrdernessMs: z.number().int().nonnegative().default(5_000),
  /** How long after a window closed a late event still corrects it (a new revision). */
  allowedLatenessMs: z.number().int().nonnegative().default(60_000),
  /**
   * An event later than allowedLatenessMs is still counted, as a late-correction row of its own, unless
   * its window ended more than this before its tenant's watermark (then: DLQ, reason late_event).
   */
  maxCorrectionAgeMs: z
    .number()
    .int()
    .nonnegative()
    .default(7 * 24 * 3_600_000),
  /** Wall time without events after which a partition's watermark advances on its own. */
  idleTimeoutMs: z.number().int().positive().default(30_000),
  /**
   * Event time (the partition's stream time) a tenant may send nothing before its clock moves with the
   * partition's; default idleTimeoutMs.
   */
  tenantIdleTimeoutMs: z.number().int().positive().optional(),
  /** Wall time after a partition's first event that silent raw partitions are waited for; default idleTimeoutMs. */
  unseenSourcesTimeoutMs: z.number().int().positive().optional(),
  /** Windows topic key: 'tenant' puts a tenant's series together for the detector (default). */
  windowsKey: z.enum(['tenant', 'series']).default('tenant'),
  /**
   * Wall time between watermark markers on the windows topic when the watermark has crossed no window
   * boundary: they tell the detector this aggregator partition is alive (see the README's topic contract).
   */
  watermarkHeartbeatMs: z.number().int().positive().default(10_000),
});
export type AggregatorConfig = z.output<typeof aggregatorConfigSchema>;

export function aggregatorConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AggregatorConfig {
  const input: Record<string, unknown> = {
    kafka: kafkaConfigFromEnv(env, 'aiops-aggregator'),
    topics: topicsFromEnv(env),
  };
  if (env.AGGREGATOR_GROUP_ID) input.groupId = env.AGGREGATOR_GROUP_ID;
  if (env.TOPIC_PARTITIONS) input.partitions = Number(env.TOPIC_PARTITIONS);
  const sizes = csv(env.WINDOW_SIZES_MS);
  if (sizes) input.windowSizesMs = sizes.map(Number);
  if (env.MAX_OUT_OF_ORDERNESS_MS) input.maxOutOfOrdernessMs = Number(env.MAX_OUT_OF_ORDERNESS_MS);
  if (env.ALLOWED_LATENESS_MS) input.allowedLatenessMs = Number(env.ALLOWED_LATENESS_MS);
  if (env.LATE_CORRECTION_MAX_AGE_MS) input.maxCorrectionAgeMs = Number(env.LATE_CORRECTION_MAX_AGE_MS);
  if (env.IDLE_TIMEOUT_MS) input.idleTimeoutMs = Number(env.IDLE_TIMEOUT_MS);
  if (env.TENANT_IDLE_TIMEOUT_MS) input.tenantIdleTimeoutMs = Number(env.TENANT_IDLE_TIMEOUT_MS);
  if (env.UNSEEN_SOURCES_TIMEOUT_MS) input.unseenSourcesTimeoutMs = Number(env.UNSEEN_SOURCES_TIMEOUT_MS);
  if (env.WINDOWS_KEY) input.windowsKey = env.WINDOWS_KEY;
  if (env.WATERMARK_HEARTBEAT_MS) input.watermarkHeartbeatMs = Number(env.WATERMARK_HEARTBEAT_MS);
  return parseConfig(aggregatorConfigSchema, input, 'aggregator configuration');
}
