import { readFileSync } from 'node:fs';
import { DEFAULT_PRICE_TABLE_URL, loadPriceTable, type PriceTable } from '@aiops/contract';
/**
 * The simulated world, as data: providers and models (latency, token and price profiles), application
 * templates and tenants. Fixed on purpose, so that scenario targets and labels are stable and documented;
 * the seed only changes the traffic drawn from it.
 *
 * Prices are not here: a cost the simulator reports comes from the one price table
 * (schemas/pricing/prices.v1.json, read through @aiops/contract), so it equals the one the validator would
 * compute for the same usage.
 */

export type ModelKind = 'chat' | 'reasoning' | 'embedding' | 'guardrail' | 'retrieval';

export interface ModelProfile {
  readonly provider: string;
  readonly model: string;
  /** What the provider answers with (a dated snapshot); null when there is none. */
  readonly responseModel: string | null;
  readonly kind: ModelKind;
  /** Median end-to-end duration of a successful call, before the application's latency scale. */
  readonly latencyMedianMs: number;
  /** Log-space standard deviation of the duration. */
  readonly latencySigma: number;
  /** Time to first token as a fraction of the duration, drawn uniformly in [lo, hi]. */
  readonly ttftFraction: readonly [number, number];
  /** Client timeout: a call never lasts longer; timeouts last this long. */
  readonly timeoutMs: number;
  /** Chance that a call reuses a cached prompt prefix (provider prefix caching). */
  readonly cacheHitProbability: number;
  /** Median reasoning tokens per call for reasoning models (0 otherwise). */
  readonly reasoningTokensMedian: number;
  /** Quality offset added to a prompt version's mean evaluation score. */
  readonly qualityOffset: number;
}

function model(p: Omit<ModelProfile, 'reasoningTokensMedian' | 'qualityOffset'> & Partial<ModelProfile>) {
  return Object.freeze({ reasoningTokensMedian: 0, qualityOffset: 0, ...p }) as ModelProfile;
}

/** Every provider/model the simulator emits, keyed `provider/model`. */
export const MODEL_CATALOG: readonly ModelProfile[] = Object.freeze([
  model({
    provider: 'openai',
    model: 'gpt-4o',
    responseModel: 'gpt-4o-2024-08-06',
    kind: 'chat',
    latencyMedianMs: 2600,
    latencySigma: 0.5,
    ttftFraction: [0.12, 0.3],
    timeoutMs: 60_000,
    cacheHitProbability: 0.45,
  }),
  model({
    provider: 'openai',
    model: 'gpt-4o-mini',
    responseModel: 'gpt-4o-mini-2024-07-18',
    kind: 'chat',
    latencyMedianMs: 650,
    latencySigma: 0.5,
    ttftFraction: [0.15, 0.35],
    timeoutMs: 60_000,
    cacheHitProbability: 0.45,
    qualityOffset: -0.05,
  }),
  model({
    provider: 'openai',
    model: 'o4-mini',
    responseModel: 'o4-mini-2025-04-16',
    kind: 'reasoning',
    latencyMedianMs: 9000,
    latencySigma: 0.6,
    ttftFraction: [0.65, 0.9],
    timeoutMs: 120_000,
    cacheHitProbability: 0.45,
    reasoningTokensMedian: 1200,
    qualityOffset: 0.03,
  }),
  model({
    provider: 'openai',
    model: 'text-embedding-3-small',
    responseModel: 'text-embedding-3-small',
    kind: 'embedding',
    latencyMedianMs: 120,
    latencySigma: 0.4,
    ttftFraction: [0, 0],
    timeoutMs: 10_000,
    cacheHitProbability: 0,
  }),
  model({
    provider: 'openai',
    model: 'omni-moderation-latest',
    responseModel: 'omni-moderation-2024-09-26',
    kind: 'guardrail',
    latencyMedianMs: 90,
    latencySigma: 0.4,
    ttftFraction: [0, 0],
    timeoutMs: 5_000,
    cacheHitProbability: 0,
  }),
  model({
    provider: 'anthropic',
    model: 'claude-sonnet-4',
    responseModel: 'claude-sonnet-4-20250514',
    kind: 'chat',
    latencyMedianMs: 4200,
    latencySigma: 0.5,
    ttftFraction: [0.1, 0.25],
    timeoutMs: 90_000,
    cacheHitProbability: 0.35,
    qualityOffset: 0.02,
  }),
  model({
    provider: 'anthropic',
    model: 'claude-3-5-haiku',
    responseModel: 'claude-3-5-haiku-20241022',
    kind: 'chat',
    latencyMedianMs: 900,
    latencySigma: 0.5,
    ttftFraction: [0.12, 0.3],
    timeoutMs: 60_000,
    cacheHitProbability: 0.35,
    qualityOffset: -0.04,
  }),
  model({
    provider: 'aws_bedrock',
    model: 'amazon.nova-pro-v1:0',
    responseModel: 'amazon.nova-pro-v1:0',
    kind: 'chat',
    latencyMedianMs: 1400,
    latencySigma: 0.5,
    ttftFraction: [0.12, 0.3],
    timeoutMs: 60_000,
    cacheHitProbability: 0.2,
    qualityOffset: -0.03,
  }),
  model({
    provider: 'aws_bedrock',
    model: 'bedrock-guardrail',
    responseModel: null,
    kind: 'guardrail',
    latencyMedianMs: 150,
    latencySigma: 0.4,
    ttftFraction: [0, 0],
    timeoutMs: 5_000,
    cacheHitProbability: 0,
  }),
  model({
    provider: 'gcp_vertex_ai',
    model: 'gemini-2.0-flash',
    responseModel: 'gemini-2.0-flash-001',
    kind: 'chat',
    latencyMedianMs: 450,
    latencySigma: 0.5,
    ttftFraction: [0.15, 0.35],
    timeoutMs: 60_000,
    cacheHitProbability: 0.3,
    qualityOffset: -0.03,
  }),
  model({
    provider: 'azure_openai',
    model: 'gpt-4o',
    responseModel: 'gpt-4o-2024-08-06',
    kind: 'chat',
    latencyMedianMs: 2900,
    latencySigma: 0.5,
    ttftFraction: [0.12, 0.3],
    timeoutMs: 60_000,
    cacheHitProbability: 0.4,
  }),
  model({
    provider: 'azure_openai',
    model: 'gpt-4o-mini',
    responseModel: 'gpt-4o-mini-2024-07-18',
    kind: 'chat',
    latencyMedianMs: 700,
    latencySigma: 0.5,
    ttftFraction: [0.15, 0.35],
    timeoutMs: 60_000,
    cacheHitProbability: 0.4,
    qualityOffset: -0.05,
  }),
  model({
    provider: 'pgvector',
    model: 'docs-chunks',
    responseModel: null,
    kind: 'retrieval',
    latencyMedianMs: 35,
    latencySigma: 0.6,
    ttftFraction: [0, 0],
    timeoutMs: 5_000,
    cacheHitProbability: 0,
  }),
]);

export function modelKey(provider: string, model: string): string {
  return `${provider}/${model}`;
}

const MODEL_INDEX: ReadonlyMap<string, ModelProfile> = new Map(
  MODEL_CATALOG.map((m) => [modelKey(m.provider, m.model), m]),
);

export function findModel(provider: string, model: string): ModelProfile | undefined {
  return MODEL_INDEX.get(modelKey(provider, model));
}

let priceTable: PriceTable | null = null;

/** The repository's price table, read once on first use. */
function prices(): PriceTable {
  priceTable ??= loadPriceTable(JSON.parse(readFileSync(DEFAULT_PRICE_TABLE_URL, 'utf8')) as unknown);
  return priceTable;
}

/**
 * Cost in USD of one call at the price table's prices (the cost the simulator reports when it reports
 * one). Throws for a model the table does not list: the simulator only reports costs it can price.
 */
export function priceCall(
  profile: ModelProfile,
  inputTokens: number,
  cachedTokens: number,
  outputTokens: number,
  reasoningTokens = 0,
): number {
  const cost = prices().costUsd(profile.provider, profile.model, {
    input_tokens: inputTokens,
    cache_read_input_tokens: cachedTokens,
    output_tokens: outputTokens,
    reasoning_output_tokens: reasoningTokens,
  });
  if (cost === null) throw new Error(`the price table lists no ${profile.provider}/${profile.model}`);
  return cost;
}

// ---------------------------------------------------------------------------------------------------------

export interface Route {
  readonly provider: string;
  readonly model: string;
  readonly weight: number;
}

export interface PromptVersionSpec {
  readonly version: string;
  readonly weight: number;
  /** Mean evaluation score of responses from this version (before the model's offset). */
  readonly quality: number;
}

export interface ToolSpec {
  readonly name: string;
  readonly medianMs: number;
  readonly sigma: number;
  readonly errorRate: number;
}

export interface AgentSpec {
  readonly name: string;
  readonly minSteps: number;
  /** Mean of the Poisson number of steps beyond minSteps. */
  readonly extraStepsMean: number;
  readonly maxSteps: number;
  /** Input tokens added to the context by each step. */
  readonly contextGrowthTokens: number;
  /** Median output tokens of a step that calls a tool, and of the final answer. */
  readonly toolCallOutputMedian: number;
  readonly tools: readonly ToolSpec[];
}

export type AppKind = 'chat' | 'rag' | 'agent';

export interface AppTemplate {
  readonly name: string;
  readonly kind: AppKind;
  readonly routes: readonly Route[];
  readonly prompt: { readonly name: string; readonly versions: readonly PromptVersionSpec[] };
  /** Input-guardrail engine (a guardrail event before each request), or null. */
  readonly guardrail: { readonly provider: string; readonly model: string } | null;
  readonly embedding: { readonly provider: string; readonly model: string } | null;
  readonly retrieval: { readonly provider: string; readonly model: string; readonly topK: number } | null;
  readonly agent: AgentSpec | null;
  /** Evaluator name → bias added to the latent response quality. */
  readonly evaluators: Readonly<Record<string, number>>;
  readonly evaluationProbability: number;
  readonly feedbackProbability: number;
  readonly inputTokens: { readonly median: number; readonly sigma: number };
  readonly outputTokens: { readonly median: number; readonly sigma: number };
  /** Multiplies every model's latency median (short answers are faster). */
  readonly latencyScale: number;
  /** Whether responses are streamed (time to first token is reported). */
  readonly streaming: boolean;
}

export const APP_TEMPLATES: Readonly<Record<string, AppTemplate>> = Object.freeze({
  'support-bot': {
    name: 'support-bot',
    kind: 'chat',
    routes: [
      { provider: 'openai', model: 'gpt-4o', weight: 0.5 },
      { provider: 'anthropic', model: 'claude-3-5-haiku', weight: 0.3 },
      { provider: 'openai', model: 'gpt-4o-mini', weight: 0.2 },
    ],
    prompt: {
      name: 'support-answer',
      versions: [
        { version: 'v6', weight: 0.3, quality: 0.84 },
        { version: 'v7', weight: 0.7, quality: 0.87 },
      ],
    },
    guardrail: { provider: 'openai', model: 'omni-moderation-latest' },
    embedding: null,
    retrieval: null,
    agent: null,
    evaluators: { faithfulness: 0.02, relevance: 0 },
    evaluationProbability: 0.3,
    feedbackProbability: 0.06,
    inputTokens: { median: 1400, sigma: 0.6 },
    outputTokens: { median: 220, sigma: 0.7 },
    latencyScale: 1,
    streaming: true,
  },
  'sales-assistant': {
    name: 'sales-assistant',
    kind: 'chat',
    routes: [
      { provider: 'azure_openai', model: 'gpt-4o', weight: 0.6 },
      { provider: 'azure_openai', model: 'gpt-4o-mini', weight: 0.4 },
    ],
    prompt: {
      name: 'sales-reply',
      versions: [
        { version: 'v12', weight: 0.5, quality: 0.82 },
        { version: 'v13', weight: 0.5, quality: 0.85 },
      ],
    },
    guardrail: { provider: 'openai', model: 'omni-moderation-latest' },
    embedding: null,
    retrieval: null,
    agent: null,
    evaluators: { relevance: 0, tone: 0.04 },
    evaluationProbability: 0.25,
    feedbackProbability: 0.05,
    inputTokens: { median: 900, sigma: 0.6 },
    outputTokens: { median: 300, sigma: 0.7 },
    latencyScale: 1,
    streaming: true,
  },
  'ticket-triage': {
    name: 'ticket-triage',
    kind: 'chat',
    routes: [
      { provider: 'openai', model: 'gpt-4o-mini', weight: 0.7 },
      { provider: 'anthropic', model: 'claude-3-5-haiku', weight: 0.3 },
    ],
    prompt: { name: 'triage-classify', versions: [{ version: 'v3', weight: 1, quality: 0.9 }] },
    guardrail: null,
    embedding: null,
    retrieval: null,
    agent: null,
    evaluators: { accuracy: 0 },
    evaluationProbability: 0.2,
    feedbackProbability: 0,
    inputTokens: { median: 600, sigma: 0.5 },
    outputTokens: { median: 25, sigma: 0.5 },
    latencyScale: 0.5,
    streaming: false,
  },
  'docs-search': {
    name: 'docs-search',
    kind: 'rag',
    routes: [
      { provider: 'gcp_vertex_ai', model: 'gemini-2.0-flash', weight: 0.6 },
      { provider: 'aws_bedrock', model: 'amazon.nova-pro-v1:0', weight: 0.4 },
    ],
    prompt: { name: 'docs-answer', versions: [{ version: 'v4', weight: 1, quality: 0.83 }] },
    guardrail: { provider: 'aws_bedrock', model: 'bedrock-guardrail' },
    embedding: { provider: 'openai', model: 'text-embedding-3-small' },
    retrieval: { provider: 'pgvector', model: 'docs-chunks', topK: 8 },
    agent: null,
    evaluators: { faithfulness: 0, relevance: 0.02, context_precision: -0.05 },
    evaluationProbability: 0.3,
    feedbackProbability: 0.04,
    inputTokens: { median: 4200, sigma: 0.5 },
    outputTokens: { median: 350, sigma: 0.6 },
    latencyScale: 1,
    streaming: true,
  },
  'code-agent': {
    name: 'code-agent',
    kind: 'agent',
    routes: [
      { provider: 'anthropic', model: 'claude-sonnet-4', weight: 0.7 },
      { provider: 'openai', model: 'gpt-4o', weight: 0.3 },
    ],
    prompt: { name: 'coder-system', versions: [{ version: 'v3', weight: 1, quality: 0.8 }] },
    guardrail: null,
    embedding: null,
    retrieval: null,
    agent: {
      name: 'coder',
      minSteps: 2,
      extraStepsMean: 3,
      maxSteps: 12,
      contextGrowthTokens: 1500,
      toolCallOutputMedian: 160,
      tools: [
        { name: 'read_file', medianMs: 15, sigma: 0.6, errorRate: 0.01 },
        { name: 'search_code', medianMs: 250, sigma: 0.6, errorRate: 0.01 },
        { name: 'run_tests', medianMs: 6000, sigma: 0.7, errorRate: 0.05 },
        { name: 'apply_patch', medianMs: 40, sigma: 0.5, errorRate: 0.02 },
      ],
    },
    evaluators: { task_success: 0 },
    evaluationProbability: 0.2,
    feedbackProbability: 0.08,
    inputTokens: { median: 3000, sigma: 0.4 },
    outputTokens: { median: 450, sigma: 0.7 },
    latencyScale: 1,
    streaming: false,
  },
  'research-agent': {
    name: 'research-agent',
    kind: 'agent',
    routes: [
      { provider: 'openai', model: 'o4-mini', weight: 0.5 },
      { provider: 'gcp_vertex_ai', model: 'gemini-2.0-flash', weight: 0.3 },
      { provider: 'anthropic', model: 'claude-sonnet-4', weight: 0.2 },
    ],
    prompt: { name: 'research-plan', versions: [{ version: 'v2', weight: 1, quality: 0.82 }] },
    guardrail: null,
    embedding: null,
    retrieval: null,
    agent: {
      name: 'researcher',
      minSteps: 2,
      extraStepsMean: 2,
      maxSteps: 10,
      contextGrowthTokens: 2500,
      toolCallOutputMedian: 120,
      tools: [
        { name: 'web_search', medianMs: 800, sigma: 0.5, errorRate: 0.02 },
        { name: 'fetch_url', medianMs: 1200, sigma: 0.8, errorRate: 0.04 },
        { name: 'summarize_source', medianMs: 30, sigma: 0.4, errorRate: 0.005 },
      ],
    },
    evaluators: { faithfulness: 0, coverage: -0.03 },
    evaluationProbability: 0.25,
    feedbackProbability: 0.05,
    inputTokens: { median: 2500, sigma: 0.4 },
    outputTokens: { median: 700, sigma: 0.6 },
    latencyScale: 1,
    streaming: false,
  },
} satisfies Record<string, AppTemplate>);

export interface TenantSpec {
  readonly tenant_id: string;
  /** Share of all traffic (events). */
  readonly weight: number;
  /** Application template name → share of this tenant's events. */
  readonly apps: readonly { readonly template: string; readonly weight: number }[];
}

/** Five tenants; a simulation uses the first N (3–5). Scenario default targets live in the first three. */
export const TENANT_CATALOG: readonly TenantSpec[] = Object.freeze([
  {
    tenant_id: 'acme',
    weight: 0.34,
    apps: [
      { template: 'support-bot', weight: 0.6 },
      { template: 'code-agent', weight: 0.4 },
    ],
  },
  {
    tenant_id: 'globex',
    weight: 0.26,
    apps: [
      { template: 'research-agent', weight: 0.45 },
      { template: 'docs-search', weight: 0.55 },
    ],
  },
  {
    tenant_id: 'initech',
    weight: 0.2,
    apps: [
      { template: 'sales-assistant', weight: 0.5 },
      { template: 'ticket-triage', weight: 0.3 },
      { template: 'support-bot', weight: 0.2 },
    ],
  },
  {
    tenant_id: 'umbrella',
    weight: 0.12,
    apps: [
      { template: 'docs-search', weight: 0.6 },
      { template: 'code-agent', weight: 0.4 },
    ],
  },
  {
    tenant_id: 'hooli',
    weight: 0.08,
    apps: [
      { template: 'sales-assistant', weight: 0.5 },
      { template: 'research-agent', weight: 0.5 },
    ],
  },
]);

/** Deployment environments and their share of each application's requests. */
export const ENVIRONMENTS: readonly { readonly name: string; readonly weight: number }[] = Object.freeze([
  { name: 'production', weight: 0.93 },
  { name: 'staging', weight: 0.05 },
  { name: 'development', weight: 0.02 },
]);

/** Baseline per-call error mix of LLM calls (probabilities). */
export const ERROR_MIX: readonly { readonly type: string; readonly probability: number }[] = Object.freeze([
  { type: 'rate_limited', probability: 0.006 },
  { type: 'server_error', probability: 0.003 },
  { type: 'timeout', probability: 0.002 },
  { type: 'content_filter', probability: 0.001 },
]);

/** Baseline guardrail verdicts on ordinary requests (at most one flag per request). */
export const GUARDRAIL_MIX: readonly { readonly flag: string; readonly probability: number }[] =
  Object.freeze([
    { flag: 'prompt_injection', probability: 0.004 },
    { flag: 'jailbreak', probability: 0.001 },
    { flag: 'pii', probability: 0.006 },
    { flag: 'toxicity', probability: 0.003 },
  ]);

/** Guardrail verdicts on attack requests during a prompt-injection burst. */
export const ATTACK_GUARDRAIL_MIX: readonly { readonly flag: string; readonly probability: number }[] =
  Object.freeze([
    { flag: 'prompt_injection', probability: 0.85 },
    { flag: 'jailbreak', probability: 0.07 },
  ]);

/** Flags that block a request before it reaches the model. */
export const BLOCKING_FLAGS: ReadonlySet<string> = new Set(['prompt_injection', 'jailbreak']);
