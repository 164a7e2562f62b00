import { clickhouseConfigFromEnv, clickhouseConfigSchema } from '@aiops/clickhouse';
import { incidentsConfigSchema, type RouteConfig } from '@aiops/incidents';
import { kafkaConfigFromEnv, kafkaConfigSchema, pipelineTopicsSchema, topicsFromEnv } from '@aiops/kafka';
import { receiverListSchema } from '@aiops/notify';
import { parseConfig, readJsonFile } from '@aiops/ops';
import { z } from 'zod';

function routeReceivers(
  route: RouteConfig,
  path: (string | number)[],
  out: Array<{ name: string; path: (string | number)[] }>,
) {
  out.push({ name: route.receiver, path: [...path, 'receiver'] });
  route.routes?.forEach((child, i) => {
    routeReceivers(child, [...path, 'routes', i], out);
  });
}

/**
 * The routing file (`NOTIFIER_CONFIG_FILE`, JSON): packages/incidents' config (route tree, inhibit rules)
 * plus the receivers the routes name. Every receiver a route names must be defined.
 */
export const routingFileSchema = incidentsConfigSchema
  .extend({ receivers: receiverListSchema.min(1, 'define at least one receiver') })
  .superRefine((file, ctx) => {
    const defined = new Set(file.receivers.map((r) => r.name));
    const used: Array<{ name: string; path: (string | number)[] }> = [];
    routeReceivers(file.route, ['route'], used);
    for (const { name, path } of used)
      if (!defined.has(name))
        ctx.addIssue({ code: 'custom', path, message: `receiver ${name} is not defined in receivers` });
  });
export type RoutingFile = z.output<typeof routingFileSchema>;

export const notifierConfigSchema = z.strictObject({
  kafka: kafkaConfigSchema,
  clickhouse: clickhouseConfigSchema,
  topics: pipelineTopicsSchema.default(pipelineTopicsSchema.parse({})),
  groupId: z.string().min(1).default('aiops-notifier'),
  partitions: z.number().int().positive().default(6),
  routing: routingFileSchema,
  /** Where the routing came from, for logs and errors. */
  routingSource: z.string().default('(inline)'),
  /** Wall-clock tick: group_wait / group_interval / repeat decisions when no alert arrives. */
  tickIntervalMs: z.number().int().positive().default(1000),
  /**
   * What a tick moves the engine clock to. `wall`: the wall clock (live operation: decisions are timely
   * even when the detector is quiet). `event`: the last alert's event time plus the wall time since it
   * arrived, so a replay of hours of alerts in minutes (demo, backfill) is judged at its own pace.
   */
  clock: z.enum(['wall', 'event']).default('wall'),
});
export type NotifierConfig = z.output<typeof notifierConfigSchema>;

/** Reads and validates the routing file; every error names the file and the key path in it. */
export function readRoutingFile(file: string): RoutingFile {
  const json = readJsonFile('NOTIFIER_CONFIG_FILE', file);
  return parseConfig(routingFileSchema, json, `routing config ${file}`);
}

export function notifierConfigFromEnv(env: NodeJS.ProcessEnv = process.env): NotifierConfig {
  const file = env.NOTIFIER_CONFIG_FILE;
  if (!file) throw new Error('NOTIFIER_CONFIG_FILE is required: the JSON file with the routes and receivers');
  const input: Record<string, unknown> = {
    kafka: kafkaConfigFromEnv(env, 'aiops-notifier'),
    clickhouse: clickhouseConfigFromEnv(env),
    topics: topicsFromEnv(env),
    routing: readRoutingFile(file),
    routingSource: file,
  };
  if (env.NOTIFIER_GROUP_ID) input.groupId = env.NOTIFIER_GROUP_ID;
  if (env.TOPIC_PARTITIONS) input.partitions = Number(env.TOPIC_PARTITIONS);
  if (env.NOTIFIER_TICK_INTERVAL_MS) input.tickIntervalMs = Number(env.NOTIFIER_TICK_INTERVAL_MS);
  if (env.NOTIFIER_CLOCK) input.clock = env.NOTIFIER_CLOCK;
  return parseConfig(notifierConfigSchema, input, 'notifier configuration');
}
