import type { TelemetryEvent } from '@aiops/contract';
import { describe, expect, it } from 'vitest';
import { createSimulation } from '../src/index.js';

const START = Date.UTC(2026, 10, 20, 8, 0, 0);
const MINUTE = 60_000;
const base = {
  seed: 5,
  startMs: START,
  durationMs: 100 * MINUTE,
  eventsPerMinute: 400,
  warmupMs: 30 * MINUTE,
};
const rollout = { kind: 'prompt_regression' as const, startMs: START + 40 * MINUTE, durationMs: 40 * MINUTE };

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('prompt_regression scenario', () => {
  it('rolls a new, worse version out to 30 % of the target application, labelled for the prompt monitor', () => {
    const simulation = createSimulation({ ...base, scenarios: [rollout] });
    expect(simulation.scenarios[0]).toMatchObject({
      kind: 'prompt_regression',
      tenant_id: 'acme',
      application: 'support-bot',
      environment: 'production',
      prompt_name: 'support-answer',
      old_version: 'v7',
      new_version: 'v8',
      share: 0.3,
      drop: 0.12,
    });
    expect(simulation.labels).toEqual([
      expect.objectContaining({
        detector: 'prompt_regression',
        series: { tenant_id: 'acme', application: 'support-bot', environment: 'production' },
        prompt: { prompt_name: 'support-answer', prompt_version: 'v8' },
        startMs: rollout.startMs,
        endMs: rollout.startMs + rollout.durationMs,
        corroborating: ['quality'],
      }),
    ]);
    const events: TelemetryEvent[] = [...simulation.events()].filter(
      (e) => e.tenant_id === 'acme' && e.application === 'support-bot' && e.environment === 'production',
    );
    const calls = events.filter((e) => e.event_type === 'llm_call' && e.prompt_version !== null);
    const v8 = calls.filter((e) => e.prompt_version === 'v8');
    // Only during the rollout, on about 30 % of the calls then.
    expect(
      v8.every((e) => e.timestamp >= rollout.startMs && e.timestamp < rollout.startMs + 41 * MINUTE),
    ).toBe(true);
    const during = calls.filter(
      (e) => e.timestamp >= rollout.startMs + MINUTE && e.timestamp < rollout.startMs + 39 * MINUTE,
    );
    const share = during.filter((e) => e.prompt_version === 'v8').length / during.length;
    expect(share).toBeGreaterThan(0.24);
    expect(share).toBeLessThan(0.36);
    const scores = (version: string) =>
      events
        .filter(
          (e) =>
            e.event_type === 'evaluation' && e.prompt_version === version && e.timestamp >= rollout.startMs,
        )
        .map((e) => e.scores.faithfulness!);
    const gap = mean(scores('v7')) - mean(scores('v8'));
    expect(gap).toBeGreaterThan(0.07);
    expect(gap).toBeLessThan(0.17);
  }, 30_000);

  it('is not among the default scenarios, and leaves a run without it as it was', () => {
    const plain = createSimulation(base);
    expect(plain.scenarios.map((s) => s.kind)).not.toContain('prompt_regression');
    const other = createSimulation({
      ...base,
      scenarios: [{ ...rollout, tenant_id: 'initech', application: 'support-bot' }],
    });
    // A rollout on another application draws from that application's stream only.
    const acme = (sim: typeof plain) =>
      [...sim.events()]
        .filter((e) => e.tenant_id === 'acme' && e.application === 'support-bot')
        .slice(0, 3000);
    expect(acme(other)).toEqual(acme(createSimulation({ ...base, scenarios: [] })));
  }, 30_000);

  it('refuses a version name the application already has', () => {
    expect(() => createSimulation({ ...base, scenarios: [{ ...rollout, new_version: 'v6' }] })).toThrow(
      /already has version v6/,
    );
  });
});
