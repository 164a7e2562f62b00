import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { notifierConfigFromEnv, readRoutingFile } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'notifier-config-'));
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

const valid = {
  route: {
    receiver: 'platform',
    routes: [{ receiver: 'pager', matchers: ['severity=critical'], continue: true }],
  },
  receivers: [
    { name: 'platform', type: 'webhook', url: 'http://127.0.0.1:9/hook' },
    { name: 'pager', type: 'pagerduty', routing_key: { env: 'PD_ROUTING_KEY' } },
  ],
};

describe('routing file', () => {
  it('accepts the example in examples/routing.json (the README shows it)', () => {
    const routing = readRoutingFile(fileURLToPath(new URL('../examples/routing.json', import.meta.url)));
    expect(routing.receivers.map((r) => r.type)).toEqual(['pagerduty', 'slack', 'webhook', 'cloudevents']);
    expect(routing.receivers[1]).toMatchObject({ min_interval_ms: 1000 });
    expect(routing.route.routes?.[1]?.matchers).toEqual([{ name: 'severity', op: '=', value: 'critical' }]);
  });

  it('accepts routes, receivers and the incidents defaults', () => {
    const routing = readRoutingFile(file('ok.json', valid));
    expect(routing.receivers.map((r) => r.name)).toEqual(['platform', 'pager']);
    expect(routing.inhibit_rules).toHaveLength(1);
  });

  it('names the file and the key path of every problem', () => {
    const path = file('bad.json', {
      route: { receiver: 'platform', routes: [{ receiver: 'nobody', matchers: ['tenant'] }] },
      receivers: [{ name: 'platform', type: 'slack', webhook_url: 'https://hooks.slack.com/x' }],
    });
    let message = '';
    try {
      readRoutingFile(path);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`invalid routing config ${path}`);
    expect(message).toContain('route.routes.0.matchers.0');
    expect(message).toContain('receivers.0.webhook_url');
  });

  it('refuses a route to a receiver that is not defined', () => {
    const path = file('missing.json', { ...valid, receivers: [valid.receivers[0]] });
    expect(() => readRoutingFile(path)).toThrow(
      'route.routes.0.receiver: receiver pager is not defined in receivers',
    );
  });

  it('says when the file is missing or not JSON, and requires NOTIFIER_CONFIG_FILE', () => {
    expect(() => readRoutingFile(join(dir, 'none.json'))).toThrow(
      /cannot read NOTIFIER_CONFIG_FILE .*none\.json/,
    );
    expect(() => readRoutingFile(file('x.json', '{ route'))).toThrow(/x\.json is not valid JSON/);
    expect(() => notifierConfigFromEnv({})).toThrow('NOTIFIER_CONFIG_FILE is required');
    const config = notifierConfigFromEnv({
      NOTIFIER_CONFIG_FILE: file('env.json', valid),
      NOTIFIER_GROUP_ID: 'g1',
    });
    expect(config).toMatchObject({ groupId: 'g1', routingSource: join(dir, 'env.json') });
    expect(config.topics.silences).toBe('aiops.silences.v1');
  });
});
