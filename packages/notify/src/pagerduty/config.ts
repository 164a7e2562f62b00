import { z } from 'zod';
import { deliveryFields } from '../receiver.js';
import { secretRefSchema } from '../secrets.js';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** PagerDuty Events API v2. */
export const pagerdutyConfigSchema = z.strictObject({
  type: z.literal('pagerduty'),
  ...deliveryFields,
  /** The integration key of the PagerDuty service: always a reference. */
  routing_key: secretRefSchema,
  url: z.url({ protocol: /^https?$/ }).default(PAGERDUTY_EVENTS_URL),
  /** payload.source; by default the incident's group labels (e.g. `acme/anthropic`). */
  source: z.string().min(1).optional(),
  client: z.string().default('aiops'),
  client_url: z.string().optional(),
});
export type PagerDutyConfig = z.output<typeof pagerdutyConfigSchema>;
