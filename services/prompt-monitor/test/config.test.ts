import { describe, expect, it } from 'vitest';
import { promptMonitorConfigFromEnv } from '../src/config.js';

const BASE = { KAFKA_BROKERS: '127.0.0.1:19092' };

describe('prompt monitor configuration', () => {
  it('has defaults for every key', () => {
    const config = promptMonitorConfigFromEnv(BASE);
    expect(config.groupId).toBe('aiops-prompt-monitor');
    expect(config.topics.promptAggregates).toBe('aiops.prompt-versions.v1');
    expect(config.topics.promptMonitorState).toBe('aiops.prompt-monitor.state.v1');
    expect(config.monitor.windowMs).toBe(60_000);
    expect(config.monitor.test).toEqual({ alpha: 0.01, tau: 0.3, minSamples: 30, criticalEffect: 0.8 });
  });

  it('takes PROMPT_MONITOR_OPTIONS, with the PROMPT_* keys on top', () => {
    const config = promptMonitorConfigFromEnv({
      ...BASE,
      PROMPT_MONITOR_OPTIONS: JSON.stringify({ warmupMs: 600_000, test: { alpha: 0.05 } }),
      PROMPT_TEST_TAU: '0.5',
      TOPIC_PROMPT_AGGREGATES: 'my.prompt-versions',
    });
    expect(config.monitor.warmupMs).toBe(600_000);
    expect(config.monitor.test).toMatchObject({ alpha: 0.05, tau: 0.5 });
    expect(config.topics.promptAggregates).toBe('my.prompt-versions');
  });

  it('fails naming the key of a bad value', () => {
    expect(() => promptMonitorConfigFromEnv({ ...BASE, PROMPT_WINDOW_MS: 'soon' })).toThrow(/windowMs/);
    expect(() => promptMonitorConfigFromEnv({ ...BASE, PROMPT_TEST_ALPHA: '2' })).toThrow(/alpha/);
    expect(() =>
      promptMonitorConfigFromEnv({ ...BASE, PROMPT_MONITOR_OPTIONS: JSON.stringify({ test: { taus: 1 } }) }),
    ).toThrow(/taus/);
    expect(() => promptMonitorConfigFromEnv({ ...BASE, PROMPT_MONITOR_OPTIONS: '{' })).toThrow(
      /PROMPT_MONITOR_OPTIONS is not valid JSON/,
    );
  });
});
