import { hostname, userInfo } from 'node:os';
import { kafkaConfigFromEnv, kafkaConfigSchema, pipelineTopicsSchema, topicsFromEnv } from '@aiops/kafka';
import { parseConfig, readJsonFile } from '@aiops/ops';
import { z } from 'zod';

export const detectorConfigSchema = z.strictObject({
  kafka: kafkaConfigSchema,
  topics: pipelineTopicsSchema.default(pipelineTopicsSchema.parse({})),
  groupId: z.string().min(1).default('aiops-detector'),
  partitions: z.number().int().positive().default(6),
  /** Wire format of published alerts: Avro single-object (default) or JSON for kcat-style subscribers. */
  alertsFormat: z.enum(['avro', 'json']).default('avro'),
  /** Detection rules (see packages/detectors config); validated by the engine at start. */
  rules: z.unknown().default({}),
  /**
   * Event-time step of the absence checks (no-data, silent series resolving). Windows are merged from
   * every aggregator partition by their watermark markers and judged in event-time order, with a check
   * at every multiple of this step, so the alerts do not depend on how the partitions interleaved.
   */
  tickStepMs: z.number().int().positive().default(10_000),
  /**
   * Wall time without a watermark marker after which an aggregator partition stops holding detection
   * back (its windows, when they come, are judged late). Long enough to ride out a restart or rebalance.
   */
  sourceIdleTimeoutMs: z.number().int().positive().default(120_000),
  /**
   * Backfill: a window whose tenant's records all came more than this far behind their raw partition's
   * newest data (header `aiops.behind-ms`) is history, not live: see `backfill`.
   */
  liveHorizonMs: z.number().int().positive().default(900_000),
  /**
   * What history does: `learn` (default) feeds the baselines and judges nothing, so a backfill pages
   * no one (and no-data is not judged on a tenant while its windows are history); `page` judges it
   * like live data.
   */
  backfill: z.enum(['learn', 'page']).default('learn'),
  /**
   * The window size the rules are judged on. The aggregator may emit several sizes (WINDOW_SIZES_MS, e.g.
   * hourly windows for dashboards); a series' baselines and its application's spend must see each event
   * once, so windows of any other size are skipped (counted in aiops_windows_skipped_total, logged once).
   */
  windowSizeMs: z.number().int().positive().default(60_000),
  /** Stable per instance: the transactional id that fences a zombie of the same instance. */
  instanceId: z.string().min(1).default(`${hostname()}-${process.pid}`),
  /** Who a rules change is recorded as in audit_log: DETECTION_RULES_CHANGED_BY, else the OS user. */
  rulesChangedBy: z.string().trim().min(1).default(osUserName()),
});
/** The OS user running the detector; `uid:<n>` when the uid has no passwd entry (some containers). */
function osUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}

export type DetectorConfig = z.output<typeof detectorConfigSchema>;

export function detectorConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DetectorConfig {
  const input: Record<string, unknown> = {
    kafka: kafkaConfigFromEnv(env, 'aiops-detector'),
    topics: topicsFromEnv(env),
  };
  if (env.DETECTOR_GROUP_ID) input.groupId = env.DETECTOR_GROUP_ID;
  if (env.TOPIC_PARTITIONS) input.partitions = Number(env.TOPIC_PARTITIONS);
  if (env.ALERTS_FORMAT) input.alertsFormat = env.ALERTS_FORMAT;
  if (env.DETECTOR_INSTANCE_ID) input.instanceId = env.DETECTOR_INSTANCE_ID;
  if (env.DETECTOR_TICK_STEP_MS) input.tickStepMs = Number(env.DETECTOR_TICK_STEP_MS);
  if (env.DETECTOR_SOURCE_IDLE_TIMEOUT_MS)
    input.sourceIdleTimeoutMs = Number(env.DETECTOR_SOURCE_IDLE_TIMEOUT_MS);
  if (env.DETECTION_RULES_CHANGED_BY) input.rulesChangedBy = env.DETECTION_RULES_CHANGED_BY;
  if (env.DETECTOR_LIVE_HORIZON_MS) input.liveHorizonMs = Number(env.DETECTOR_LIVE_HORIZON_MS);
  if (env.DETECTOR_WINDOW_SIZE_MS) input.windowSizeMs = Number(env.DETECTOR_WINDOW_SIZE_MS);
  if (env.DETECTOR_BACKFILL) input.backfill = env.DETECTOR_BACKFILL;
  if (env.DETECTION_RULES_FILE) input.rules = readJsonFile('DETECTION_RULES_FILE', env.DETECTION_RULES_FILE);
  return parseConfig(detectorConfigSchema, input, 'detector configuration');
}
