import { deliverySettingsOf, httpReceiver, type Receiver } from '../receiver.js';
import { resolveSecret } from '../secrets.js';
import type { PagerDutyConfig } from './config.js';
import { buildPagerDutyRequest, type PagerDutyTarget } from './request.js';

export function buildPagerDutyReceiver(
  config: PagerDutyConfig,
  env: NodeJS.ProcessEnv = process.env,
): Receiver {
  const target: PagerDutyTarget = {
    routing_key: resolveSecret(config.routing_key, `receiver ${config.name} routing_key`, env),
    url: config.url,
    source: config.source,
    client: config.client,
    client_url: config.client_url,
  };
  return httpReceiver(config.name, 'pagerduty', deliverySettingsOf(config), (n) =>
    buildPagerDutyRequest(n, target),
  );
}
