import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  allRoutes,
  compileRoutes,
  DEFAULT_INHIBIT_RULES,
  groupLabelsOf,
  incidentsConfigSchema,
  matchRoutes,
  type RouteConfig,
} from '../src/index.js';
import { config, HOUR, MIN } from './fixtures.js';

const tree: RouteConfig = config({
  route: {
    receiver: 'default',
    routes: [
      { receiver: 'platform', group_by: ['provider', 'detector_family'], continue: true },
      { receiver: 'pagerduty', matchers: [{ name: 'severity', op: '=', value: 'critical' }], continue: true },
      {
        receiver: 'slack-acme',
        matchers: [{ name: 'tenant_id', op: '=', value: 'acme' }],
        group_wait_ms: 10_000,
        routes: [
          { receiver: 'acme-quality', matchers: [{ name: 'detector_family', op: '=', value: 'quality' }] },
          { receiver: 'acme-cost', matchers: [{ name: 'detector', op: '=', value: 'cost' }], continue: true },
          { receiver: 'acme-cost-too', matchers: [{ name: 'detector', op: '=', value: 'cost' }] },
          { receiver: 'never', matchers: [{ name: 'detector', op: '=', value: 'cost' }] },
        ],
      },
      { receiver: 'globex', matchers: [{ name: 'tenant_id', op: '=', value: 'globex' }] },
    ],
  },
}).route;

describe('matchRoutes (table)', () => {
  const root = compileRoutes(tree);
  it.each([
    [
      'acme critical outage',
      { tenant_id: 'acme', severity: 'critical', detector: 'outage' },
      ['platform', 'pagerduty', 'slack-acme'],
    ],
    [
      'acme warning latency',
      { tenant_id: 'acme', severity: 'warning', detector: 'latency' },
      ['platform', 'slack-acme'],
    ],
    [
      'acme quality',
      { tenant_id: 'acme', severity: 'warning', detector_family: 'quality' },
      ['platform', 'acme-quality'],
    ],
    [
      'acme cost: continue then stop',
      { tenant_id: 'acme', severity: 'warning', detector: 'cost' },
      ['platform', 'acme-cost', 'acme-cost-too'],
    ],
    ['globex warning', { tenant_id: 'globex', severity: 'warning' }, ['platform', 'globex']],
    ['other tenant critical', { tenant_id: 'initech', severity: 'critical' }, ['platform', 'pagerduty']],
  ])('%s', (_name, labels, receivers) => {
    expect(matchRoutes(root, labels).map((r) => r.receiver)).toEqual(receivers);
  });

  it('falls back to the root when no child matches', () => {
    const only = compileRoutes({
      receiver: 'root',
      routes: [{ receiver: 'x', matchers: [{ name: 'a', op: '=', value: '1' }] }],
    });
    expect(matchRoutes(only, { a: '2' }).map((r) => r.receiver)).toEqual(['root']);
  });
});

describe('compileRoutes inheritance', () => {
  const routes = allRoutes(compileRoutes(tree));
  const byReceiver = (name: string) => routes.find((r) => r.receiver === name);

  it('gives the root the defaults', () => {
    const root = byReceiver('default');
    expect(root?.groupBy).toEqual(['detector_family', 'provider', 'tenant_id']);
    expect([root?.groupWaitMs, root?.groupIntervalMs, root?.repeatIntervalMs]).toEqual([
      30_000,
      5 * MIN,
      4 * HOUR,
    ]);
  });

  it('inherits what a child does not set, down the tree', () => {
    expect(byReceiver('platform')?.groupBy).toEqual(['detector_family', 'provider']);
    expect(byReceiver('slack-acme')?.groupWaitMs).toBe(10_000);
    expect(byReceiver('acme-quality')?.groupWaitMs).toBe(10_000);
    expect(byReceiver('acme-quality')?.groupBy).toEqual(['detector_family', 'provider', 'tenant_id']);
    expect(byReceiver('acme-quality')?.path).toBe('0.2.0');
  });

  it('groups by every label with "..."', () => {
    const root = compileRoutes({ receiver: 'r', group_by: ['...'] });
    expect(groupLabelsOf(root, { a: '1', b: '2' })).toEqual({ a: '1', b: '2' });
  });

  it('leaves absent labels out of the group labels (as Alertmanager)', () => {
    const root = compileRoutes({ receiver: 'r' });
    expect(groupLabelsOf(root, { tenant_id: 'acme', detector_family: 'cost' })).toEqual({
      detector_family: 'cost',
      tenant_id: 'acme',
    });
  });
});

describe('incidentsConfigSchema', () => {
  it('validates the example routing config', () => {
    const text = readFileSync(new URL('../examples/routing.json', import.meta.url), 'utf8');
    const parsed = incidentsConfigSchema.parse(JSON.parse(text));
    const root = compileRoutes(parsed.route);
    const receivers = (labels: Record<string, string>) => matchRoutes(root, labels).map((r) => r.receiver);
    expect(receivers({ tenant_id: 'acme', severity: 'critical', detector_family: 'availability' })).toEqual([
      'platform-webhook',
      'pagerduty-oncall',
      'slack-acme',
    ]);
    expect(receivers({ tenant_id: 'globex', severity: 'warning' })).toEqual(['platform-webhook']);
    expect(parsed.inhibit_rules).toEqual(DEFAULT_INHIBIT_RULES);
  });

  it('applies the default inhibit rule and retention', () => {
    const parsed = incidentsConfigSchema.parse({ route: { receiver: 'r' } });
    expect(parsed.inhibit_rules).toEqual(DEFAULT_INHIBIT_RULES);
    expect(parsed.resolved_retention_ms).toBe(24 * HOUR);
  });

  it.each([
    [
      { route: { receiver: 'r', routes: [{ receiver: 'x', matchers: ['tenant_id'] }] } },
      'route.routes.0.matchers.0',
    ],
    [{ route: { receiver: '' } }, 'route.receiver'],
    [{ route: { receiver: 'r', group_interval_ms: 0 } }, 'route.group_interval_ms'],
    [{ route: { receiver: 'r', group_wait: 30 } }, 'route'],
    [
      {
        route: { receiver: 'r' },
        inhibit_rules: [{ source_matchers: ['a=~('], target_matchers: ['b=1'], equal: [] }],
      },
      'inhibit_rules.0.source_matchers.0',
    ],
  ])('refuses a bad config naming the path (%#)', (input, path) => {
    const result = incidentsConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});
