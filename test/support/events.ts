import { seededRandom } from '@aiops/core';
/** Deterministic test traffic with exact expected aggregates computed independently of the pipeline. */

export interface RawEvent {
  event_id: string;
  event_type: 'llm_call';
  timestamp: number;
  tenant_id: string;
  application: string;
  environment: string;
  provider: string;
  model: string;
  operation: string;
  status: 'ok' | 'error';
  error_type?: string;
  duration_ms: number;
  time_to_first_token_ms: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  scores?: Record<string, number>;
  feedback?: 1 | -1;
}

const SERIES = [
  { tenant_id: 'acme', application: 'support-bot', provider: 'openai', model: 'gpt-4o', operation: 'chat' },
  {
    tenant_id: 'acme',
    application: 'support-bot',
    provider: 'anthropic',
    model: 'claude-sonnet-4',
    operation: 'chat',
  },
  { tenant_id: 'acme', application: 'search', provider: 'openai', model: 'gpt-4o-mini', operation: 'chat' },
  {
    tenant_id: 'globex',
    application: 'agent',
    provider: 'anthropic',
    model: 'claude-3-5-haiku',
    operation: 'chat',
  },
  {
    tenant_id: 'globex',
    application: 'agent',
    provider: 'gcp_vertex_ai',
    model: 'gemini-2.0-flash',
    operation: 'chat',
  },
  {
    tenant_id: 'initech',
    application: 'copilot',
    provider: 'azure_openai',
    model: 'gpt-4o',
    operation: 'chat',
  },
];

/** `count` events spread over `minutes` whole minutes from `startMs`, in event-time order. */
export function generateEvents(seed: number, count: number, startMs: number, minutes: number): RawEvent[] {
  const random = seededRandom(seed);
  const events: RawEvent[] = [];
  for (let i = 0; i < count; i++) {
    const s = SERIES[Math.floor(random() * SERIES.length)]!;
    const error = random() < 0.05;
    // Lognormal-ish latency: exp(normal) via Box-Muller.
    const z = Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
    const duration = Math.round(Math.exp(6.5 + 0.6 * z) * 10) / 10;
    const event: RawEvent = {
      event_id: `ev-${seed}-${i}`,
      event_type: 'llm_call',
      timestamp: startMs + Math.floor((i / count) * minutes * 60_000),
      environment: 'production',
      ...s,
      status: error ? 'error' : 'ok',
      duration_ms: duration,
      time_to_first_token_ms: Math.round(duration * 0.3),
      input_tokens: 100 + Math.floor(random() * 2000),
      output_tokens: 10 + Math.floor(random() * 500),
      cost_usd: Math.round(random() * 1e6) / 1e8,
    };
    if (error) event.error_type = random() < 0.5 ? 'timeout' : 'rate_limited';
    if (random() < 0.2) event.scores = { faithfulness: Math.round(random() * 1000) / 1000 };
    if (random() < 0.1) event.feedback = random() < 0.7 ? 1 : -1;
    events.push(event);
  }
  return events;
}

export interface ExactWindow {
  key: string;
  windowStart: number;
  events: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  durations: number[];
  feedbackNegative: number;
  feedbackTotal: number;
}

export function seriesLabel(
  e: Pick<RawEvent, 'tenant_id' | 'application' | 'environment' | 'provider' | 'model' | 'operation'>,
): string {
  return [e.tenant_id, e.application, e.environment, e.provider, e.model, e.operation].join('/');
}

/** Exact per-(series, window) aggregates, the oracle the pipeline's output is compared with. */
export function exactWindows(events: readonly RawEvent[], windowMs: number): Map<string, ExactWindow> {
  const out = new Map<string, ExactWindow>();
  for (const e of events) {
    const windowStart = Math.floor(e.timestamp / windowMs) * windowMs;
    const key = `${seriesLabel(e)}@${windowStart}`;
    let w = out.get(key);
    if (!w) {
      w = {
        key,
        windowStart,
        events: 0,
        errors: 0,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        durations: [],
        feedbackNegative: 0,
        feedbackTotal: 0,
      };
      out.set(key, w);
    }
    w.events++;
    if (e.status === 'error') w.errors++;
    w.inputTokens += e.input_tokens;
    w.outputTokens += e.output_tokens;
    w.costUsd += e.cost_usd;
    w.durations.push(e.duration_ms);
    if (e.feedback !== undefined) {
      w.feedbackTotal++;
      if (e.feedback === -1) w.feedbackNegative++;
    }
  }
  return out;
}

/** The q-quantile as DDSketch defines the rank: the value at rank floor(q·(n−1)) of the sorted data. */
export function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

/** Shuffles so that no event moves more than `maxShiftMs` of event time: bounded out-of-orderness. */
export function boundedShuffle<T extends { timestamp: number }>(
  events: readonly T[],
  maxShiftMs: number,
  seed: number,
): T[] {
  const random = seededRandom(seed);
  return events
    .map((e) => ({ e, at: e.timestamp + random() * maxShiftMs }))
    .sort((a, b) => a.at - b.at)
    .map((x) => x.e);
}
