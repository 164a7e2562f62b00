import { seriesMatchesFilter, type TelemetryEvent } from '@aiops/contract';
import { describe, expect, it, vi } from 'vitest';
import {
  activeLabels,
  createSimulation,
  createWorld,
  DEFAULT_DURATIONS_MS,
  DEFAULT_SCENARIO_KINDS,
  DEFAULT_WARMUP_MS,
  findModel,
  type IncidentLabel,
  priceCall,
  type ResolvedScenario,
  resolveScenarios,
  type ScenarioSpec,
} from '../src/index.js';
import { byId, HOUR, MINUTE, mean, percentile, run, T0, within } from './helpers.js';

// Whole simulations are generated here; leave room for a busy machine.
vi.setConfig({ testTimeout: 30_000 });

const START = T0 + 70 * MINUTE;
const END = START + 20 * MINUTE;
const RUN = { durationMs: 3 * HOUR, eventsPerMinute: 400 };
const baseline = run(RUN);
const baselineById = byId(baseline);

function withScenario(spec: ScenarioSpec): {
  events: TelemetryEvent[];
  labels: readonly IncidentLabel[];
  scenario: ResolvedScenario;
} {
  const sim = createSimulation({
    seed: 7,
    startMs: T0,
    eventsPerMinute: RUN.eventsPerMinute,
    durationMs: RUN.durationMs,
    scenarios: [spec],
  });
  return { events: [...sim.events()], labels: sim.labels, scenario: sim.scenarios[0]! };
}

/** Events that do not match the label are the very same as without the scenario (and none is missing). */
function expectUntouchedOutside(
  events: readonly TelemetryEvent[],
  label: IncidentLabel,
  apps?: ReadonlySet<string>,
): void {
  const changed: string[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    if (seriesMatchesFilter(label.series, e)) continue;
    if (apps !== undefined && !apps.has(`${e.tenant_id}/${e.application}`)) continue;
    seen.add(e.event_id);
    const before = baselineById.get(e.event_id);
    if (before === undefined || JSON.stringify(before) !== JSON.stringify(e)) changed.push(e.event_id);
  }
  const missing = baseline.filter(
    (e) =>
      !seriesMatchesFilter(label.series, e) &&
      (apps === undefined || apps.has(`${e.tenant_id}/${e.application}`)) &&
      !seen.has(e.event_id),
  );
  expect(changed.length).toBe(0);
  expect(missing.length).toBe(0);
  expect(seen.size).toBeGreaterThan(1000);
}

function same(a: object | undefined, b: object): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

const llmCalls = (events: readonly TelemetryEvent[], filter: (e: TelemetryEvent) => boolean) =>
  events.filter((e) => e.event_type === 'llm_call' && filter(e));

describe('default schedule and labels', () => {
  const sim = createSimulation({ seed: 3, startMs: T0, durationMs: 4 * HOUR, eventsPerMinute: 300 });

  it('runs all five scenarios, one after another after the warm-up, with quiet gaps', () => {
    expect(sim.scenarios.map((s) => s.kind)).toEqual([...DEFAULT_SCENARIO_KINDS]);
    let previousEnd = T0 + DEFAULT_WARMUP_MS;
    for (const s of sim.scenarios) {
      expect(s.startMs).toBeGreaterThanOrEqual(previousEnd);
      expect(s.startMs % MINUTE).toBe(0);
      expect(s.endMs - s.startMs).toBe(DEFAULT_DURATIONS_MS[s.kind]);
      previousEnd = s.endMs + 10 * MINUTE;
    }
    expect(sim.scenarios.at(-1)!.endMs).toBeLessThanOrEqual(T0 + 4 * HOUR);
  });

  it('labels each scenario with a detector, a series filter and an event-time interval', () => {
    expect(sim.labels.map((l) => `${l.scenario}:${l.detector}`)).toEqual([
      'latency_spike:latency',
      'provider_outage:error_rate',
      'provider_outage:outage',
      'cost_runaway:cost',
      'prompt_injection_burst:guardrail',
      'quality_drift:quality',
    ]);
    expect(new Set(sim.labels.map((l) => l.id)).size).toBe(sim.labels.length);
    for (const label of sim.labels) {
      expect(label.startMs).toBeLessThan(label.endMs);
      expect(label.startMs).toBeGreaterThanOrEqual(T0 + DEFAULT_WARMUP_MS);
      expect(Object.keys(label.series).length).toBeGreaterThan(0);
    }
    const outage = sim.labels.filter((l) => l.scenario === 'provider_outage');
    const resolved = sim.scenarios.find((s) => s.kind === 'provider_outage')!;
    expect(outage[0]!.endMs).toBe(resolved.kind === 'provider_outage' ? resolved.silenceStartMs : -1);
    expect(outage[1]!.startMs).toBe(outage[0]!.startMs);
    expect(outage[1]!.endMs).toBe(resolved.endMs);
    expect(sim.labels.find((l) => l.detector === 'quality')!.prompt).toEqual({
      prompt_name: 'support-answer',
      prompt_version: 'v7',
    });
    // Serialisable as is, for --labels-out.
    expect(JSON.parse(JSON.stringify(sim.labels))).toEqual(sim.labels);
  });

  it('names series that exist: every label filter matches events of the run, just before its interval', () => {
    const events = [...sim.events()];
    for (const label of sim.labels) {
      const before = events.filter(
        (e) => within(e, label.startMs - 10 * MINUTE, label.startMs) && seriesMatchesFilter(label.series, e),
      );
      expect(before.length).toBeGreaterThan(20);
    }
  });

  it('shrinks the schedule to fit a shorter run, and refuses a run too short for it', () => {
    const short = createSimulation({ seed: 3, startMs: T0, durationMs: 2 * HOUR, eventsPerMinute: 300 });
    expect(short.scenarios).toHaveLength(5);
    expect(short.scenarios.at(-1)!.endMs).toBeLessThanOrEqual(T0 + 2 * HOUR);
    expect(short.scenarios[0]!.startMs).toBeGreaterThanOrEqual(T0 + DEFAULT_WARMUP_MS);
    expect(() =>
      createSimulation({ seed: 3, startMs: T0, durationMs: 70 * MINUTE, eventsPerMinute: 300 }),
    ).toThrow(/too short/);
  });

  it('answers which labels are active for a detector, a series and a time', () => {
    const latency = sim.labels.find((l) => l.detector === 'latency')!;
    const series = {
      tenant_id: 'acme',
      application: 'support-bot',
      environment: 'production',
      provider: 'openai',
      model: 'gpt-4o',
      operation: 'chat',
    };
    expect(activeLabels(sim.labels, 'latency', series, latency.startMs + 1)).toEqual([latency]);
    expect(activeLabels(sim.labels, 'latency', series, latency.endMs)).toEqual([]);
    expect(activeLabels(sim.labels, 'error_rate', series, latency.startMs + 1)).toEqual([]);
    expect(
      activeLabels(sim.labels, 'latency', { ...series, model: 'gpt-4o-mini' }, latency.startMs + 1),
    ).toEqual([]);
  });
});

describe('scenario specs', () => {
  const world = createWorld(4);
  const window = { startMs: T0, endMs: T0 + 4 * HOUR, warmupMs: DEFAULT_WARMUP_MS };
  it('refuses targets that do not exist and parameters out of range', () => {
    const bad: ScenarioSpec[] = [
      { kind: 'latency_spike', provider: 'openai', model: 'gpt-9' },
      { kind: 'latency_spike', provider: 'openai' },
      { kind: 'provider_outage', provider: 'mistral_ai' },
      { kind: 'cost_runaway', tenant_id: 'acme', application: 'docs-search' },
      { kind: 'quality_drift', prompt_version: 'v99' },
      { kind: 'prompt_injection_burst', tenant_id: 'initech', application: 'ticket-triage' },
      { kind: 'provider_outage', errorRate: 1.5 },
      { kind: 'latency_spike', factor: 0 },
      { kind: 'cost_runaway', environment: 'qa' },
    ];
    for (const spec of bad)
      expect(() => resolveScenarios(world, [spec], window), JSON.stringify(spec)).toThrow(RangeError);
    expect(() => resolveScenarios(world, ['meteor' as never], window)).toThrow(/unknown scenario/);
    expect(() => resolveScenarios(createWorld(2), ['prompt_injection_burst'], window)).toThrow(/initech/);
  });

  it('keeps explicit times and fills the rest', () => {
    const [a, b] = resolveScenarios(
      world,
      [{ kind: 'latency_spike', startMs: T0 + HOUR, durationMs: 5 * MINUTE, factor: 3 }, 'cost_runaway'],
      window,
    );
    expect(a).toMatchObject({
      kind: 'latency_spike',
      startMs: T0 + HOUR,
      endMs: T0 + HOUR + 5 * MINUTE,
      factor: 3,
      provider: 'openai',
      model: 'gpt-4o',
    });
    expect(b).toMatchObject({
      kind: 'cost_runaway',
      startMs: T0 + DEFAULT_WARMUP_MS,
      tenant_id: 'globex',
      application: 'research-agent',
      environment: 'production',
      outputFactor: 10,
      rateFactor: 3,
    });
  });
});

describe('latency_spike', () => {
  const { events, labels } = withScenario({
    kind: 'latency_spike',
    startMs: START,
    durationMs: END - START,
    factor: 6,
  });
  const label = labels[0]!;

  it('leaves every other series exactly as it was', () => expectUntouchedOutside(events, label));

  it('multiplies the p95 latency of the model inside the interval, and only there', () => {
    const target = (e: TelemetryEvent) =>
      e.provider === 'openai' && e.model === 'gpt-4o' && e.status === 'ok';
    const inside = llmCalls(events, (e) => target(e) && within(e, START + MINUTE, END)).map(
      (e) => e.duration_ms!,
    );
    const before = llmCalls(events, (e) => target(e) && within(e, START - 20 * MINUTE, START)).map(
      (e) => e.duration_ms!,
    );
    const after = llmCalls(events, (e) => target(e) && within(e, END + 2 * MINUTE, END + 22 * MINUTE)).map(
      (e) => e.duration_ms!,
    );
    expect(percentile(inside, 0.95) / percentile(before, 0.95)).toBeGreaterThan(3.5);
    expect(percentile(inside, 0.5) / percentile(before, 0.5)).toBeGreaterThan(4.5);
    expect(percentile(after, 0.95) / percentile(before, 0.95)).toBeLessThan(1.4);
    // Events of the target series before the incident are unchanged too.
    const early = events.filter((x) => x.timestamp < START);
    expect(early.filter((e) => !same(baselineById.get(e.event_id), e))).toEqual([]);
  });
});

describe('provider_outage', () => {
  const { events, labels, scenario } = withScenario({
    kind: 'provider_outage',
    startMs: START,
    durationMs: END - START,
  });
  const [errorLabel, outageLabel] = labels;
  const silenceStartMs = scenario.kind === 'provider_outage' ? scenario.silenceStartMs : Number.NaN;
  const unaffected = new Set(
    createWorld(4)
      .apps.filter((a) => !a.routes.some((r) => r.provider === 'anthropic'))
      .map((a) => `${a.tenant_id}/${a.application}`),
  );

  it('has an error-rate phase then a silent phase; the outage label spans both', () => {
    expect(errorLabel).toMatchObject({
      detector: 'error_rate',
      series: { provider: 'anthropic' },
      startMs: START,
    });
    expect(outageLabel).toMatchObject({
      detector: 'outage',
      series: { provider: 'anthropic' },
      startMs: START,
      endMs: END,
    });
    expect(errorLabel!.endMs).toBe(silenceStartMs);
    expect(silenceStartMs).toBeGreaterThan(START);
    expect(silenceStartMs).toBeLessThan(END);
  });

  it('leaves applications that do not call the provider exactly as they were', () => {
    expect(unaffected.size).toBeGreaterThan(0);
    expectUntouchedOutside(events, errorLabel!, unaffected);
  });

  it('fails nearly every call of the provider with server_error during the error phase, and only then', () => {
    const errorRate = (calls: TelemetryEvent[]) =>
      calls.filter((e) => e.status === 'error').length / calls.length;
    const anthropic = (e: TelemetryEvent) => e.provider === 'anthropic';
    const inside = llmCalls(events, (e) => anthropic(e) && within(e, START + 30_000, errorLabel!.endMs));
    expect(inside.length).toBeGreaterThan(100);
    expect(errorRate(inside)).toBeGreaterThan(0.9);
    const errors = inside.filter((e) => e.status === 'error');
    expect(errors.filter((e) => e.error_type === 'server_error').length / errors.length).toBeGreaterThan(
      0.95,
    );
    expect(
      errorRate(llmCalls(events, (e) => anthropic(e) && within(e, START - 20 * MINUTE, START))),
    ).toBeLessThan(0.05);
    expect(
      errorRate(llmCalls(events, (e) => anthropic(e) && within(e, END + 3 * MINUTE, END + 23 * MINUTE))),
    ).toBeLessThan(0.05);
    expect(
      errorRate(llmCalls(events, (e) => !anthropic(e) && within(e, START, errorLabel!.endMs))),
    ).toBeLessThan(0.05);
  });

  it('silences the provider during the outage phase, then its traffic comes back', () => {
    expect(events.filter((e) => e.provider === 'anthropic' && within(e, silenceStartMs, END))).toEqual([]);
    const back = events.filter((e) => e.provider === 'anthropic' && within(e, END, END + 10 * MINUTE));
    const usual = baseline.filter((e) => e.provider === 'anthropic' && within(e, END, END + 10 * MINUTE));
    expect(back.length / usual.length).toBeGreaterThan(0.8);
    expect(
      events.filter((e) => e.provider !== 'anthropic' && within(e, silenceStartMs, END)).length,
    ).toBeGreaterThan(1000);
  });
});

describe('cost_runaway', () => {
  const { events, labels } = withScenario({ kind: 'cost_runaway', startMs: START, durationMs: END - START });
  const label = labels[0]!;
  const others = new Set(
    createWorld(4)
      .apps.map((a) => `${a.tenant_id}/${a.application}`)
      .filter((k) => k !== 'globex/research-agent'),
  );
  const cost = (list: readonly TelemetryEvent[], from: number, to: number) =>
    list
      .filter(
        (e) =>
          e.event_type === 'llm_call' &&
          e.status === 'ok' &&
          within(e, from, to) &&
          seriesMatchesFilter(label.series, e),
      )
      .reduce(
        (sum, e) =>
          sum +
          priceCall(
            findModel(e.provider, e.model)!,
            e.input_tokens!,
            e.cache_read_input_tokens!,
            e.output_tokens!,
          ),
        0,
      );

  it('leaves every other application exactly as it was', () => expectUntouchedOutside(events, label, others));

  it('multiplies the application cost inside the interval, and only there', () => {
    expect(cost(events, START + 2 * MINUTE, END) / cost(baseline, START + 2 * MINUTE, END)).toBeGreaterThan(
      8,
    );
    expect(cost(events, START - 20 * MINUTE, START)).toBeCloseTo(
      cost(baseline, START - 20 * MINUTE, START),
      9,
    );
    const after =
      cost(events, END + 5 * MINUTE, END + 25 * MINUTE) / cost(baseline, END + 5 * MINUTE, END + 25 * MINUTE);
    expect(after).toBeGreaterThan(0.6);
    expect(after).toBeLessThan(1.6);
  });

  it('raises the request rate and the output tokens per call of the application', () => {
    const runs = (list: readonly TelemetryEvent[]) =>
      list.filter(
        (e) =>
          e.event_type === 'agent_step' &&
          within(e, START + 2 * MINUTE, END) &&
          seriesMatchesFilter(label.series, e),
      ).length;
    expect(runs(events) / runs(baseline)).toBeGreaterThan(2);
    const output = (list: readonly TelemetryEvent[]) =>
      percentile(
        llmCalls(
          list,
          (e) =>
            e.status === 'ok' && within(e, START + 2 * MINUTE, END) && seriesMatchesFilter(label.series, e),
        ).map((e) => e.output_tokens!),
        0.5,
      );
    expect(output(events) / output(baseline)).toBeGreaterThan(5);
  });

  it('raises the rate of the targeted environment only', () => {
    const options = {
      seed: 5,
      startMs: T0,
      durationMs: 40 * MINUTE,
      eventsPerMinute: 3000,
      warmupMs: 0,
      tenants: 3,
    };
    const spec: ScenarioSpec = { kind: 'cost_runaway', startMs: T0 + 10 * MINUTE, durationMs: 30 * MINUTE };
    const runs = (scenarios: ScenarioSpec[]) => {
      const counts = { production: 0, other: 0 };
      for (const e of createSimulation({ ...options, scenarios }).events()) {
        if (e.event_type !== 'agent_step' || e.tenant_id !== 'globex' || e.application !== 'research-agent')
          continue;
        if (e.timestamp < T0 + 12 * MINUTE) continue;
        if (e.environment === 'production') counts.production++;
        else counts.other++;
      }
      return counts;
    };
    const [runaway, usual] = [runs([spec]), runs([])];
    expect(runaway.production / usual.production).toBeGreaterThan(2.5);
    expect(usual.other).toBeGreaterThan(50);
    expect(runaway.other / usual.other).toBeGreaterThan(0.7);
    expect(runaway.other / usual.other).toBeLessThan(1.4);
  }, 30_000);
});

describe('quality_drift', () => {
  const { events, labels } = withScenario({ kind: 'quality_drift', startMs: START, durationMs: 60 * MINUTE });
  const label = labels[0]!;
  const end = START + 60 * MINUTE;
  const isTarget = (e: TelemetryEvent) => seriesMatchesFilter(label.series, e) && e.prompt_version === 'v7';
  const scores = (
    list: readonly TelemetryEvent[],
    from: number,
    to: number,
    target: (e: TelemetryEvent) => boolean,
  ) =>
    mean(
      list
        .filter((e) => e.event_type === 'evaluation' && within(e, from, to) && target(e))
        .flatMap((e) => Object.values(e.scores)),
    );

  it('changes nothing but the scores and feedback of the drifting prompt version inside the interval', () => {
    expect(events.length).toBe(baseline.length);
    const changed = events.filter((e) => {
      const before = baselineById.get(e.event_id);
      if (
        isTarget(e) &&
        within(e, START, end) &&
        (e.event_type === 'evaluation' || e.event_type === 'feedback')
      ) {
        return (
          before === undefined ||
          !same({ ...before, scores: {}, feedback: null }, { ...e, scores: {}, feedback: null })
        );
      }
      return !same(before, e);
    });
    expect(changed).toEqual([]);
    const rescored = events.filter((e) => !same(baselineById.get(e.event_id), e));
    expect(rescored.length).toBeGreaterThan(50);
  });

  it('lowers the scores gradually: little at first, a lot by the end, back to normal after', () => {
    const usual = scores(baseline, START, end, isTarget);
    const early = scores(events, START, START + 10 * MINUTE, isTarget);
    const late = scores(events, end - 15 * MINUTE, end, isTarget);
    const after = scores(events, end, end + 20 * MINUTE, isTarget);
    expect(usual).toBeGreaterThan(0.75);
    expect(usual - early).toBeLessThan(0.08);
    expect(usual - late).toBeGreaterThan(0.2);
    expect(Math.abs(after - scores(baseline, end, end + 20 * MINUTE, isTarget))).toBeLessThan(1e-12);
    const otherVersion = (e: TelemetryEvent) =>
      seriesMatchesFilter(label.series, e) && e.prompt_version === 'v6';
    expect(scores(events, end - 15 * MINUTE, end, otherVersion)).toBe(
      scores(baseline, end - 15 * MINUTE, end, otherVersion),
    );
  });

  it('makes negative feedback more common as quality falls', () => {
    const negative = (list: readonly TelemetryEvent[]) => {
      const fb = list.filter(
        (e) => e.event_type === 'feedback' && isTarget(e) && within(e, START + 30 * MINUTE, end),
      );
      return fb.filter((e) => e.feedback === -1).length / fb.length;
    };
    expect(negative(events)).toBeGreaterThan(negative(baseline) + 0.1);
  });
});

describe('low_score_burst', () => {
  const { events, labels } = withScenario({
    kind: 'low_score_burst',
    startMs: START,
    durationMs: 10 * MINUTE,
  });
  const label = labels[0]!;
  const end = START + 10 * MINUTE;
  const evaluations = (list: readonly TelemetryEvent[], from: number, to: number) =>
    list.filter(
      (e) => e.event_type === 'evaluation' && within(e, from, to) && seriesMatchesFilter(label.series, e),
    );
  const low = (list: readonly TelemetryEvent[]) =>
    list.filter((e) => Object.values(e.scores).some((v) => v < 0.3)).length;

  it('is labelled for the review queue, on globex/docs-search in production by default', () => {
    expect(label).toMatchObject({
      detector: 'review',
      signal: 'review_items',
      series: { tenant_id: 'globex', application: 'docs-search', environment: 'production' },
      startMs: START,
      endMs: end,
    });
  });

  it('drops every version’s scores at once inside the interval, and only there', () => {
    const during = evaluations(events, START, end);
    const usual = evaluations(baseline, START, end);
    expect(during.length).toBe(usual.length);
    expect(during.length).toBeGreaterThan(20);
    // Scores under 0.3 (the review queue's default threshold) go from rare to most.
    expect(low(usual)).toBeLessThan(usual.length * 0.2);
    expect(low(during)).toBeGreaterThan(during.length * 0.5);
    const after = evaluations(events, end, end + 20 * MINUTE);
    expect(after.map((e) => e.scores)).toEqual(
      evaluations(baseline, end, end + 20 * MINUTE).map((e) => e.scores),
    );
  });
});

describe('prompt_injection_burst', () => {
  const { events, labels } = withScenario({
    kind: 'prompt_injection_burst',
    startMs: START,
    durationMs: END - START,
  });
  const label = labels[0]!;

  it('adds attack traffic to the application only; everything else is as it was', () => {
    const ids = new Set(events.map((e) => e.event_id));
    expect(baseline.every((e) => ids.has(e.event_id))).toBe(true);
    const added = events.filter((e) => !baselineById.has(e.event_id));
    expect(added.length).toBeGreaterThan(100);
    expect(
      events.filter((e) => baselineById.has(e.event_id) && !same(baselineById.get(e.event_id), e)),
    ).toEqual([]);
    expect(added.filter((e) => !seriesMatchesFilter(label.series, e) || e.timestamp < START)).toEqual([]);
    expect(added.filter((e) => e.event_type === 'guardrail' && e.timestamp >= END + 5000)).toEqual([]);
  });

  it('makes prompt_injection flags jump for the application inside the interval', () => {
    const flagged = (list: readonly TelemetryEvent[], from: number, to: number) => {
      const checks = list.filter(
        (e) => e.event_type === 'guardrail' && within(e, from, to) && seriesMatchesFilter(label.series, e),
      );
      return {
        checks: checks.length,
        injections: checks.filter((e) => e.guardrail_flags.includes('prompt_injection')).length,
      };
    };
    const inside = flagged(events, START, END);
    const usual = flagged(baseline, START, END);
    expect(inside.checks / usual.checks).toBeGreaterThan(3);
    expect(inside.injections / inside.checks).toBeGreaterThan(0.5);
    expect(usual.injections / usual.checks).toBeLessThan(0.02);
    expect(inside.injections).toBeGreaterThan(20 * usual.injections);
  });
});
