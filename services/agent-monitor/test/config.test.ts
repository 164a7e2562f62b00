import { describe, expect, it } from 'vitest';
import { agentMonitorConfigFromEnv } from '../src/config.js';

const BASE = { KAFKA_BROKERS: '127.0.0.1:19092' };

describe('agent monitor configuration', () => {
  it('has defaults for every key', () => {
    const config = agentMonitorConfigFromEnv(BASE);
    expect(config.groupId).toBe('aiops-agent-monitor');
    expect(config.topics.traces).toBe('aiops.traces.v1');
    expect(config.topics.agentMonitorState).toBe('aiops.agent-monitor.state.v1');
    expect(config.monitor.traceGapMs).toBe(60_000);
    expect(config.monitor.loop).toEqual({ sameToolCalls: 8, sameArgumentsCalls: 3 });
  });

  it('takes AGENT_MONITOR_OPTIONS, with the AGENT_* keys on top', () => {
    const config = agentMonitorConfigFromEnv({
      ...BASE,
      AGENT_MONITOR_OPTIONS: JSON.stringify({ traceGapMs: 30_000, loop: { sameToolCalls: 5 } }),
      AGENT_LOOP_SAME_ARGUMENTS_CALLS: '4',
      TOPIC_TRACES: 'my.traces',
    });
    expect(config.monitor.traceGapMs).toBe(30_000);
    expect(config.monitor.loop).toEqual({ sameToolCalls: 5, sameArgumentsCalls: 4 });
    expect(config.topics.traces).toBe('my.traces');
  });

  it('fails naming the key of a bad value', () => {
    expect(() => agentMonitorConfigFromEnv({ ...BASE, AGENT_TRACE_GAP_MS: 'soon' })).toThrow(/traceGapMs/);
    expect(() =>
      agentMonitorConfigFromEnv({
        ...BASE,
        AGENT_MONITOR_OPTIONS: JSON.stringify({ loop: { sameTool: 3 } }),
      }),
    ).toThrow(/sameTool/);
    expect(() => agentMonitorConfigFromEnv({ ...BASE, AGENT_MONITOR_OPTIONS: '{' })).toThrow(
      /AGENT_MONITOR_OPTIONS is not valid JSON/,
    );
  });
});
