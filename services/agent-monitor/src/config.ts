import { hostname } from 'node:os';
import { agentMonitorOptionsSchema } from '@aiops/agents';
import { kafkaConfigFromEnv, kafkaConfigSchema, pipelineTopicsSchema, topicsFromEnv } from '@aiops/kafka';
import { parseConfig } from '@aiops/ops';
import { z } from 'zod';

export const agentMonitorConfigSchema = z.strictObject({
  kafka: kafkaConfigSchema,
  topics: pipelineTopicsSchema.default(pipelineTopicsSchema.parse({})),
  groupId: z.string().min(1).default('aiops-agent-monitor'),
  partitions: z.number().int().positive().default(6),
  /** Wire format of published alerts: Avro single-object (default) or JSON. */
  alertsFormat: z.enum(['avro', 'json']).default('avro'),
  /** Gap, lateness, thresholds and warm-ups of the detectors (packages/agents config). */
  monitor: agentMonitorOptionsSchema.prefault({}),
  /** Stable per instance: the transactional id that fences a zombie of the same instance. */
  instanceId: z.string().min(1).default(`${hostname()}-${process.pid}`),
});
export type AgentMonitorConfig = z.output<typeof agentMonitorConfigSchema>;

const ENV_OPTIONS: ReadonlyArray<readonly [string, string, string?]> = [
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
 * on top; a bad value fails the start naming the key.
 */
export function agentMonitorConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AgentMonitorConfig {
  let monitor: Record<string, unknown> = {};
  if (env.AGENT_MONITOR_OPTIONS) {
    try {
      monitor = JSON.parse(env.AGENT_MONITOR_OPTIONS) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`AGENT_MONITOR_OPTIONS is not valid JSON: ${(error as Error).message}`);
    }
  }
  for (const [name, key, sub] of ENV_OPTIONS) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    if (sub === undefined) monitor[key] = Number(text);
    else monitor[key] = { ...((monitor[key] as object | undefined) ?? {}), [sub]: Number(text) };
  }
  const input: Record<string, unknown> = {
    kafka: kafkaConfigFromEnv(env, 'aiops-agent-monitor'),
    topics: topicsFromEnv(env),
    monitor,
  };
  if (env.AGENT_MONITOR_GROUP_ID) input.groupId = env.AGENT_MONITOR_GROUP_ID;
  if (env.AGENT_MONITOR_INSTANCE_ID) input.instanceId = env.AGENT_MONITOR_INSTANCE_ID;
  if (env.TOPIC_PARTITIONS) input.partitions = Number(env.TOPIC_PARTITIONS);
  if (env.ALERTS_FORMAT) input.alertsFormat = env.ALERTS_FORMAT;
  return parseConfig(agentMonitorConfigSchema, input, 'agent monitor configuration');
}
