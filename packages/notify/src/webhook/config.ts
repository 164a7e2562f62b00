import { z } from 'zod';
import { deliveryFields } from '../receiver.js';
import { secretRefSchema } from '../secrets.js';

/** Generic webhook with the Alertmanager webhook v4 payload. */
export const webhookConfigSchema = z.strictObject({
  type: z.literal('webhook'),
  ...deliveryFields,
  /** A URL, or a reference to one when the URL itself is a secret (it carries a token). */
  url: z.union([z.url({ protocol: /^https?$/ }), secretRefSchema]),
  /** When set, the body is signed: `<signature_header>: sha256=<hex HMAC-SHA256 of the body>`. */
  hmac_key: secretRefSchema.optional(),
  signature_header: z.string().min(1).default('X-Aiops-Signature'),
  /** Where people can look further (Alertmanager's externalURL); generatorURL is derived from it. */
  external_url: z.string().default(''),
});
export type WebhookConfig = z.output<typeof webhookConfigSchema>;
