import type {
  ResolvedCostRunaway,
  ResolvedLatencySpike,
  ResolvedLowScoreBurst,
  ResolvedPromptInjectionBurst,
  ResolvedPromptRegression,
  ResolvedProviderOutage,
  ResolvedQualityDrift,
  ResolvedScenario,
} from './scenarios.js';

/**
 * The resolved scenarios, indexed for the questions the generator asks per call. Each effect is decided by
 * the time the affected thing happens: a call's start time (latency, errors, tokens), a request's arrival
 * (rate), an evaluation's or feedback's own event time (quality) and an event's time (silence).
 */
export class Effects {
  readonly spikes: readonly ResolvedLatencySpike[];
  readonly outages: readonly ResolvedProviderOutage[];
  readonly runaways: readonly ResolvedCostRunaway[];
  readonly drifts: readonly ResolvedQualityDrift[];
  readonly bursts: readonly ResolvedPromptInjectionBurst[];
  readonly lowScores: readonly ResolvedLowScoreBurst[];
  readonly rollouts: readonly ResolvedPromptRegression[];

  constructor(scenarios: readonly ResolvedScenario[]) {
    this.spikes = scenarios.filter((s): s is ResolvedLatencySpike => s.kind === 'latency_spike');
    this.outages = scenarios.filter((s): s is ResolvedProviderOutage => s.kind === 'provider_outage');
    this.runaways = scenarios.filter((s): s is ResolvedCostRunaway => s.kind === 'cost_runaway');
    this.drifts = scenarios.filter((s): s is ResolvedQualityDrift => s.kind === 'quality_drift');
    this.bursts = scenarios.filter(
      (s): s is ResolvedPromptInjectionBurst => s.kind === 'prompt_injection_burst',
    );
    this.lowScores = scenarios.filter((s): s is ResolvedLowScoreBurst => s.kind === 'low_score_burst');
    this.rollouts = scenarios.filter((s): s is ResolvedPromptRegression => s.kind === 'prompt_regression');
  }

  /** Latency multiplier of a call to provider/model starting at `t`. */
  latencyFactor(provider: string, model: string, t: number): number {
    let factor = 1;
    for (const s of this.spikes) {
      if (t >= s.startMs && t < s.endMs && s.provider === provider && s.model === model) factor *= s.factor;
    }
    return factor;
  }

  /**
   * Chance that a call to `provider` starting at `t` fails with server_error because of an outage: the
   * scenario's error rate during the error phase, 1 during the silent phase (circuit open), else 0.
   */
  outageErrorRate(provider: string, t: number): number {
    let rate = 0;
    for (const s of this.outages) {
      if (s.provider !== provider || t < s.startMs || t >= s.endMs) continue;
      rate = Math.max(rate, t >= s.silenceStartMs ? 1 : s.errorRate);
    }
    return rate;
  }

  /** Whether events of `provider` at event time `ts` are missing (the silent phase of an outage). */
  silenced(provider: string, ts: number): boolean {
    for (const s of this.outages) {
      if (s.provider === provider && ts >= s.silenceStartMs && ts < s.endMs) return true;
    }
    return false;
  }
}

/** The scenarios aimed at one application, so that per-request checks scan a list of length 0–2. */
export interface AppEffects {
  readonly runaways: readonly ResolvedCostRunaway[];
  readonly drifts: readonly ResolvedQualityDrift[];
  readonly lowScores: readonly ResolvedLowScoreBurst[];
  /** New prompt versions rolled out to a share of the application's requests. */
  readonly rollouts: readonly ResolvedPromptRegression[];
}

export function appEffects(effects: Effects, tenant_id: string, application: string): AppEffects {
  const mine = <T extends { tenant_id: string; application: string }>(list: readonly T[]): T[] =>
    list.filter((s) => s.tenant_id === tenant_id && s.application === application);
  return {
    runaways: mine(effects.runaways),
    drifts: mine(effects.drifts),
    lowScores: mine(effects.lowScores),
    rollouts: mine(effects.rollouts),
  };
}
