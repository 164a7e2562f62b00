import { agentMonitorOptionsSchema } from '@aiops/agents';
import { eventMonitorConfigFromEnv, eventMonitorConfigSchema, type MonitorEnvOption } from '@aiops/kafka';
import type { z } from 'zod';

/** Gap, lateness, thresholds and warm-ups of the detectors: packages/agents config. */
export const agentMonitorConfigSchema = eventMonitorConfigSchema(
  'aiops-agent-monitor',
  agentMonitorOptionsSchema.prefault({}),
);
export type AgentMonitorConfig = z.output<typeof agentMonitorConfigSchema>;

const ENV_OPTIONS: readonly MonitorEnvOption[] = [
  ['AGENT_TRACE_GAP_MS', 'traceGapMs'],
  ['AGENT_ALLOWED_LATENESS_MS', 'allowedLatenessMs'],
  ['AGENT_MAX_OUT_OF_ORDERNESS_MS', 'maxOutOfOrdernessMs'],
  ['AGENT_IDLE_TIMEOUT_MS', 'idleTimeoutMs'],
  ['AGENT_LOOP_SAME_TOOL_CALLS', 'loop', 'sameToolCalls'],
  ['AGENT_LOOP_SAME_ARGUMENTS_CALLS', 'loop', 'sameArgumentsCalls'],
  ['AGENT_RUNAWAY_WARMUP_TRACES', 'runaway', 'warmupTraces'],
  ['AGENT_UNSEEN_TOOL_WARMUP_TRACES', 'unseenTool', 'warmupTraces'],
  ['AGENT_UNSEEN_TOOL_WARMUP_MS', 'unseenTool', 'warmupMs'],
  ['AGENT_TOOL_ERRORS_BUCKET_MS', 'toolErrors', 'bucketMs'],
];

/**
 * The environment: AGENT_MONITOR_OPTIONS (JSON of the whole `monitor` object), then the AGENT_* keys above
 * on top, AGENT_MONITOR_GROUP_ID, AGENT_MONITOR_INSTANCE_ID; a bad value fails the start naming the key.
 */
export function agentMonitorConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AgentMonitorConfig {
  return eventMonitorConfigFromEnv(env, {
    prefix: 'AGENT_MONITOR',
    clientId: 'aiops-agent-monitor',
    what: 'agent monitor configuration',
    schema: agentMonitorConfigSchema,
    options: ENV_OPTIONS,
  });
}
