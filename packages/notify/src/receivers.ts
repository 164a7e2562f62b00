import type { Producer } from 'kafkajs';
import { z } from 'zod';
import { cloudeventsConfigSchema } from './cloudevents/config.js';
import { buildCloudEventsReceiver } from './cloudevents/index.js';
import { pagerdutyConfigSchema } from './pagerduty/config.js';
import { buildPagerDutyReceiver } from './pagerduty/index.js';
import type { Receiver } from './receiver.js';
import { slackConfigSchema } from './slack/config.js';
import { buildSlackReceiver } from './slack/index.js';
import { webhookConfigSchema } from './webhook/config.js';
import { buildWebhookReceiver } from './webhook/index.js';

/** One receiver of the routing config's `receivers` list, told apart by `type`. */
export const receiverConfigSchema = z.discriminatedUnion('type', [
  webhookConfigSchema,
  slackConfigSchema,
  pagerdutyConfigSchema,
  cloudeventsConfigSchema,
]);
export type ReceiverConfig = z.output<typeof receiverConfigSchema>;

export const receiverListSchema = z.array(receiverConfigSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((receiver, index) => {
    if (seen.has(receiver.name))
      ctx.addIssue({
        code: 'custom',
        path: [index, 'name'],
        message: `receiver ${receiver.name} is defined twice`,
      });
    seen.add(receiver.name);
  });
});

export interface ReceiverDependencies {
  readonly env?: NodeJS.ProcessEnv;
  /** Needed only when a cloudevents receiver is configured. */
  readonly producer?: Producer;
}

/** Resolves secrets and builds every receiver; an unreadable secret fails with the receiver and key named. */
export function buildReceivers(configs: readonly ReceiverConfig[], deps: ReceiverDependencies): Receiver[] {
  const env = deps.env ?? process.env;
  return configs.map((config): Receiver => {
    switch (config.type) {
      case 'webhook':
        return buildWebhookReceiver(config, env);
      case 'slack':
        return buildSlackReceiver(config, env);
      case 'pagerduty':
        return buildPagerDutyReceiver(config, env);
      case 'cloudevents': {
        if (deps.producer === undefined)
          throw new Error(`receiver ${config.name}: no Kafka producer to publish with`);
        return buildCloudEventsReceiver(config, deps.producer);
      }
      default:
        throw new Error(`unknown receiver type ${(config as { type: string }).type}`);
    }
  });
}
