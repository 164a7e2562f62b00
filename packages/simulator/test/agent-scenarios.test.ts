import type { TelemetryEvent } from '@aiops/contract';
import { describe, expect, it } from 'vitest';
import { createSimulation } from '../src/index.js';

const START = Date.UTC(2026, 10, 20, 8, 0, 0);
const base = {
  seed: 5,
  startMs: START,
  durationMs: 90 * 60_000,
  eventsPerMinute: 400,
  scenarios: [],
  warmupMs: 30 * 60_000,
};

function byTrace(events: Iterable<TelemetryEvent>): Map<string, TelemetryEvent[]> {
  const traces = new Map<string, TelemetryEvent[]>();
  for (const e of events) {
    if (e.trace_id === null) continue;
    const list = traces.get(e.trace_id) ?? [];
    list.push(e);
    traces.set(e.trace_id, list);
  }
  return traces;
}

describe('agent scenarios', () => {
  const simulation = createSimulation({
    ...base,
    agentScenarios: [
      { kind: 'agent_tool_loop', durationMs: 10 * 60_000 },
      { kind: 'unseen_tool', durationMs: 10 * 60_000 },
    ],
  });
  const traces = byTrace(simulation.events());
  const truth = simulation.agentTruth();

  it('schedules them after the warm-up, one after another', () => {
    expect(
      simulation.agentScenarios.map((s) => [s.id, s.startMs - START, s.tenant_id, s.application]),
    ).toEqual([
      ['agent_tool_loop#0', 30 * 60_000, 'acme', 'code-agent'],
      ['unseen_tool#1', 55 * 60_000, 'globex', 'research-agent'],
    ]);
  });

  it('records every injected trace, and a loop trace calls one tool with one arguments hash', () => {
    const loops = truth.filter((t) => t.kind === 'agent_tool_loop');
    expect(loops.length).toBeGreaterThan(10);
    for (const t of loops.filter((l) => l.calls === 10)) {
      const calls = traces.get(t.trace_id)!.filter((e) => e.event_type === 'tool_call');
      expect(calls).toHaveLength(10);
      expect(new Set(calls.map((e) => `${e.tool_name}/${e.tool_call_arguments_hash}`)).size).toBe(1);
      expect(calls[0]!.tool_name).toBe(t.tool);
    }
    const unseen = truth.filter((t) => t.kind === 'unseen_tool');
    expect(unseen.length).toBeGreaterThan(5);
    for (const t of unseen) {
      const tools = traces
        .get(t.trace_id)!
        .filter((e) => e.event_type === 'tool_call')
        .map((e) => e.tool_name);
      expect(tools).toContain('shell_exec');
    }
  });

  it('outside the incidents, tool calls never repeat an arguments hash', () => {
    const injected = new Set(truth.map((t) => t.trace_id));
    const hashes = new Set<string>();
    for (const [trace, events] of traces) {
      if (injected.has(trace)) continue;
      for (const e of events.filter((x) => x.event_type === 'tool_call')) {
        expect(hashes.has(e.tool_call_arguments_hash!)).toBe(false);
        hashes.add(e.tool_call_arguments_hash!);
      }
    }
    expect(hashes.size).toBeGreaterThan(100);
  });

  it('leaves the traffic as it was when none is asked for', () => {
    const without = [...createSimulation(base).events()].slice(0, 2000);
    const empty = [...createSimulation({ ...base, agentScenarios: [] }).events()].slice(0, 2000);
    expect(empty).toEqual(without);
  });

  it('refuses a target that is not an agent', () => {
    expect(() =>
      createSimulation({
        ...base,
        agentScenarios: [{ kind: 'runaway_agent', tenant_id: 'acme', application: 'support-bot' }],
      }),
    ).toThrow(/not an agent application/);
  });
});
