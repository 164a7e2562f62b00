import type { EventType, TelemetryEvent } from '@aiops/contract';
import type { Rng } from '@aiops/core';
import {
  ATTACK_GUARDRAIL_MIX,
  BLOCKING_FLAGS,
  ERROR_MIX,
  GUARDRAIL_MIX,
  type ModelProfile,
  priceCall,
  type ToolSpec,
} from './catalog.js';
import type { AppEffects, Effects } from './effects.js';
import type { WorldApp } from './world.js';

export type EventSink = (event: TelemetryEvent) => void;

const ERROR_TYPES = ERROR_MIX.map((e) => e.type);
const ERROR_CUMULATIVE = cumulative(ERROR_MIX.map((e) => e.probability));
const GUARD_FLAGS = GUARDRAIL_MIX.map((g) => g.flag);
const GUARD_CUMULATIVE = cumulative(GUARDRAIL_MIX.map((g) => g.probability));
const ATTACK_FLAGS = ATTACK_GUARDRAIL_MIX.map((g) => g.flag);
const ATTACK_CUMULATIVE = cumulative(ATTACK_GUARDRAIL_MIX.map((g) => g.probability));
const RETRYABLE: ReadonlySet<string> = new Set(['rate_limited', 'server_error', 'timeout']);
const EVALUATION_ATTRIBUTES = { evaluator: 'llm_judge', judge_model: 'gpt-4o-mini' } as const;
const VISIBLE_OUTPUT_CAP = 8192;

function cumulative(probabilities: readonly number[]): number[] {
  let sum = 0;
  return probabilities.map((p) => {
    sum += p;
    return sum;
  });
}

/** Index of the first cumulative probability above u, or -1 (no outcome) when u is beyond them all. */
function pick(cumulativeProbabilities: readonly number[], u: number): number {
  for (let i = 0; i < cumulativeProbabilities.length; i++) if (u < cumulativeProbabilities[i]!) return i;
  return -1;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** What one model call came to; reused between calls (the generator is single-threaded). */
export interface CallOutcome {
  ok: boolean;
  errorType: string | null;
  end: number;
  spanId: string;
}

export interface CallShape {
  readonly inputMedian: number;
  readonly inputSigma: number;
  readonly outputMedian: number;
  readonly outputSigma: number;
  readonly cacheProbability: number;
  readonly streaming: boolean;
}

/**
 * Emits the spans of the request being generated, one event each: guardrail checks, embeddings,
 * retrievals, LLM calls with their retries, tool calls, and the evaluation and user feedback that follow
 * a response. It draws every value from the application's random stream in a fixed order, so that
 * scenarios change values, not the stream. The request (who, which session and trace) is set by
 * `beginRequest`; what the last call came to is in `outcome`.
 */
export class SpanEmitter {
  readonly outcome: CallOutcome = { ok: true, errorType: null, end: 0, spanId: '' };
  private readonly template: WorldApp['template'];
  private readonly tenant: string;
  private readonly application: string;
  // the request being generated
  private environment = '';
  private userId = '';
  private sessionId = '';
  private traceId = '';
  private attack = false;

  constructor(
    app: WorldApp,
    private readonly rng: Rng,
    private readonly sink: EventSink,
    private readonly effects: Effects,
    private readonly mine: AppEffects,
    private readonly reportedCostShare: number,
  ) {
    this.template = app.template;
    this.tenant = app.tenant_id;
    this.application = app.application;
  }

  beginRequest(request: {
    environment: string;
    attack: boolean;
    userId: string;
    sessionId: string;
    traceId: string;
  }): void {
    this.environment = request.environment;
    this.attack = request.attack;
    this.userId = request.userId;
    this.sessionId = request.sessionId;
    this.traceId = request.traceId;
  }

  /** Sends a span built with `event` (and completed by the caller). */
  emit(event: TelemetryEvent): void {
    this.sink(event);
  }

  private outputMultiplier(t: number): number {
    let m = 1;
    for (const s of this.mine.runaways) {
      if (t >= s.startMs && t < s.endMs && s.environment === this.environment) m *= s.outputFactor;
    }
    return m;
  }

  private qualityDrop(version: string, ts: number): number {
    let drop = 0;
    for (const s of this.mine.drifts) {
      if (
        ts >= s.startMs &&
        ts < s.endMs &&
        s.prompt_version === version &&
        s.environment === this.environment
      ) {
        drop += (s.drop * (ts - s.startMs)) / (s.endMs - s.startMs);
      }
    }
    // A bad deploy: every version, at once.
    for (const s of this.mine.lowScores)
      if (ts >= s.startMs && ts < s.endMs && s.environment === this.environment) drop += s.drop;
    return drop;
  }

  // --- calls --------------------------------------------------------------------------------------------

  event(
    type: EventType,
    ts: number,
    provider: string,
    model: string,
    operation: string,
    spanId: string,
    parentSpanId: string | null,
  ): TelemetryEvent {
    return {
      event_id: this.rng.uuid(),
      event_type: type,
      timestamp: ts,
      tenant_id: this.tenant,
      application: this.application,
      environment: this.environment,
      provider,
      model,
      operation,
      response_model: null,
      trace_id: this.traceId,
      span_id: spanId,
      parent_span_id: parentSpanId,
      session_id: this.sessionId,
      user_id: this.userId,
      agent_name: null,
      tool_name: null,
      prompt_name: null,
      prompt_version: null,
      status: 'ok',
      error_type: null,
      duration_ms: null,
      time_to_first_token_ms: null,
      input_tokens: null,
      output_tokens: null,
      cache_read_input_tokens: null,
      reasoning_output_tokens: null,
      cache_creation_input_tokens: null,
      tool_call_arguments_hash: null,
      cost_usd: null,
      cost_source: null,
      scores: {},
      feedback: null,
      guardrail_flags: [],
      attributes: {},
    };
  }

  /** Draws the call's error, or null; the outage draw happens only for calls an outage touches. */
  private drawError(provider: string, t: number): string | null {
    const rng = this.rng;
    const u = rng.next();
    const outage = this.effects.outageErrorRate(provider, t);
    if (outage > 0 && rng.next() < outage) return 'server_error';
    const i = pick(ERROR_CUMULATIVE, u);
    return i < 0 ? null : ERROR_TYPES[i]!;
  }

  llmCallWithRetries(
    route: ModelProfile,
    start: number,
    parentSpan: string | null,
    shape: CallShape,
    promptVersion: string,
    maxAttempts: number,
  ): void {
    let t = start;
    for (let attempt = 1; ; attempt++) {
      this.llmCall(route, t, parentSpan, shape, promptVersion, attempt);
      const error = this.outcome.errorType;
      if (this.outcome.ok || attempt >= maxAttempts || error === null || !RETRYABLE.has(error)) return;
      const backoff = (error === 'rate_limited' ? 1000 : 300) * attempt * (1 + this.rng.next());
      t = this.outcome.end + backoff;
    }
  }

  private llmCall(
    profile: ModelProfile,
    t: number,
    parentSpan: string | null,
    shape: CallShape,
    promptVersion: string,
    attempt: number,
  ): void {
    const rng = this.rng;
    const spanId = rng.hex16();
    const errorType = this.drawError(profile.provider, t);
    // Every draw below happens whatever the outcome, so that scenarios change values, not the stream.
    const input = Math.max(1, Math.round(rng.lognormal(shape.inputMedian, shape.inputSigma)));
    const visible = Math.max(1, Math.round(rng.lognormal(shape.outputMedian, shape.outputSigma)));
    const reasoning =
      profile.reasoningTokensMedian > 0 ? Math.round(rng.lognormal(profile.reasoningTokensMedian, 0.8)) : 0;
    const cacheRoll = rng.next();
    const cacheShare = 0.5 + 0.45 * rng.next();
    const baseDuration = rng.lognormal(
      profile.latencyMedianMs * this.template.latencyScale,
      profile.latencySigma,
    );
    const ttftShare =
      profile.ttftFraction[0] + (profile.ttftFraction[1] - profile.ttftFraction[0]) * rng.next();
    const costRoll = rng.next();

    let duration = Math.min(
      profile.timeoutMs,
      baseDuration * this.effects.latencyFactor(profile.provider, profile.model, t),
    );
    if (errorType === 'rate_limited') duration = 40 + 0.02 * baseDuration;
    else if (errorType === 'server_error') duration = 100 + 0.15 * baseDuration;
    else if (errorType === 'timeout') duration = profile.timeoutMs;
    else if (errorType === 'content_filter') duration = 0.3 * duration;
    const durationMs = Math.max(1, Math.round(duration));
    const end = t + durationMs;
    const ts = Math.round(end);

    const e = this.event('llm_call', ts, profile.provider, profile.model, 'chat', spanId, parentSpan);
    e.prompt_name = this.template.prompt.name;
    e.prompt_version = promptVersion;
    e.duration_ms = durationMs;
    if (this.template.agent !== null) e.agent_name = this.template.agent.name;
    if (attempt > 1) e.attributes = { retry_attempt: String(attempt - 1) };
    if (errorType === null) {
      // A cost runaway multiplies every output token, reasoning included (max_tokens and effort lifted).
      const factor = this.outputMultiplier(t);
      const output = Math.min(VISIBLE_OUTPUT_CAP * factor, Math.round(visible * factor));
      const reasoningTokens = Math.round(reasoning * factor);
      const cached =
        cacheRoll < shape.cacheProbability && input >= 1024
          ? Math.floor((input * cacheShare) / 128) * 128
          : 0;
      const outputTokens = output + reasoningTokens;
      e.response_model = profile.responseModel;
      e.input_tokens = input;
      e.output_tokens = outputTokens;
      e.cache_read_input_tokens = cached;
      e.reasoning_output_tokens = profile.reasoningTokensMedian > 0 ? reasoningTokens : null;
      e.time_to_first_token_ms = shape.streaming ? Math.max(1, Math.round(durationMs * ttftShare)) : null;
      if (costRoll < this.reportedCostShare)
        e.cost_usd = priceCall(profile, input, cached, outputTokens, e.reasoning_output_tokens ?? 0);
    } else {
      e.status = 'error';
      e.error_type = errorType;
      if (errorType === 'content_filter') {
        e.response_model = profile.responseModel;
        e.input_tokens = input;
        e.output_tokens = 0;
        e.cache_read_input_tokens = 0;
      }
    }
    this.sink(e);
    const outcome = this.outcome;
    outcome.ok = errorType === null;
    outcome.errorType = errorType;
    outcome.end = end;
    outcome.spanId = spanId;
  }

  embeddingCall(profile: ModelProfile, t: number): void {
    const rng = this.rng;
    const spanId = rng.hex16();
    const errorType = this.drawError(profile.provider, t);
    const input = Math.max(1, Math.round(rng.lognormal(30, 0.5)));
    const baseDuration = rng.lognormal(profile.latencyMedianMs, profile.latencySigma);
    const costRoll = rng.next();
    let duration = Math.min(
      profile.timeoutMs,
      baseDuration * this.effects.latencyFactor(profile.provider, profile.model, t),
    );
    if (errorType === 'timeout') duration = profile.timeoutMs;
    else if (errorType !== null) duration = 20 + 0.3 * baseDuration;
    const durationMs = Math.max(1, Math.round(duration));
    const end = t + durationMs;
    const e = this.rootSpan('embedding', end, profile, 'embeddings', spanId);
    e.duration_ms = durationMs;
    if (errorType === null) {
      e.response_model = profile.responseModel;
      e.input_tokens = input;
      if (costRoll < this.reportedCostShare) e.cost_usd = priceCall(profile, input, 0, 0);
    } else {
      e.status = 'error';
      e.error_type = errorType;
    }
    this.sink(e);
    this.setOutcome(errorType, end, spanId);
  }

  /** A retrieval's or guardrail's duration: one lognormal draw, scaled by any latency incident. */
  private serviceDuration(profile: ModelProfile, t: number): number {
    const drawn = this.rng.lognormal(profile.latencyMedianMs, profile.latencySigma);
    return Math.max(1, Math.round(drawn * this.effects.latencyFactor(profile.provider, profile.model, t)));
  }

  /** A span of the request with no parent, of `profile`'s provider and model, ending at `end`. */
  private rootSpan(type: EventType, end: number, profile: ModelProfile, operation: string, spanId: string) {
    return this.event(type, Math.round(end), profile.provider, profile.model, operation, spanId, null);
  }

  retrieval(profile: ModelProfile, t: number): void {
    const rng = this.rng;
    const spanId = rng.hex16();
    const failed = rng.next() < 0.001;
    const durationMs = this.serviceDuration(profile, t);
    const end = t + durationMs;
    const e = this.rootSpan('retrieval', end, profile, 'retrieval', spanId);
    e.duration_ms = durationMs;
    e.attributes = { top_k: String(this.template.retrieval?.topK ?? 0) };
    if (failed) {
      e.status = 'error';
      e.error_type = 'server_error';
    }
    this.sink(e);
    this.setOutcome(failed ? 'server_error' : null, end, spanId);
  }

  /** One input check; returns whether the request was blocked. Guardrails fail open on errors. */
  guardrailCheck(profile: ModelProfile, t: number): boolean {
    const rng = this.rng;
    const spanId = rng.hex16();
    const u = rng.next();
    const outage = this.effects.outageErrorRate(profile.provider, t);
    const failed = outage > 0 && rng.next() < outage;
    const durationMs = this.serviceDuration(profile, t);
    const end = t + durationMs;
    const e = this.rootSpan('guardrail', end, profile, 'guardrail', spanId);
    e.duration_ms = durationMs;
    let blocked = false;
    if (failed) {
      e.status = 'error';
      e.error_type = 'server_error';
      e.attributes = { stage: 'input', action: 'allowed' };
    } else {
      const index = this.attack ? pick(ATTACK_CUMULATIVE, u) : pick(GUARD_CUMULATIVE, u);
      const flag = index < 0 ? null : this.attack ? ATTACK_FLAGS[index]! : GUARD_FLAGS[index]!;
      let action = 'allowed';
      if (flag !== null) {
        e.guardrail_flags = [flag];
        blocked = BLOCKING_FLAGS.has(flag);
        action = blocked ? 'blocked' : flag === 'pii' ? 'redacted' : 'flagged';
      }
      e.attributes = { stage: 'input', action };
    }
    this.sink(e);
    this.setOutcome(null, end, spanId);
    return blocked;
  }

  /** A tool call of an agent step; returns its end time. Tool failures are reported, and the agent goes on. */
  toolCall(
    tool: ToolSpec,
    route: ModelProfile,
    t: number,
    rootSpan: string,
    argumentsHash: string | null = null,
  ): number {
    const rng = this.rng;
    const spanId = rng.hex16();
    const failed = rng.next() < tool.errorRate;
    const durationMs = Math.max(1, Math.round(rng.lognormal(tool.medianMs, tool.sigma)));
    const end = t + durationMs;
    const e = this.event(
      'tool_call',
      Math.round(end),
      route.provider,
      route.model,
      'execute_tool',
      spanId,
      rootSpan,
    );
    e.agent_name = this.template.agent?.name ?? null;
    e.tool_name = tool.name;
    // The producer's hash of the call's arguments: a loop repeats one; other calls differ (their span id).
    e.tool_call_arguments_hash = argumentsHash ?? spanId;
    e.duration_ms = durationMs;
    if (failed) {
      e.status = 'error';
      e.error_type = 'tool_error';
    }
    this.sink(e);
    return end;
  }

  private setOutcome(errorType: string | null, end: number, spanId: string): void {
    const outcome = this.outcome;
    outcome.ok = errorType === null;
    outcome.errorType = errorType;
    outcome.end = end;
    outcome.spanId = spanId;
  }

  // --- evaluation and feedback --------------------------------------------------------------------------

  /**
   * A response's latent quality z (one normal draw) yields the LLM-judge scores of its evaluation and the
   * chance of positive user feedback; a quality drift lowers the mean at the follow-up's own event time.
   */
  followUps(
    route: ModelProfile,
    operation: string,
    responseSpan: string,
    responseEnd: number,
    version: string,
    versionQuality: number,
  ): void {
    const rng = this.rng;
    const template = this.template;
    const evaluate = rng.next() < template.evaluationProbability;
    const feedback = rng.next() < template.feedbackProbability;
    if (!evaluate && !feedback) return;
    const z = rng.normal();
    const mean = versionQuality + route.qualityOffset;
    if (evaluate) {
      const ts = Math.round(responseEnd + Math.min(120_000, rng.lognormal(8000, 0.8)));
      const q = this.quality(mean - this.qualityDrop(version, ts), z);
      const e = this.event(
        'evaluation',
        ts,
        route.provider,
        route.model,
        operation,
        rng.hex16(),
        responseSpan,
      );
      e.prompt_name = template.prompt.name;
      e.prompt_version = version;
      const scores: Record<string, number> = {};
      for (const name in template.evaluators) {
        scores[name] = round3(clamp(q + template.evaluators[name]! + 0.04 * rng.normal(), 0, 1));
      }
      e.scores = scores;
      e.attributes = { ...EVALUATION_ATTRIBUTES };
      this.sink(e);
    }
    if (feedback) {
      const ts = Math.round(responseEnd + Math.min(600_000, rng.lognormal(45_000, 0.9)));
      const q = this.quality(mean - this.qualityDrop(version, ts), z);
      const positive = rng.next() < 0.05 + 0.9 * q * q;
      const e = this.event('feedback', ts, route.provider, route.model, operation, rng.hex16(), responseSpan);
      e.prompt_name = template.prompt.name;
      e.prompt_version = version;
      e.feedback = positive ? 1 : -1;
      this.sink(e);
    }
  }

  private quality(mean: number, z: number): number {
    return 1 / (1 + Math.exp(-(logit(clamp(mean, 0.02, 0.98)) + 0.55 * z)));
  }
}
