import { deliverySettingsOf, httpReceiver, type Receiver } from '../receiver.js';
import { resolveSecret } from '../secrets.js';
import type { SlackConfig } from './config.js';
import { buildSlackRequest } from './request.js';

export function buildSlackReceiver(config: SlackConfig, env: NodeJS.ProcessEnv = process.env): Receiver {
  const webhookUrl = resolveSecret(config.webhook_url, `receiver ${config.name} webhook_url`, env);
  return httpReceiver(config.name, 'slack', deliverySettingsOf(config), (n) =>
    buildSlackRequest(n, webhookUrl, config.external_url),
  );
}
