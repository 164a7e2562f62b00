import { eventMonitorConfigFromEnv, eventMonitorConfigSchema, type MonitorEnvOption } from '@aiops/kafka';
import { promptMonitorOptionsSchema } from '@aiops/prompts';
import type { z } from 'zod';

/** Windows, warm-up, comparison horizon and the sequential test: packages/prompts config. */
export const promptMonitorConfigSchema = eventMonitorConfigSchema(
  'aiops-prompt-monitor',
  promptMonitorOptionsSchema.prefault({}),
);
export type PromptMonitorConfig = z.output<typeof promptMonitorConfigSchema>;

const ENV_OPTIONS: readonly MonitorEnvOption[] = [
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
 * The environment: PROMPT_MONITOR_OPTIONS (JSON of the whole `monitor` object), then the PROMPT_* keys
 * above on top, PROMPT_MONITOR_GROUP_ID, PROMPT_MONITOR_INSTANCE_ID; a bad value fails the start naming
 * the key.
 */
export function promptMonitorConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PromptMonitorConfig {
  return eventMonitorConfigFromEnv(env, {
    prefix: 'PROMPT_MONITOR',
    clientId: 'aiops-prompt-monitor',
    what: 'prompt monitor configuration',
    schema: promptMonitorConfigSchema,
    options: ENV_OPTIONS,
  });
}
