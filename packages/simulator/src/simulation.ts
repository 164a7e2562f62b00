import type { TelemetryEvent } from '@aiops/contract';
import { deriveSeed, Rng } from '@aiops/core';
import {
  type AgentScenarioKind,
  type AgentScenarioSpec,
  type AgentTruth,
  type ResolvedAgentScenario,
  resolveAgentScenarios,
} from './agent-scenarios.js';
import { DEFAULT_DIURNAL, type DiurnalOptions, diurnalFactor, TrafficNoise } from './diurnal.js';
import { appEffects, Effects } from './effects.js';
import { TimeQueue } from './queue.js';
import {
  DEFAULT_SCENARIO_KINDS,
  DEFAULT_WARMUP_MS,
  type IncidentLabel,
  labelsOf,
  type ResolvedScenario,
  resolveScenarios,
  type ScenarioKind,
  type ScenarioSpec,
} from './scenarios.js';
import { RequestGenerator } from './traffic.js';
import { createWorld, type World } from './world.js';

export interface SimulationOptions {
  /** Any integer; the same seed and options give the same events, ids included. */
  readonly seed: number;
  /** Event time of the first instant simulated (epoch ms, integer). */
  readonly startMs: number;
  readonly durationMs: number;
  /** Mean events per minute over a whole day (the diurnal curve and noise move around it). */
  readonly eventsPerMinute: number;
  /** Incidents to inject; default: all five, one after another after the warm-up. [] for none. */
  readonly scenarios?: readonly (ScenarioSpec | ScenarioKind)[];
  /** Agent incidents (judged per trace by the agent monitor); default none. */
  readonly agentScenarios?: readonly (AgentScenarioSpec | AgentScenarioKind)[];
  /** Number of tenants, 1–5 (default 4). Default scenario targets need at least 3. */
  readonly tenants?: number;
  /** Quiet event time before the first scheduled incident, for detector baselines (default 45 min). */
  readonly warmupMs?: number;
  readonly diurnal?: Partial<DiurnalOptions>;
  /** Bounded out-of-orderness: an event may come after events up to this many ms newer (default 0). */
  readonly outOfOrderMs?: number;
  /** Share of events emitted a second time (same event_id), within the out-of-order bound (default 0). */
  readonly duplicateRate?: number;
  /** Share of priced calls whose cost_usd the producer reports; the rest leave it null (default 0.5). */
  readonly reportedCostShare?: number;
}

export interface ResolvedSimulationOptions {
  readonly seed: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly durationMs: number;
  readonly eventsPerMinute: number;
  readonly tenants: number;
  readonly warmupMs: number;
  readonly diurnal: DiurnalOptions;
  readonly outOfOrderMs: number;
  readonly duplicateRate: number;
  readonly reportedCostShare: number;
}

export interface Simulation {
  readonly options: ResolvedSimulationOptions;
  readonly world: World;
  readonly scenarios: readonly ResolvedScenario[];
  /** Ground truth for scoring detectors, ordered by start time. */
  readonly labels: readonly IncidentLabel[];
  readonly agentScenarios: readonly ResolvedAgentScenario[];
  /** The traces the agent scenarios injected, recorded by the latest (complete) pass of `events()`. */
  agentTruth(): readonly AgentTruth[];
  /**
   * The events in event-time order (within `outOfOrderMs`), every timestamp in [startMs, endMs). Each call
   * starts over from the seed, so the sequence can be replayed.
   */
  events(): Generator<TelemetryEvent, void, undefined>;
}

const MINUTE_MS = 60_000;
const SLICE_MS = 10_000;

function check(condition: boolean, message: string): void {
  if (!condition) throw new RangeError(message);
}

export function resolveSimulationOptions(options: SimulationOptions): ResolvedSimulationOptions {
  const { seed, startMs, durationMs, eventsPerMinute } = options;
  check(Number.isSafeInteger(seed), `seed must be a safe integer; got ${seed}`);
  check(
    Number.isSafeInteger(startMs) && startMs >= 0,
    `startMs must be a non-negative integer epoch ms; got ${startMs}`,
  );
  check(Number.isFinite(durationMs) && durationMs > 0, `durationMs must be > 0; got ${durationMs}`);
  check(
    Number.isFinite(eventsPerMinute) && eventsPerMinute > 0,
    `eventsPerMinute must be > 0; got ${eventsPerMinute}`,
  );
  const diurnal = { ...DEFAULT_DIURNAL, ...options.diurnal };
  check(
    diurnal.amplitude >= 0 && diurnal.amplitude < 1,
    `diurnal.amplitude must be in [0, 1); got ${diurnal.amplitude}`,
  );
  check(
    diurnal.noiseSigma >= 0 && diurnal.noiseSigma <= 1,
    `diurnal.noiseSigma must be in [0, 1]; got ${diurnal.noiseSigma}`,
  );
  check(Number.isFinite(diurnal.peakHourUtc), 'diurnal.peakHourUtc must be finite');
  const outOfOrderMs = options.outOfOrderMs ?? 0;
  check(Number.isFinite(outOfOrderMs) && outOfOrderMs >= 0, `outOfOrderMs must be >= 0; got ${outOfOrderMs}`);
  const duplicateRate = options.duplicateRate ?? 0;
  check(duplicateRate >= 0 && duplicateRate <= 1, `duplicateRate must be in [0, 1]; got ${duplicateRate}`);
  const reportedCostShare = options.reportedCostShare ?? 0.5;
  check(
    reportedCostShare >= 0 && reportedCostShare <= 1,
    `reportedCostShare must be in [0, 1]; got ${reportedCostShare}`,
  );
  const warmupMs = options.warmupMs ?? DEFAULT_WARMUP_MS;
  check(Number.isFinite(warmupMs) && warmupMs >= 0, `warmupMs must be >= 0; got ${warmupMs}`);
  return Object.freeze({
    seed,
    startMs,
    endMs: startMs + Math.round(durationMs),
    durationMs: Math.round(durationMs),
    eventsPerMinute,
    tenants: options.tenants ?? 4,
    warmupMs,
    diurnal: Object.freeze(diurnal),
    outOfOrderMs,
    duplicateRate,
    reportedCostShare,
  });
}

/** A deterministic, seeded traffic simulation with labelled incidents. Pure: no clock, no I/O. */
export function createSimulation(options: SimulationOptions): Simulation {
  const resolved = resolveSimulationOptions(options);
  const world = createWorld(resolved.tenants);
  const scenarios = resolveScenarios(world, options.scenarios ?? DEFAULT_SCENARIO_KINDS, {
    startMs: resolved.startMs,
    endMs: resolved.endMs,
    warmupMs: resolved.warmupMs,
  });
  const labels = scenarios.flatMap(labelsOf).sort((a, b) => a.startMs - b.startMs);
  const agentScenarios = resolveAgentScenarios(world, options.agentScenarios ?? [], {
    startMs: resolved.startMs,
    endMs: resolved.endMs,
    warmupMs: resolved.warmupMs,
  });
  let truth: AgentTruth[] = [];
  return Object.freeze({
    options: resolved,
    world,
    scenarios: Object.freeze(scenarios),
    labels: Object.freeze(labels),
    agentScenarios: Object.freeze(agentScenarios),
    agentTruth: () => truth,
    events: () => {
      truth = [];
      return runSimulation(resolved, world, scenarios, agentScenarios, (t) => truth.push(t));
    },
  });
}

function cloneEvent(e: TelemetryEvent): TelemetryEvent {
  return {
    ...e,
    scores: { ...e.scores },
    guardrail_flags: [...e.guardrail_flags],
    attributes: { ...e.attributes },
  };
}

function* runSimulation(
  options: ResolvedSimulationOptions,
  world: World,
  scenarios: readonly ResolvedScenario[],
  agentScenarios: readonly ResolvedAgentScenario[] = [],
  record: (truth: AgentTruth) => void = () => {},
): Generator<TelemetryEvent, void, undefined> {
  const { seed, startMs, endMs, outOfOrderMs, duplicateRate } = options;
  const effects = new Effects(scenarios);
  const queue = new TimeQueue<TelemetryEvent>();
  const shuffle = new Rng(deriveSeed(seed, 'delivery'));
  const sink = (event: TelemetryEvent): void => {
    if (event.timestamp >= endMs || effects.silenced(event.provider, event.timestamp)) return;
    // Keys lie in [timestamp, timestamp + outOfOrderMs]: popping by key bounds the disorder by outOfOrderMs.
    queue.push(outOfOrderMs > 0 ? event.timestamp + shuffle.next() * outOfOrderMs : event.timestamp, event);
    if (duplicateRate > 0 && shuffle.next() < duplicateRate) {
      queue.push(
        outOfOrderMs > 0 ? event.timestamp + shuffle.next() * outOfOrderMs : event.timestamp,
        cloneEvent(event),
      );
    }
  };
  const shared = { eventsPerMinute: options.eventsPerMinute, reportedCostShare: options.reportedCostShare };
  const generators = world.apps.map(
    (app) =>
      new RequestGenerator(
        app,
        new Rng(deriveSeed(seed, `app:${app.tenant_id}/${app.application}`)),
        sink,
        effects,
        appEffects(effects, app.tenant_id, app.application),
        world.environments,
        world.environmentCumulative,
        shared,
        {
          scenarios: agentScenarios.filter(
            (s) => s.tenant_id === app.tenant_id && s.application === app.application,
          ),
          record,
        },
      ),
  );
  const attackers = effects.bursts.map((burst) => {
    const app = world.apps.find(
      (a) => a.tenant_id === burst.tenant_id && a.application === burst.application,
    )!;
    const generator = new RequestGenerator(
      app,
      new Rng(deriveSeed(seed, `attack:${burst.id}`)),
      sink,
      effects,
      appEffects(effects, app.tenant_id, app.application),
      world.environments,
      world.environmentCumulative,
      shared,
    );
    return { burst, generator, perMinute: burst.attackRateFactor * generator.requestsPerMinute };
  });
  const noise = new TrafficNoise(deriveSeed(seed, 'noise'), options.diurnal.noiseSigma);

  for (let minute = startMs; minute < endMs; minute += MINUTE_MS) {
    const minuteEnd = Math.min(minute + MINUTE_MS, endMs);
    // The rate is constant over a minute; generating it in slices keeps the reorder buffer small.
    const rateFactor = diurnalFactor((minute + minuteEnd) / 2, options.diurnal) * noise.next();
    for (let from = minute; from < minuteEnd; from += SLICE_MS) {
      const to = Math.min(from + SLICE_MS, minuteEnd);
      for (const generator of generators) generator.generateInterval(from, to, rateFactor);
      for (const { burst, generator, perMinute } of attackers) {
        const a = Math.max(from, burst.startMs);
        const b = Math.min(to, burst.endMs);
        if (a < b) generator.generateAttacks(a, b, perMinute, burst.environment);
      }
      // Everything generated from now on ends at or after `to`, and keys are never below timestamps.
      while (queue.size > 0 && queue.peekKey() < to) yield queue.pop()!;
    }
  }
  while (queue.size > 0) yield queue.pop()!;
}

export interface SimulationSummary {
  readonly seed: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly eventsPerMinute: number;
  /** Events the diurnal curve predicts without noise or incidents (a progress denominator). */
  readonly expectedEvents: number;
  readonly tenants: readonly { readonly tenant_id: string; readonly applications: readonly string[] }[];
  readonly models: readonly string[];
  readonly scenarios: readonly ResolvedScenario[];
  readonly labels: readonly IncidentLabel[];
}

/** What a simulation will produce: its world, its incidents and their labels, and how many events to expect. */
export function simulationSummary(simulation: Simulation): SimulationSummary {
  const { options, world } = simulation;
  let expected = 0;
  for (let from = options.startMs; from < options.endMs; from += MINUTE_MS) {
    const to = Math.min(from + MINUTE_MS, options.endMs);
    expected +=
      options.eventsPerMinute * ((to - from) / MINUTE_MS) * diurnalFactor((from + to) / 2, options.diurnal);
  }
  const models = new Set<string>();
  for (const app of world.apps) {
    for (const m of [...app.routes, app.guardrail, app.embedding])
      if (m !== null) models.add(`${m.provider}/${m.model}`);
  }
  return {
    seed: options.seed,
    startMs: options.startMs,
    endMs: options.endMs,
    eventsPerMinute: options.eventsPerMinute,
    expectedEvents: Math.round(expected * (1 + options.duplicateRate)),
    tenants: world.tenants.map((tenant_id) => ({
      tenant_id,
      applications: world.apps.filter((a) => a.tenant_id === tenant_id).map((a) => a.application),
    })),
    models: [...models].sort(),
    scenarios: simulation.scenarios,
    labels: simulation.labels,
  };
}

/** The summary as a few human lines (for the CLI). */
export function formatSimulationSummary(summary: SimulationSummary): string[] {
  const iso = (ms: number): string => new Date(ms).toISOString();
  const minutes = (ms: number): string => `${Math.round(ms / MINUTE_MS)} min`;
  const lines = [
    `simulation seed=${summary.seed} ${iso(summary.startMs)} → ${iso(summary.endMs)} ` +
      `(${minutes(summary.endMs - summary.startMs)}), ~${summary.eventsPerMinute}/min, ~${summary.expectedEvents} events`,
    `tenants: ${summary.tenants.map((t) => `${t.tenant_id} [${t.applications.join(', ')}]`).join('; ')}`,
    `models: ${summary.models.join(', ')}`,
  ];
  if (summary.labels.length === 0) lines.push('incidents: none');
  for (const label of summary.labels) {
    const filter = Object.entries(label.series)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    lines.push(
      `incident ${label.id}: ${label.detector} on {${filter}} ${iso(label.startMs)} → ${iso(label.endMs)} ` +
        `(${minutes(label.endMs - label.startMs)}): ${label.description}`,
    );
  }
  return lines;
}
