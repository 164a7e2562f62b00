import type { Rng } from '@aiops/core';
import type { AgentTruth, ResolvedAgentScenario } from './agent-scenarios.js';
import type { AppEffects, Effects } from './effects.js';
import { type CallShape, type EventSink, SpanEmitter } from './spans.js';
import type { WorldApp } from './world.js';

export type { EventSink } from './spans.js';

const SESSION_MS = 30 * 60_000;

/**
 * Generates the requests of one application from its own random stream: a request becomes a small trace of
 * events (guardrail check, embedding, retrieval, LLM calls with retries, agent steps and tool calls), then
 * possibly an evaluation and a user feedback some seconds later. Events go to the sink in generation order;
 * the simulation reorders them by event time.
 */
export class RequestGenerator {
  /** Mean requests per minute at the daily-mean rate. */
  readonly requestsPerMinute: number;
  private readonly template: WorldApp['template'];
  private readonly application: string;
  private readonly spans: SpanEmitter;

  constructor(
    private readonly app: WorldApp,
    private readonly rng: Rng,
    sink: EventSink,
    effects: Effects,
    private readonly mine: AppEffects,
    private readonly environments: readonly string[],
    private readonly environmentCumulative: readonly number[],
    options: { readonly eventsPerMinute: number; readonly reportedCostShare: number },
    /** Agent incidents aimed at this application, and where their injected traces are recorded. */
    private readonly agentIncidents: {
      readonly scenarios: readonly ResolvedAgentScenario[];
      readonly record: (truth: AgentTruth) => void;
    } = { scenarios: [], record: () => {} },
  ) {
    this.template = app.template;
    this.application = app.application;
    this.requestsPerMinute = (options.eventsPerMinute * app.eventShare) / app.eventsPerRequest;
    this.spans = new SpanEmitter(app, rng, sink, effects, mine, options.reportedCostShare);
  }

  /** Ordinary traffic arriving in [fromMs, toMs) at `rateFactor` × the mean rate (diurnal × noise). */
  generateInterval(fromMs: number, toMs: number, rateFactor: number): void {
    const ceiling = this.maxRateMultiplier(fromMs, toMs);
    const rate = this.requestsPerMinute * rateFactor * ceiling;
    if (!(rate > 0)) return;
    const meanGap = 60_000 / rate;
    const rng = this.rng;
    let t = fromMs + rng.exponential(meanGap);
    while (t < toMs) {
      const environment = this.environments[rng.pickCumulative(this.environmentCumulative)]!;
      // Thinning: a rate raised by a cost runaway is drawn at its ceiling and accepted at multiplier / ceiling.
      if (ceiling === 1 || rng.next() * ceiling < this.rateMultiplier(environment, t)) {
        this.request(t, environment, false);
      }
      t += rng.exponential(meanGap);
    }
  }

  /** Attack requests (a prompt-injection burst) arriving in [fromMs, toMs) at `perMinute`. */
  generateAttacks(fromMs: number, toMs: number, perMinute: number, environment: string): void {
    if (!(perMinute > 0)) return;
    const meanGap = 60_000 / perMinute;
    let t = fromMs + this.rng.exponential(meanGap);
    while (t < toMs) {
      this.request(t, environment, true);
      t += this.rng.exponential(meanGap);
    }
  }

  private maxRateMultiplier(fromMs: number, toMs: number): number {
    let max = 1;
    for (const s of this.mine.runaways)
      if (s.startMs < toMs && s.endMs > fromMs) max = Math.max(max, s.rateFactor);
    return max;
  }

  private rateMultiplier(environment: string, t: number): number {
    let m = 1;
    for (const s of this.mine.runaways) {
      if (t >= s.startMs && t < s.endMs && s.environment === environment) m = Math.max(m, s.rateFactor);
    }
    return m;
  }

  private request(t0: number, environment: string, attack: boolean): void {
    const rng = this.rng;
    const user = attack
      ? `anon-${rng.int(64).toString().padStart(2, '0')}`
      : this.app.users[rng.int(this.app.users.length)]!;
    const traceId = rng.hex32();
    this.spans.beginRequest({
      environment,
      attack,
      userId: user,
      sessionId: `${user}:${this.application}:${Math.floor(t0 / SESSION_MS).toString(36)}`,
      traceId,
    });
    switch (this.template.kind) {
      case 'agent':
        this.agentRequest(t0, environment, traceId);
        return;
      case 'rag':
      case 'chat':
        this.chatRequest(t0, environment);
        return;
    }
  }

  // --- request shapes ---------------------------------------------------------------------------------

  /**
   * The prompt version of a request starting at `t0`: the application's mix, or a new version being rolled out
   * (a prompt_regression scenario). The extra draw happens only while a rollout runs here, so runs without one
   * keep their random stream.
   */
  private promptVersion(t0: number, environment: string): { version: string; quality: number } {
    const rng = this.rng;
    const spec = this.template.prompt.versions[rng.pickCumulative(this.app.versionCumulative)]!;
    for (const s of this.mine.rollouts) {
      if (t0 >= s.startMs && t0 < s.endMs && s.environment === environment && rng.next() < s.share)
        return { version: s.new_version, quality: s.old_quality - s.drop };
    }
    return spec;
  }

  private chatRequest(t0: number, environment: string): void {
    const rng = this.rng;
    const template = this.template;
    let t = t0;
    if (this.app.guardrail !== null) {
      const blocked = this.spans.guardrailCheck(this.app.guardrail, t);
      t = this.spans.outcome.end;
      if (blocked) return;
    }
    if (this.app.embedding !== null) {
      this.spans.embeddingCall(this.app.embedding, t);
      t = this.spans.outcome.end + 2;
      if (!this.spans.outcome.ok) return;
    }
    if (this.app.retrieval !== null) {
      this.spans.retrieval(this.app.retrieval, t);
      t = this.spans.outcome.end + 2;
      if (!this.spans.outcome.ok) return;
    }
    const route = this.app.routes[rng.pickCumulative(this.app.routeCumulative)]!;
    const versionSpec = this.promptVersion(t0, environment);
    const shape: CallShape = {
      inputMedian: template.inputTokens.median,
      inputSigma: template.inputTokens.sigma,
      outputMedian: template.outputTokens.median,
      outputSigma: template.outputTokens.sigma,
      cacheProbability: route.cacheHitProbability,
      streaming: template.streaming,
    };
    this.spans.llmCallWithRetries(route, t, null, shape, versionSpec.version, 2);
    if (!this.spans.outcome.ok) return;
    this.spans.followUps(
      route,
      'chat',
      this.spans.outcome.spanId,
      this.spans.outcome.end,
      versionSpec.version,
      versionSpec.quality,
    );
  }

  /** The agent incident this request belongs to, if any (draws only while one is running here). */
  private agentIncident(t0: number, environment: string): ResolvedAgentScenario | null {
    for (const s of this.agentIncidents.scenarios) {
      if (s.environment === environment && t0 >= s.startMs && t0 < s.endMs && this.rng.next() < s.share)
        return s;
    }
    return null;
  }

  private agentRequest(t0: number, environment: string, traceId: string): void {
    const rng = this.rng;
    const template = this.template;
    const agent = template.agent!;
    const route = this.app.routes[rng.pickCumulative(this.app.routeCumulative)]!;
    const versionSpec = this.promptVersion(t0, environment);
    const rootSpan = rng.hex16();
    let steps = Math.min(agent.maxSteps, agent.minSteps + rng.poisson(agent.extraStepsMean));
    const incident = this.agentIncidents.scenarios.length === 0 ? null : this.agentIncident(t0, environment);
    if (incident?.kind === 'agent_tool_loop') steps = incident.loopCalls + 1;
    else if (incident?.kind === 'runaway_agent') steps = incident.runawaySteps;
    else if (incident?.kind === 'unseen_tool') steps = Math.max(steps, 2);
    const loopTool = incident?.kind === 'agent_tool_loop' ? agent.tools[rng.int(agent.tools.length)]! : null;
    const loopHash = loopTool === null ? null : rng.hex16();
    let incidentCalls = 0;
    let t = t0 + 3 + rng.next() * 20;
    let failure: string | null = null;
    for (let step = 0; step < steps; step++) {
      const last = step === steps - 1;
      const shape: CallShape = {
        inputMedian: template.inputTokens.median + step * agent.contextGrowthTokens,
        inputSigma: template.inputTokens.sigma,
        outputMedian: last ? template.outputTokens.median : agent.toolCallOutputMedian,
        outputSigma: template.outputTokens.sigma,
        cacheProbability: step === 0 ? route.cacheHitProbability : 0.85,
        streaming: false,
      };
      this.spans.llmCallWithRetries(route, t, rootSpan, shape, versionSpec.version, 3);
      t = this.spans.outcome.end + 1 + rng.next() * 10;
      if (!this.spans.outcome.ok) {
        failure = this.spans.outcome.errorType;
        break;
      }
      if (!last) {
        let tool = loopTool;
        if (tool !== null) incidentCalls++;
        else if (incident?.kind === 'runaway_agent') {
          tool = agent.tools[step % agent.tools.length]!;
          incidentCalls++;
        } else if (incident?.kind === 'unseen_tool' && step === 0) {
          tool = incident.tool!;
          incidentCalls++;
        } else tool = agent.tools[rng.int(agent.tools.length)]!;
        t = this.spans.toolCall(tool, route, t, rootSpan, loopHash) + 1 + rng.next() * 10;
      }
    }
    const end = t + 2;
    const ts = Math.round(end);
    const root = this.spans.event(
      'agent_step',
      ts,
      route.provider,
      route.model,
      'invoke_agent',
      rootSpan,
      null,
    );
    root.agent_name = agent.name;
    root.prompt_name = template.prompt.name;
    root.prompt_version = versionSpec.version;
    root.duration_ms = Math.max(1, ts - Math.round(t0));
    root.attributes = { steps: String(steps) };
    if (failure !== null) {
      root.status = 'error';
      root.error_type = failure;
    }
    this.spans.emit(root);
    if (incident !== null && incidentCalls > 0) {
      this.agentIncidents.record({
        scenarioId: incident.id,
        kind: incident.kind,
        tenant_id: this.app.tenant_id,
        trace_id: traceId,
        agent: agent.name,
        tool: loopTool?.name ?? incident.tool?.name ?? null,
        calls: incidentCalls,
        startMs: Math.round(t0),
      });
    }
    if (failure === null) {
      this.spans.followUps(route, 'invoke_agent', rootSpan, end, versionSpec.version, versionSpec.quality);
    }
  }
}
