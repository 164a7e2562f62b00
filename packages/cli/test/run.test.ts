import { describe, expect, it } from 'vitest';
import { parseServiceNames } from '../src/commands/run.js';

describe('aiops run: service names', () => {
  it('`all` is the consumers when neither the OTLP tokens file nor the notifier routing is configured', () => {
    expect(parseServiceNames(['all'], {})).toEqual([
      'validator',
      'aggregator',
      'detector',
      'agent-monitor',
      'prompt-monitor',
      'writer',
      'reviewer',
    ]);
  });

  it('`all` includes the OTLP receiver once OTLP_TOKENS_FILE is set', () => {
    expect(parseServiceNames(['all'], { OTLP_TOKENS_FILE: '/etc/aiops/tokens.json' })).toContain(
      'otlp-receiver',
    );
  });

  it('`all` includes the notifier once NOTIFIER_CONFIG_FILE is set', () => {
    expect(parseServiceNames(['all'], { NOTIFIER_CONFIG_FILE: 'routing.json' })).toContain('notifier');
  });

  it('names the receiver explicitly whatever the environment, and refuses unknown names', () => {
    expect(parseServiceNames(['otlp-receiver'], {})).toEqual(['otlp-receiver']);
    expect(() => parseServiceNames(['gateway'], {})).toThrow(/unknown service gateway/);
  });
});
