import { ContractError } from './errors.js';
import { forbiddenKeyReason, PRIVACY_NOTE } from './privacy.js';

/**
 * OpenTelemetry GenAI (and neighbouring) names a JSON producer may use instead of ours. Each key may be
 * sent as a top-level dotted key (`"gen_ai.usage.input_tokens": 12`) or nested
 * (`"gen_ai": { "usage": { "input_tokens": 12 } }`): nested objects are flattened to dotted keys first.
 * When several names for one field are present, the canonical name wins, then the alias listed first.
 *
 * | canonical field          | accepted aliases (priority order)                                                  |
 * |--------------------------|------------------------------------------------------------------------------------|
 * | model                    | gen_ai.request.model                                                               |
 * | response_model           | gen_ai.response.model                                                              |
 * | provider                 | gen_ai.provider.name, gen_ai.system                                                |
 * | operation                | gen_ai.operation.name                                                              |
 * | input_tokens             | gen_ai.usage.input_tokens, gen_ai.usage.prompt_tokens                              |
 * | output_tokens            | gen_ai.usage.output_tokens, gen_ai.usage.completion_tokens                         |
 * | cache_read_input_tokens  | gen_ai.usage.cache_read.input_tokens, gen_ai.usage.cache_read_input_tokens         |
 * | reasoning_output_tokens  | gen_ai.usage.reasoning.output_tokens, gen_ai.usage.reasoning_tokens                |
 * | cache_creation_input_tokens | gen_ai.usage.cache_creation.input_tokens, gen_ai.usage.cache_write.input_tokens |
 * | agent_name               | gen_ai.agent.name                                                                  |
 * | tool_name                | gen_ai.tool.name                                                                   |
 * | session_id               | session.id, gen_ai.conversation.id                                                 |
 * | user_id                  | user.id, enduser.id                                                                |
 * | error_type               | error.type                                                                         |
 * | application              | service.name                                                                       |
 * | environment              | deployment.environment.name, deployment.environment                               |
 *
 * Provider values are normalised too (PROVIDER_ALIASES): OpenTelemetry's dotted values become ours.
 */
export const FIELD_ALIASES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  model: ['gen_ai.request.model'],
  response_model: ['gen_ai.response.model'],
  provider: ['gen_ai.provider.name', 'gen_ai.system'],
  operation: ['gen_ai.operation.name'],
  input_tokens: ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'],
  output_tokens: ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'],
  cache_read_input_tokens: ['gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens'],
  reasoning_output_tokens: ['gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens'],
  cache_creation_input_tokens: [
    'gen_ai.usage.cache_creation.input_tokens',
    'gen_ai.usage.cache_write.input_tokens',
  ],
  agent_name: ['gen_ai.agent.name'],
  tool_name: ['gen_ai.tool.name'],
  session_id: ['session.id', 'gen_ai.conversation.id'],
  user_id: ['user.id', 'enduser.id'],
  error_type: ['error.type'],
  application: ['service.name'],
  environment: ['deployment.environment.name', 'deployment.environment'],
});

/** gen_ai.provider.name / gen_ai.system values (OpenTelemetry spelling) → our provider value. */
export const PROVIDER_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  'aws.bedrock': 'aws_bedrock',
  'az.ai.openai': 'azure_openai',
  'azure.ai.openai': 'azure_openai',
  'az.ai.inference': 'azure_ai_inference',
  'azure.ai.inference': 'azure_ai_inference',
  'gcp.vertex_ai': 'gcp_vertex_ai',
  'gcp.gen_ai': 'gcp_gen_ai',
  'gcp.gemini': 'gcp_gemini',
  mistral_ai: 'mistral_ai',
  x_ai: 'x_ai',
  'ibm.watsonx.ai': 'ibm_watsonx_ai',
});

const PROVIDER_INDEX: ReadonlyMap<string, string> = new Map(Object.entries(PROVIDER_ALIASES));

export function normalizeProvider(provider: string): string {
  return PROVIDER_INDEX.get(provider) ?? provider;
}

/** The fields of TelemetryEvent, in Avro field order. */
export const EVENT_FIELDS = [
  'event_id',
  'event_type',
  'timestamp',
  'tenant_id',
  'application',
  'environment',
  'provider',
  'model',
  'response_model',
  'operation',
  'trace_id',
  'span_id',
  'parent_span_id',
  'session_id',
  'user_id',
  'agent_name',
  'tool_name',
  'prompt_name',
  'prompt_version',
  'status',
  'error_type',
  'duration_ms',
  'time_to_first_token_ms',
  'input_tokens',
  'output_tokens',
  'cache_read_input_tokens',
  'reasoning_output_tokens',
  'cache_creation_input_tokens',
  'tool_call_arguments_hash',
  'cost_usd',
  'cost_source',
  'scores',
  'feedback',
  'guardrail_flags',
  'attributes',
] as const;

const CANONICAL: ReadonlySet<string> = new Set(EVENT_FIELDS);

/** alias → [canonical, priority]; built once. */
const ALIAS_INDEX: ReadonlyMap<string, readonly [string, number]> = new Map(
  Object.entries(FIELD_ALIASES).flatMap(([canonical, aliases]) =>
    aliases.map((alias, priority) => [alias, [canonical, priority] as const] as const),
  ),
);

/** What resolving aliases produced: canonical keys, and for each field renamed, the key the producer used. */
export interface AliasResolution {
  readonly value: Record<string, unknown>;
  /** canonical field → the producer's key, when they differ; null when nothing was renamed. */
  readonly sources: Readonly<Record<string, string>> | null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Renames aliases to canonical fields and flattens nested alias objects, refusing content-carrying keys
 * (forbidden_field). Unknown keys are kept as they are (dotted when they came nested) so that strict
 * validation names them. Returns the input object itself when it already uses canonical keys only.
 */
export function resolveAliases(raw: Record<string, unknown>): AliasResolution {
  let canonicalOnly = true;
  for (const key in raw) {
    if (!Object.hasOwn(raw, key)) continue;
    if (CANONICAL.has(key)) continue;
    canonicalOnly = false;
    break;
  }
  if (canonicalOnly) return { value: raw, sources: null };

  const out: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  const priorities: Record<string, number> = {};
  const visit = (key: string, value: unknown): void => {
    if (CANONICAL.has(key)) {
      out[key] = value;
      priorities[key] = -1;
      delete sources[key];
      return;
    }
    const reason = forbiddenKeyReason(key);
    if (reason !== null) {
      throw new ContractError('forbidden_field', `field ${key}: ${reason}; ${PRIVACY_NOTE}`, { field: key });
    }
    if (isPlainObject(value)) {
      let children = 0;
      for (const child in value) {
        if (!Object.hasOwn(value, child)) continue;
        children++;
        visit(`${key}.${child}`, value[child]);
      }
      // An empty object names nothing: kept, so that strict validation refuses it by name.
      if (children === 0) defineOwn(out, key, value);
      return;
    }
    const alias = ALIAS_INDEX.get(key);
    if (alias !== undefined) {
      const [canonical, priority] = alias;
      const current = priorities[canonical];
      if (current === undefined || priority < current) {
        out[canonical] = value;
        priorities[canonical] = priority;
        sources[canonical] = key;
      }
      return;
    }
    // Unknown: kept so that strict validation refuses it by name.
    defineOwn(out, key, value);
  };
  for (const key in raw) {
    if (Object.hasOwn(raw, key)) visit(key, raw[key]);
  }
  return { value: out, sources: Object.keys(sources).length === 0 ? null : sources };
}

/** Sets an own property even for keys such as "__proto__" (so that validation sees and refuses it). */
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
