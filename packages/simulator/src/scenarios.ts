import type { SeriesDimension, SeriesFilter } from '@aiops/contract';
import { seriesMatchesFilter } from '@aiops/contract';
import type { World, WorldApp } from './world.js';

export const SCENARIO_KINDS = [
  'latency_spike',
  'provider_outage',
  'cost_runaway',
  'prompt_injection_burst',
  'quality_drift',
  'low_score_burst',
  'prompt_regression',
] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

/**
 * What a simulation runs when it names no scenarios: the detector incidents. The others (low_score_burst,
 * for the review queue; prompt_regression, for the prompt monitor) run when asked for, so default runs and their benchmarks stay as they were.
 */
export const DEFAULT_SCENARIO_KINDS: readonly ScenarioKind[] = [
  'latency_spike',
  'provider_outage',
  'cost_runaway',
  'prompt_injection_burst',
  'quality_drift',
];

/** The detectors a label can name; the scenario benchmark scores each one separately. */
export const DETECTOR_KINDS = [
  'latency',
  'error_rate',
  'outage',
  'cost',
  'quality',
  'guardrail',
  /** The review queue (services/reviewer): items, not alerts. */
  'review',
  /** The prompt monitor (services/prompt-monitor): a new prompt version worse than the one it runs beside. */
  'prompt_regression',
] as const;
export type DetectorKind = (typeof DETECTOR_KINDS)[number];

/** When a scenario runs; omitted fields are filled by the default schedule. */
export interface ScenarioTiming {
  /** Event time at which the incident starts (epoch ms). */
  readonly startMs?: number;
  readonly durationMs?: number;
}

export interface LatencySpikeSpec extends ScenarioTiming {
  readonly kind: 'latency_spike';
  readonly provider?: string;
  readonly model?: string;
  /** Latency multiplier of every call to the model (default 6). */
  readonly factor?: number;
}

export interface ProviderOutageSpec extends ScenarioTiming {
  readonly kind: 'provider_outage';
  readonly provider?: string;
  /** Share of the provider's calls that fail with server_error during the error phase (default 0.97). */
  readonly errorRate?: number;
  /**
   * Fraction of the incident spent failing loudly (errors) before clients stop calling the provider and its
   * traffic falls silent for the rest (default 0.5; 1 = errors only, 0 = silence only).
   */
  readonly errorPhaseFraction?: number;
}

interface AppTarget {
  readonly tenant_id?: string;
  readonly application?: string;
  readonly environment?: string;
}

export interface CostRunawaySpec extends ScenarioTiming, AppTarget {
  readonly kind: 'cost_runaway';
  /** Output tokens per LLM call multiplier (default 10). */
  readonly outputFactor?: number;
  /** Request rate multiplier (default 3). */
  readonly rateFactor?: number;
}

export interface QualityDriftSpec extends ScenarioTiming, AppTarget {
  readonly kind: 'quality_drift';
  /** Prompt version that drifts (default: the application's most used version). */
  readonly prompt_version?: string;
  /** How far the mean evaluation score has fallen by the end, linearly from 0 (default 0.35). */
  readonly drop?: number;
}

export interface PromptInjectionBurstSpec extends ScenarioTiming, AppTarget {
  readonly kind: 'prompt_injection_burst';
  /** Attack requests per minute, as a multiple of the application's mean request rate (default 3). */
  readonly attackRateFactor?: number;
}

/** A bad deploy: every evaluation score of one application drops at once, for a short while. */
export interface LowScoreBurstSpec extends ScenarioTiming, AppTarget {
  readonly kind: 'low_score_burst';
  /** How far the mean evaluation score drops, as a step (default 0.6). */
  readonly drop?: number;
}

/** A new prompt version, worse than the one it replaces, rolled out to a share of one application's traffic. */
export interface PromptRegressionSpec extends ScenarioTiming, AppTarget {
  readonly kind: 'prompt_regression';
  /** Share of the application's requests (in the target environment) that get the new version (default 0.3). */
  readonly share?: number;
  /** How much lower the new version's mean evaluation score is than the version it replaces (default 0.12). */
  readonly drop?: number;
  /** The new version's name (default: `v` + one more than the highest numbered version, e.g. v8 after v7). */
  readonly new_version?: string;
}

export type ScenarioSpec =
  | PromptRegressionSpec
  | LowScoreBurstSpec
  | LatencySpikeSpec
  | ProviderOutageSpec
  | CostRunawaySpec
  | QualityDriftSpec
  | PromptInjectionBurstSpec;

interface ResolvedTiming {
  /** `${kind}#${index}`, unique within a simulation. */
  readonly id: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface ResolvedLatencySpike extends ResolvedTiming {
  readonly kind: 'latency_spike';
  readonly provider: string;
  readonly model: string;
  readonly factor: number;
}

export interface ResolvedProviderOutage extends ResolvedTiming {
  readonly kind: 'provider_outage';
  readonly provider: string;
  readonly errorRate: number;
  /** End of the error phase and start of the silent phase. */
  readonly silenceStartMs: number;
}

interface ResolvedAppTarget {
  readonly tenant_id: string;
  readonly application: string;
  readonly environment: string;
}

export interface ResolvedCostRunaway extends ResolvedTiming, ResolvedAppTarget {
  readonly kind: 'cost_runaway';
  readonly outputFactor: number;
  readonly rateFactor: number;
}

export interface ResolvedQualityDrift extends ResolvedTiming, ResolvedAppTarget {
  readonly kind: 'quality_drift';
  readonly prompt_name: string;
  readonly prompt_version: string;
  readonly drop: number;
}

export interface ResolvedPromptInjectionBurst extends ResolvedTiming, ResolvedAppTarget {
  readonly kind: 'prompt_injection_burst';
  readonly attackRateFactor: number;
}

export interface ResolvedLowScoreBurst extends ResolvedTiming, ResolvedAppTarget {
  readonly kind: 'low_score_burst';
  readonly drop: number;
}

export interface ResolvedPromptRegression extends ResolvedTiming, ResolvedAppTarget {
  readonly kind: 'prompt_regression';
  readonly prompt_name: string;
  /** The version it replaces (the application's most used) and its mean quality. */
  readonly old_version: string;
  readonly old_quality: number;
  readonly new_version: string;
  readonly share: number;
  readonly drop: number;
}

export type ResolvedScenario =
  | ResolvedPromptRegression
  | ResolvedLowScoreBurst
  | ResolvedLatencySpike
  | ResolvedProviderOutage
  | ResolvedCostRunaway
  | ResolvedQualityDrift
  | ResolvedPromptInjectionBurst;

/**
 * Ground truth for the scenario benchmark: detector `detector` should fire for series matching `series`
 * (see `seriesMatchesFilter`) during event time [startMs, endMs).
 */
export interface IncidentLabel {
  /** `${scenario id}:${detector}` */
  readonly id: string;
  readonly scenario: ScenarioKind;
  readonly scenarioId: string;
  readonly detector: DetectorKind;
  /** The dimensions that identify the affected series; absent dimensions are "any". */
  readonly series: SeriesFilter;
  /** Extra scope for quality labels: the prompt version that drifts (series do not carry prompts). */
  readonly prompt: { readonly prompt_name: string; readonly prompt_version: string } | null;
  readonly startMs: number;
  readonly endMs: number;
  /** The window-aggregate signal that moves, and which way. */
  readonly signal: string;
  readonly direction: 'up' | 'down';
  readonly description: string;
  /**
   * Other detectors that see the same incident from another angle (an agent's traces run long or costly
   * when its model slows down or its output tokens run away): their alerts on the label's series during it
   * belong to the incident, so they are no false alarms, but they do not count as detecting it.
   */
  readonly corroborating: readonly string[];
}

/** The agent monitor's per-trace detector of duration, steps and cost (packages/agents AGENT_DETECTORS). */
const AGENT_RUNAWAY = 'agent_runaway';

const MINUTE_MS = 60_000;

/** Default targets: disjoint series, all inside the first three tenants, so every tenant count ≥ 3 has them. */
export const DEFAULT_TARGETS = Object.freeze({
  latency_spike: { provider: 'openai', model: 'gpt-4o' },
  provider_outage: { provider: 'anthropic' },
  cost_runaway: { tenant_id: 'globex', application: 'research-agent', environment: 'production' },
  prompt_injection_burst: { tenant_id: 'initech', application: 'sales-assistant', environment: 'production' },
  quality_drift: { tenant_id: 'acme', application: 'support-bot', environment: 'production' },
  low_score_burst: { tenant_id: 'globex', application: 'docs-search', environment: 'production' },
  prompt_regression: { tenant_id: 'acme', application: 'support-bot', environment: 'production' },
});

/** Nominal incident durations of the default schedule. */
export const DEFAULT_DURATIONS_MS: Readonly<Record<ScenarioKind, number>> = Object.freeze({
  latency_spike: 10 * MINUTE_MS,
  provider_outage: 16 * MINUTE_MS,
  cost_runaway: 15 * MINUTE_MS,
  prompt_injection_burst: 10 * MINUTE_MS,
  quality_drift: 60 * MINUTE_MS,
  low_score_burst: 10 * MINUTE_MS,
  prompt_regression: 30 * MINUTE_MS,
});

export const DEFAULT_WARMUP_MS = 45 * MINUTE_MS;
/** Quiet time after each scheduled incident (and after the last one, before the end). */
export const DEFAULT_GAP_MS = 15 * MINUTE_MS;
/** The default schedule is shrunk proportionally to fit the run, but never below this factor. */
export const MIN_SCHEDULE_SCALE = 0.2;

export interface ScheduleWindow {
  readonly startMs: number;
  readonly endMs: number;
  readonly warmupMs: number;
}

/**
 * Fills in targets, parameters and times. Specs without `startMs` are laid out one after another after the
 * warm-up, each followed by a quiet gap, at whole minutes; when the nominal schedule does not fit the run it
 * is shrunk proportionally (down to MIN_SCHEDULE_SCALE, below which a RangeError says how long a run is needed).
 */
export function resolveScenarios(
  world: World,
  specs: readonly (ScenarioSpec | ScenarioKind)[],
  window: ScheduleWindow,
): ResolvedScenario[] {
  const normalized: ScenarioSpec[] = specs.map((s) =>
    typeof s === 'string' ? ({ kind: s } as ScenarioSpec) : s,
  );
  for (const spec of normalized) {
    if (!(SCENARIO_KINDS as readonly string[]).includes(spec.kind)) {
      throw new RangeError(
        `unknown scenario "${String(spec.kind)}"; expected one of ${SCENARIO_KINDS.join(', ')}`,
      );
    }
  }
  const times = schedule(normalized, window);
  return normalized.map((spec, index) => {
    const timing = times[index]!;
    const base = { id: `${spec.kind}#${index}`, startMs: timing.startMs, endMs: timing.endMs };
    return Object.freeze(resolveOne(world, spec, base));
  });
}

function schedule(
  specs: readonly ScenarioSpec[],
  window: ScheduleWindow,
): { startMs: number; endMs: number }[] {
  const auto = specs.filter((s) => s.startMs === undefined);
  const first = window.startMs + window.warmupMs;
  const available = window.endMs - first;
  const nominal = auto.reduce(
    (sum, s) => sum + (s.durationMs ?? DEFAULT_DURATIONS_MS[s.kind]) + DEFAULT_GAP_MS,
    0,
  );
  let scale = 1;
  if (auto.length > 0 && nominal > available) {
    scale = available / nominal;
    if (scale < MIN_SCHEDULE_SCALE) {
      const needed = window.warmupMs + nominal * MIN_SCHEDULE_SCALE;
      throw new RangeError(
        `the run is too short for ${auto.length} scheduled scenario(s) after a ${window.warmupMs / MINUTE_MS} min warm-up: ` +
          `give at least ${Math.ceil(needed / MINUTE_MS)} min, fewer scenarios, or explicit start times`,
      );
    }
  }
  let cursor = Math.ceil(first / MINUTE_MS) * MINUTE_MS;
  return specs.map((spec) => {
    const nominalDuration = spec.durationMs ?? DEFAULT_DURATIONS_MS[spec.kind];
    if (!(nominalDuration > 0) || !Number.isFinite(nominalDuration)) {
      throw new RangeError(`scenario ${spec.kind}: durationMs must be > 0; got ${nominalDuration}`);
    }
    if (spec.startMs !== undefined) {
      if (!Number.isFinite(spec.startMs))
        throw new RangeError(`scenario ${spec.kind}: startMs must be finite`);
      return { startMs: spec.startMs, endMs: spec.startMs + nominalDuration };
    }
    const duration =
      spec.durationMs ?? Math.max(MINUTE_MS, Math.floor((nominalDuration * scale) / MINUTE_MS) * MINUTE_MS);
    const gap = Math.floor((DEFAULT_GAP_MS * scale) / MINUTE_MS) * MINUTE_MS;
    const startMs = cursor;
    cursor = startMs + duration + gap;
    return { startMs, endMs: startMs + duration };
  });
}

function findApp(world: World, target: ResolvedAppTarget, kind: string): WorldApp {
  const app = world.apps.find(
    (a) => a.tenant_id === target.tenant_id && a.application === target.application,
  );
  if (app === undefined) {
    throw new RangeError(
      `scenario ${kind}: no application ${target.tenant_id}/${target.application} in this world`,
    );
  }
  if (!world.environments.includes(target.environment)) {
    throw new RangeError(`scenario ${kind}: unknown environment ${target.environment}`);
  }
  return app;
}

function positive(value: number, name: string): number {
  if (!(value > 0) || !Number.isFinite(value))
    throw new RangeError(`${name} must be a finite number > 0; got ${value}`);
  return value;
}

function unit(value: number, name: string): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be in [0, 1]; got ${value}`);
  return value;
}

function resolveOne(
  world: World,
  spec: ScenarioSpec,
  base: { id: string; startMs: number; endMs: number },
): ResolvedScenario {
  switch (spec.kind) {
    case 'latency_spike': {
      const provider = spec.provider ?? DEFAULT_TARGETS.latency_spike.provider;
      const model =
        spec.model ?? (spec.provider === undefined ? DEFAULT_TARGETS.latency_spike.model : undefined);
      if (model === undefined)
        throw new RangeError('scenario latency_spike: give model together with provider');
      const used = world.apps.some((a) => a.routes.some((r) => r.provider === provider && r.model === model));
      if (!used) throw new RangeError(`scenario latency_spike: no application calls ${provider}/${model}`);
      return {
        ...base,
        kind: 'latency_spike',
        provider,
        model,
        factor: positive(spec.factor ?? 6, 'factor'),
      };
    }
    case 'provider_outage': {
      const provider = spec.provider ?? DEFAULT_TARGETS.provider_outage.provider;
      if (!world.apps.some((a) => a.routes.some((r) => r.provider === provider))) {
        throw new RangeError(`scenario provider_outage: no application calls provider ${provider}`);
      }
      const fraction = unit(spec.errorPhaseFraction ?? 0.5, 'errorPhaseFraction');
      const silenceStartMs =
        base.startMs + Math.round(((base.endMs - base.startMs) * fraction) / 1000) * 1000;
      return {
        ...base,
        kind: 'provider_outage',
        provider,
        errorRate: unit(spec.errorRate ?? 0.97, 'errorRate'),
        silenceStartMs,
      };
    }
    case 'cost_runaway': {
      const target = appTarget(spec, DEFAULT_TARGETS.cost_runaway);
      findApp(world, target, spec.kind);
      return {
        ...base,
        ...target,
        kind: 'cost_runaway',
        outputFactor: positive(spec.outputFactor ?? 10, 'outputFactor'),
        rateFactor: Math.max(1, positive(spec.rateFactor ?? 3, 'rateFactor')),
      };
    }
    case 'quality_drift': {
      const target = appTarget(spec, DEFAULT_TARGETS.quality_drift);
      const app = findApp(world, target, spec.kind);
      const versions = app.template.prompt.versions;
      const top = versions.reduce((best, v) => (v.weight > best.weight ? v : best), versions[0]!);
      const version = spec.prompt_version ?? top.version;
      if (!versions.some((v) => v.version === version)) {
        throw new RangeError(
          `scenario quality_drift: ${target.application} has no prompt version ${version}`,
        );
      }
      return {
        ...base,
        ...target,
        kind: 'quality_drift',
        prompt_name: app.template.prompt.name,
        prompt_version: version,
        drop: unit(spec.drop ?? 0.35, 'drop'),
      };
    }
    case 'low_score_burst': {
      const target = appTarget(spec, DEFAULT_TARGETS.low_score_burst);
      findApp(world, target, spec.kind);
      return { ...base, ...target, kind: 'low_score_burst', drop: unit(spec.drop ?? 0.6, 'drop') };
    }
    case 'prompt_regression': {
      const target = appTarget(spec, DEFAULT_TARGETS.prompt_regression);
      const app = findApp(world, target, spec.kind);
      const versions = app.template.prompt.versions;
      const top = versions.reduce((best, v) => (v.weight > best.weight ? v : best), versions[0]!);
      const highest = Math.max(0, ...versions.map((v) => Number(/\d+$/.exec(v.version)?.[0] ?? 0)));
      const newVersion = spec.new_version ?? `v${highest + 1}`;
      if (versions.some((v) => v.version === newVersion))
        throw new RangeError(
          `scenario prompt_regression: ${target.application} already has version ${newVersion}`,
        );
      const share = spec.share ?? 0.3;
      if (!(share > 0 && share <= 1)) throw new RangeError(`share must be in (0, 1]; got ${share}`);
      return {
        ...base,
        ...target,
        kind: 'prompt_regression',
        prompt_name: app.template.prompt.name,
        old_version: top.version,
        old_quality: top.quality,
        new_version: newVersion,
        share,
        drop: unit(spec.drop ?? 0.12, 'drop'),
      };
    }
    case 'prompt_injection_burst': {
      const target = appTarget(spec, DEFAULT_TARGETS.prompt_injection_burst);
      const app = findApp(world, target, spec.kind);
      if (app.guardrail === null) {
        throw new RangeError(`scenario prompt_injection_burst: ${target.application} has no input guardrail`);
      }
      return {
        ...base,
        ...target,
        kind: 'prompt_injection_burst',
        attackRateFactor: positive(spec.attackRateFactor ?? 3, 'attackRateFactor'),
      };
    }
  }
}

function appTarget(spec: AppTarget, defaults: ResolvedAppTarget): ResolvedAppTarget {
  if (spec.tenant_id !== undefined && spec.application === undefined) {
    throw new RangeError('an application-level scenario needs application together with tenant_id');
  }
  return {
    tenant_id: spec.tenant_id ?? defaults.tenant_id,
    application: spec.application ?? defaults.application,
    environment: spec.environment ?? defaults.environment,
  };
}

/** The labels of one resolved scenario (a provider outage has two phases, hence up to two labels). */
export function labelsOf(scenario: ResolvedScenario): IncidentLabel[] {
  const common = { scenario: scenario.kind, scenarioId: scenario.id, prompt: null };
  const label = (
    detector: DetectorKind,
    series: SeriesFilter,
    startMs: number,
    endMs: number,
    signal: string,
    direction: 'up' | 'down',
    description: string,
    prompt: IncidentLabel['prompt'] = null,
    corroborating: readonly string[] = [],
  ): IncidentLabel =>
    Object.freeze({
      ...common,
      id: `${scenario.id}:${detector}`,
      detector,
      series: Object.freeze(series),
      prompt,
      startMs,
      endMs,
      signal,
      direction,
      description,
      corroborating: Object.freeze([...corroborating]),
    });
  switch (scenario.kind) {
    case 'latency_spike':
      return [
        label(
          'latency',
          { provider: scenario.provider, model: scenario.model },
          scenario.startMs,
          scenario.endMs,
          'latency_p95_ms',
          'up',
          `${scenario.provider}/${scenario.model} latency × ${scenario.factor}`,
          null,
          [AGENT_RUNAWAY],
        ),
      ];
    case 'provider_outage': {
      const out: IncidentLabel[] = [];
      if (scenario.silenceStartMs > scenario.startMs) {
        out.push(
          label(
            'error_rate',
            { provider: scenario.provider },
            scenario.startMs,
            scenario.silenceStartMs,
            'error_rate',
            'up',
            `${scenario.provider} fails ${Math.round(scenario.errorRate * 100)}% of calls with server_error`,
          ),
        );
      }
      // The provider is down for the whole incident: first nearly every call fails (and whatever follows a
      // call, such as an agent's tool steps, stops at once), then its calls stop too. So the outage label
      // spans both phases; the error-rate label only the first.
      const silent = scenario.endMs > scenario.silenceStartMs;
      if (silent || scenario.errorRate >= 0.9) {
        out.push(
          label(
            'outage',
            { provider: scenario.provider },
            scenario.startMs,
            scenario.endMs,
            silent ? 'events' : 'error_rate',
            silent ? 'down' : 'up',
            silent
              ? `${scenario.provider} is down: calls fail, then its traffic stops (clients opened their circuit breakers)`
              : `${scenario.provider} is down: ${Math.round(scenario.errorRate * 100)}% of calls fail`,
          ),
        );
      }
      return out;
    }
    case 'cost_runaway':
      return [
        label(
          'cost',
          appSeries(scenario),
          scenario.startMs,
          scenario.endMs,
          'cost_usd',
          'up',
          `${scenario.tenant_id}/${scenario.application}: output tokens × ${scenario.outputFactor}, requests × ${scenario.rateFactor}`,
          null,
          [AGENT_RUNAWAY],
        ),
      ];
    case 'quality_drift':
      return [
        label(
          'quality',
          appSeries(scenario),
          scenario.startMs,
          scenario.endMs,
          'quality_mean',
          'down',
          `${scenario.tenant_id}/${scenario.application} prompt ${scenario.prompt_name}@${scenario.prompt_version}: ` +
            `evaluation scores drift down by up to ${scenario.drop}`,
          { prompt_name: scenario.prompt_name, prompt_version: scenario.prompt_version },
        ),
      ];
    case 'low_score_burst':
      return [
        label(
          'review',
          appSeries(scenario),
          scenario.startMs,
          scenario.endMs,
          'review_items',
          'up',
          `${scenario.tenant_id}/${scenario.application}: a bad deploy, evaluation scores down ${scenario.drop} at once`,
        ),
      ];
    case 'prompt_regression':
      return [
        label(
          'prompt_regression',
          appSeries(scenario),
          scenario.startMs,
          scenario.endMs,
          'evaluation score mean',
          'down',
          `${scenario.tenant_id}/${scenario.application} prompt ${scenario.prompt_name}@${scenario.new_version} on ` +
            `${Math.round(scenario.share * 100)}% of requests, scores ${scenario.drop} below ${scenario.old_version}`,
          { prompt_name: scenario.prompt_name, prompt_version: scenario.new_version },
          // The application's mean score dips a little too: a quality alert on it then is the same incident.
          ['quality'],
        ),
      ];
    case 'prompt_injection_burst':
      return [
        label(
          'guardrail',
          appSeries(scenario),
          scenario.startMs,
          scenario.endMs,
          'guardrail_flags.prompt_injection',
          'up',
          `${scenario.tenant_id}/${scenario.application}: prompt-injection attacks at ${scenario.attackRateFactor}× the request rate`,
        ),
      ];
  }
}

function appSeries(target: ResolvedAppTarget): SeriesFilter {
  return { tenant_id: target.tenant_id, application: target.application, environment: target.environment };
}

/** Labels naming `detector` whose filter matches `series` and whose interval contains event time `timeMs`. */
export function activeLabels(
  labels: readonly IncidentLabel[],
  detector: DetectorKind,
  series: { readonly [D in SeriesDimension]?: string | null },
  timeMs: number,
): IncidentLabel[] {
  return labels.filter(
    (l) =>
      l.detector === detector &&
      timeMs >= l.startMs &&
      timeMs < l.endMs &&
      seriesMatchesFilter(l.series, series),
  );
}
