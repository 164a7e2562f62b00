import { deliverySettingsOf, httpReceiver, type Receiver } from '../receiver.js';
import { resolveSecret } from '../secrets.js';
import type { WebhookConfig } from './config.js';
import { buildWebhookRequest, type WebhookTarget } from './request.js';

/** Reads the secrets and returns the receiver (I/O: secret files). */
export function buildWebhookReceiver(config: WebhookConfig, env: NodeJS.ProcessEnv = process.env): Receiver {
  const what = `receiver ${config.name}`;
  const target: WebhookTarget = {
    webhook_url: typeof config.url === 'string' ? config.url : resolveSecret(config.url, `${what} url`, env),
    hmac_key: config.hmac_key ? resolveSecret(config.hmac_key, `${what} hmac_key`, env) : null,
    signature_header: config.signature_header,
    external_url: config.external_url,
  };
  return httpReceiver(config.name, 'webhook', deliverySettingsOf(config), (n) =>
    buildWebhookRequest(n, target),
  );
}
