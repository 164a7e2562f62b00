import { cumulativeWeights } from '@aiops/core';
import {
  APP_TEMPLATES,
  type AppTemplate,
  ENVIRONMENTS,
  ERROR_MIX,
  findModel,
  GUARDRAIL_MIX,
  type ModelProfile,
  TENANT_CATALOG,
} from './catalog.js';

/** One application of one tenant, with everything the generator needs precomputed. */
export interface WorldApp {
  readonly tenant_id: string;
  readonly application: string;
  readonly template: AppTemplate;
  /** Share of all simulated events that this application emits (tenant weight × app weight). */
  readonly eventShare: number;
  /** Expected events per request (guardrail check, calls, retries, tool calls, evaluations, feedback). */
  readonly eventsPerRequest: number;
  readonly routes: readonly ModelProfile[];
  readonly routeCumulative: readonly number[];
  readonly versionCumulative: readonly number[];
  readonly guardrail: ModelProfile | null;
  readonly embedding: ModelProfile | null;
  readonly retrieval: ModelProfile | null;
  readonly users: readonly string[];
}

export interface World {
  readonly tenants: readonly string[];
  readonly apps: readonly WorldApp[];
  readonly environments: readonly string[];
  readonly environmentCumulative: readonly number[];
}

export const MIN_TENANTS = 1;
export const MAX_TENANTS = TENANT_CATALOG.length;

function requireModel(provider: string, model: string): ModelProfile {
  const found = findModel(provider, model);
  if (found === undefined) throw new Error(`catalog has no model ${provider}/${model}`);
  return found;
}

const BASE_ERROR_RATE = ERROR_MIX.reduce((sum, e) => sum + e.probability, 0);
const RETRYABLE_ERROR_RATE = ERROR_MIX.filter((e) => e.type !== 'content_filter').reduce(
  (sum, e) => sum + e.probability,
  0,
);
const BASE_BLOCK_RATE = GUARDRAIL_MIX.filter(
  (g) => g.flag === 'prompt_injection' || g.flag === 'jailbreak',
).reduce((sum, g) => sum + g.probability, 0);

/**
 * Expected events of one request of this template under baseline conditions; used to turn an events-per-
 * minute target into a request rate. Exact up to second-order terms in the (small) error and block rates.
 */
export function expectedEventsPerRequest(template: AppTemplate): number {
  const callsPerLlmCall = 1 + RETRYABLE_ERROR_RATE;
  const success = 1 - BASE_ERROR_RATE;
  const followUps = (template.evaluationProbability + template.feedbackProbability) * success;
  if (template.kind === 'agent' && template.agent !== null) {
    const steps = expectedSteps(
      template.agent.minSteps,
      template.agent.extraStepsMean,
      template.agent.maxSteps,
    );
    // root + one LLM call per step + one tool call per step but the last + evaluation/feedback
    return 1 + steps * callsPerLlmCall + (steps - 1) + followUps;
  }
  const guard = template.guardrail === null ? 0 : 1;
  const pass = 1 - guard * BASE_BLOCK_RATE;
  const ragSteps = template.kind === 'rag' ? (template.embedding ? 1 : 0) + (template.retrieval ? 1 : 0) : 0;
  return guard + pass * (ragSteps + callsPerLlmCall + followUps);
}

/** E[min(maxSteps, minSteps + Poisson(mean))]. */
function expectedSteps(minSteps: number, mean: number, maxSteps: number): number {
  let p = Math.exp(-mean);
  let expected = 0;
  let cumulative = 0;
  for (let k = 0; minSteps + k < maxSteps; k++) {
    expected += p * (minSteps + k);
    cumulative += p;
    p = (p * mean) / (k + 1);
  }
  return expected + (1 - cumulative) * maxSteps;
}

/** The first `tenantCount` tenants of the catalog, their applications resolved against the model catalog. */
export function createWorld(tenantCount = 4): World {
  if (!Number.isInteger(tenantCount) || tenantCount < MIN_TENANTS || tenantCount > MAX_TENANTS) {
    throw new RangeError(
      `tenants must be an integer in [${MIN_TENANTS}, ${MAX_TENANTS}]; got ${tenantCount}`,
    );
  }
  const tenants = TENANT_CATALOG.slice(0, tenantCount);
  const tenantTotal = tenants.reduce((sum, t) => sum + t.weight, 0);
  const apps: WorldApp[] = [];
  for (const tenant of tenants) {
    const appTotal = tenant.apps.reduce((sum, a) => sum + a.weight, 0);
    const userCount = 50 + Math.round(2000 * (tenant.weight / tenantTotal));
    const users = Array.from(
      { length: userCount },
      (_, i) => `${tenant.tenant_id}-u${i.toString().padStart(4, '0')}`,
    );
    for (const entry of tenant.apps) {
      const template = APP_TEMPLATES[entry.template];
      if (template === undefined)
        throw new Error(`tenant ${tenant.tenant_id}: unknown app template ${entry.template}`);
      apps.push(
        Object.freeze({
          tenant_id: tenant.tenant_id,
          application: template.name,
          template,
          eventShare: (tenant.weight / tenantTotal) * (entry.weight / appTotal),
          eventsPerRequest: expectedEventsPerRequest(template),
          routes: template.routes.map((r) => requireModel(r.provider, r.model)),
          routeCumulative: cumulativeWeights(template.routes.map((r) => r.weight)),
          versionCumulative: cumulativeWeights(template.prompt.versions.map((v) => v.weight)),
          guardrail: template.guardrail
            ? requireModel(template.guardrail.provider, template.guardrail.model)
            : null,
          embedding: template.embedding
            ? requireModel(template.embedding.provider, template.embedding.model)
            : null,
          retrieval: template.retrieval
            ? requireModel(template.retrieval.provider, template.retrieval.model)
            : null,
          users,
        }),
      );
    }
  }
  return Object.freeze({
    tenants: tenants.map((t) => t.tenant_id),
    apps,
    environments: ENVIRONMENTS.map((e) => e.name),
    environmentCumulative: cumulativeWeights(ENVIRONMENTS.map((e) => e.weight)),
  });
}

/** Every provider/model pair some application of the world calls (LLM, embedding, guardrail, retrieval). */
export function worldModels(world: World): ModelProfile[] {
  const seen = new Map<string, ModelProfile>();
  for (const app of world.apps) {
    for (const m of [...app.routes, app.guardrail, app.embedding, app.retrieval]) {
      if (m !== null) seen.set(`${m.provider}/${m.model}`, m);
    }
  }
  return [...seen.values()];
}
