import { hostname } from 'node:os';
import { kafkaConfigFromEnv, kafkaConfigSchema, pipelineTopicsSchema, topicsFromEnv } from '@aiops/kafka';
import { parseConfig } from '@aiops/ops';
import { promptMonitorOptionsSchema } from '@aiops/prompts';
import { z } from 'zod';

export const promptMonitorConfigSchema = z.strictObject({
  kafka: kafkaConfigSchema,
  topics: pipelineTopicsSchema.default(pipelineTopicsSchema.parse({})),
  groupId: z.string().min(1).default('aiops-prompt-monitor'),
  partitions: z.number().int().positive().default(6),
  /** Wire format of published alerts: Avro single-object (default) or JSON. */
  alertsFormat: z.enum(['avro', 'json']).default('avro'),
  /** Windows, warm-up, comparison horizon and the sequential test (packages/prompts config). */
  monitor: promptMonitorOptionsSchema.prefault({}),
  /** Stable per instance: the transactional id that fences a zombie of the same instance. */
  instanceId: z.string().min(1).default(`${hostname()}-${process.pid}`),
});
export type PromptMonitorConfig = z.output<typeof promptMonitorConfigSchema>;

const ENV_OPTIONS: ReadonlyArray<readonly [string, string, string?]> = [
  ['PROMPT_WINDOW_MS', 'windowMs'],
  ['PROMPT_ALLOWED_LATENESS_MS', 'allowedLatenessMs'],
  ['PROMPT_MAX_OUT_OF_ORDERNESS_MS', 'maxOutOfOrdernessMs'],
  ['PROMPT_IDLE_TIMEOUT_MS', 'idleTimeoutMs'],
  ['PROMPT_WARMUP_MS', 'warmupMs'],
  ['PROMPT_ACTIVE_MS', 'activeMs'],
  ['PROMPT_HORIZON_MS', 'horizonMs'],
  ['PROMPT_RETIRE_AFTER_MS', 'retireAfterMs'],
  ['PROMPT_TEST_ALPHA', 'test', 'alpha'],
  ['PROMPT_TEST_TAU', 'test', 'tau'],
  ['PROMPT_TEST_MIN_SAMPLES', 'test', 'minSamples'],
  ['PROMPT_TEST_CRITICAL_EFFECT', 'test', 'criticalEffect'],
];

/**
 * The environment: PROMPT_MONITOR_OPTIONS (JSON of the whole `monitor` object), then the PROMPT_* keys above
 * on top; a bad value fails the start naming the key.
 */
export function promptMonitorConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PromptMonitorConfig {
  let monitor: Record<string, unknown> = {};
  if (env.PROMPT_MONITOR_OPTIONS) {
    try {
      monitor = JSON.parse(env.PROMPT_MONITOR_OPTIONS) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`PROMPT_MONITOR_OPTIONS is not valid JSON: ${(error as Error).message}`);
    }
  }
  for (const [name, key, sub] of ENV_OPTIONS) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    if (sub === undefined) monitor[key] = Number(text);
    else monitor[key] = { ...((monitor[key] as object | undefined) ?? {}), [sub]: Number(text) };
  }
  const input: Record<string, unknown> = {
    kafka: kafkaConfigFromEnv(env, 'aiops-prompt-monitor'),
    topics: topicsFromEnv(env),
    monitor,
  };
  if (env.PROMPT_MONITOR_GROUP_ID) input.groupId = env.PROMPT_MONITOR_GROUP_ID;
  if (env.PROMPT_MONITOR_INSTANCE_ID) input.instanceId = env.PROMPT_MONITOR_INSTANCE_ID;
  if (env.TOPIC_PARTITIONS) input.partitions = Number(env.TOPIC_PARTITIONS);
  if (env.ALERTS_FORMAT) input.alertsFormat = env.ALERTS_FORMAT;
  return parseConfig(promptMonitorConfigSchema, input, 'prompt monitor configuration');
}
