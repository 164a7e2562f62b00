import { z } from 'zod';
import { deliveryFields } from '../receiver.js';
import { secretRefSchema } from '../secrets.js';

/** Slack incoming webhook. Slack allows about one message per second per webhook: the default rate limit. */
export const slackConfigSchema = z.strictObject({
  type: z.literal('slack'),
  ...deliveryFields,
  min_interval_ms: deliveryFields.min_interval_ms.unwrap().default(1_000),
  /** The webhook URL is the credential: always a reference to an environment variable or a file. */
  webhook_url: secretRefSchema,
  external_url: z.string().default(''),
});
export type SlackConfig = z.output<typeof slackConfigSchema>;
