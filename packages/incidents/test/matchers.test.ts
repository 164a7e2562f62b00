import { COST, ERRORS, GUARDRAIL, LATENCY, OUTAGE, QUALITY } from '@aiops/detectors';
import { describe, expect, it } from 'vitest';
import {
  alertLabels,
  detectorFamily,
  formatMatcher,
  type Matcher,
  matches,
  matchesAll,
  parseMatcher,
} from '../src/index.js';
import { seriesAlert } from './fixtures.js';

describe('parseMatcher', () => {
  it.each([
    ['provider=anthropic', { name: 'provider', op: '=', value: 'anthropic' }],
    ['provider="anthropic"', { name: 'provider', op: '=', value: 'anthropic' }],
    [' tenant_id != acme ', { name: 'tenant_id', op: '!=', value: 'acme' }],
    ['model=~claude-.*', { name: 'model', op: '=~', value: 'claude-.*' }],
    ['severity!~info|warning', { name: 'severity', op: '!~', value: 'info|warning' }],
    ['team=', { name: 'team', op: '=', value: '' }],
    ['summary="a = b"', { name: 'summary', op: '=', value: 'a = b' }],
  ])('%s', (text, expected) => {
    expect(parseMatcher(text)).toEqual(expected);
  });

  it.each([
    ['provider', 'is not name=value'],
    ['=anthropic', 'is not name=value'],
    ['1abc=x', 'is not name=value'],
    ['model=~claude-(', 'not a valid regex'],
  ])('refuses %s', (text, reason) => {
    expect(() => parseMatcher(text)).toThrow(reason);
  });
});

describe('matches (Alertmanager semantics)', () => {
  const labels = { provider: 'anthropic', model: 'claude-sonnet-4', tenant_id: 'acme' };
  const m = (text: string): Matcher => parseMatcher(text);
  it.each([
    ['provider=anthropic', true],
    ['provider=anthrop', false],
    ['provider!=openai', true],
    ['provider!=anthropic', false],
    ['model=~claude-.*', true],
    ['model=~claude', false], // anchored: a prefix is not a match
    ['model=~.*sonnet.*', true],
    ['model!~claude', true],
    ['model!~claude-.*', false],
    ['team=', true], // an absent label is ""
    ['team!=', false],
    ['team=~.*', true],
    ['team=~.+', false],
  ])('%s -> %s', (text, expected) => {
    expect(matches(m(text), labels)).toBe(expected);
  });

  it('matchesAll needs every matcher; no matchers match everything', () => {
    expect(matchesAll([m('provider=anthropic'), m('tenant_id=acme')], labels)).toBe(true);
    expect(matchesAll([m('provider=anthropic'), m('tenant_id=globex')], labels)).toBe(false);
    expect(matchesAll([], labels)).toBe(true);
  });

  it('formats like Alertmanager', () => {
    expect(formatMatcher(m('model=~claude-.*'))).toBe('model=~"claude-.*"');
  });
});

describe('alertLabels', () => {
  it('has the series labels that are set plus detector, alertname, detector_family and severity', () => {
    const labels = alertLabels(seriesAlert('claude-sonnet-4', { environment: null, severity: 'warning' }));
    expect(labels).toEqual({
      tenant_id: 'acme',
      application: 'support-bot',
      provider: 'anthropic',
      model: 'claude-sonnet-4',
      operation: 'chat',
      detector: 'outage',
      alertname: 'outage',
      detector_family: 'availability',
      severity: 'warning',
    });
  });
});

describe('detectorFamily', () => {
  it('knows every detector of packages/detectors', () => {
    expect([OUTAGE, ERRORS, LATENCY, COST, QUALITY, GUARDRAIL].map(detectorFamily)).toEqual([
      'availability',
      'availability',
      'latency',
      'cost',
      'quality',
      'guardrail',
    ]);
  });

  it('makes an unknown detector its own family', () => {
    expect(detectorFamily('agent_loop')).toBe('agent_loop');
  });
});
