import { EVENT_TYPE_BY_OPERATION, type EventType, type TelemetryEventInput } from '@aiops/contract';
import type { Attributes, AttributeValue } from './model.js';

/**
 * The attribute tables of the mapper: OpenTelemetry GenAI semantic conventions (and the common aliases of
 * OpenLLMetry, OpenLIT and OpenInference) → contract fields. The README's mapping table lists the same.
 */

/**
 * gen_ai.operation.name → event_type: the contract's table (chat, text_completion, generate_content →
 * llm_call; embeddings; execute_tool; invoke_agent/create_agent; retrieval; apply_guardrail). The operation
 * name itself becomes the contract's `operation`.
 */
export const EVENT_TYPE_BY_GEN_AI_OPERATION: Readonly<Record<string, EventType>> = EVENT_TYPE_BY_OPERATION;

type Kind = 'string' | 'count' | 'number' | 'seconds_to_ms';

export interface AttributeRule {
  readonly field: keyof TelemetryEventInput & string;
  /** First present key wins: the current convention first, then its aliases. */
  readonly keys: readonly string[];
  readonly kind: Kind;
}

export const SPAN_ATTRIBUTE_RULES: readonly AttributeRule[] = [
  { field: 'provider', keys: ['gen_ai.provider.name', 'gen_ai.system'], kind: 'string' },
  { field: 'model', keys: ['gen_ai.request.model'], kind: 'string' },
  { field: 'response_model', keys: ['gen_ai.response.model'], kind: 'string' },
  { field: 'session_id', keys: ['gen_ai.conversation.id'], kind: 'string' },
  { field: 'agent_name', keys: ['gen_ai.agent.name'], kind: 'string' },
  { field: 'tool_name', keys: ['gen_ai.tool.name'], kind: 'string' },
  { field: 'prompt_name', keys: ['gen_ai.prompt.name'], kind: 'string' },
  { field: 'error_type', keys: ['error.type'], kind: 'string' },
  { field: 'user_id', keys: ['user.id', 'enduser.id'], kind: 'string' },
  { field: 'input_tokens', keys: ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'], kind: 'count' },
  {
    field: 'output_tokens',
    keys: ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'],
    kind: 'count',
  },
  { field: 'cache_read_input_tokens', keys: ['gen_ai.usage.cache_read.input_tokens'], kind: 'count' },
  { field: 'reasoning_output_tokens', keys: ['gen_ai.usage.reasoning.output_tokens'], kind: 'count' },
  {
    field: 'cache_creation_input_tokens',
    keys: ['gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_write.input_tokens'],
    kind: 'count',
  },
  {
    field: 'cost_usd',
    keys: ['gen_ai.usage.cost.amount', 'gen_ai.usage.cost', 'llm.cost.total'],
    kind: 'number',
  },
  { field: 'time_to_first_token_ms', keys: ['gen_ai.response.time_to_first_chunk'], kind: 'seconds_to_ms' },
];

/** Resource attributes → series dimensions (application's key is configurable, see MapperOptions). */
export const ENVIRONMENT_KEYS: readonly string[] = ['deployment.environment.name', 'deployment.environment'];

/** Attributes by which a payload may claim a tenant: ignored (the token decides) and counted. */
export const TENANT_CLAIM_KEYS: readonly string[] = ['tenant.id', 'tenant_id', 'aiops.tenant_id'];

/** Prompt and completion content: never stored. Exact keys and the indexed legacy prefixes. */
const CONTENT_KEYS: ReadonlySet<string> = new Set([
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.prompt',
  'gen_ai.completion',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
]);
/** `gen_ai.prompt.0.content` (OpenLLMetry) but not `gen_ai.prompt.name`. */
const INDEXED_CONTENT = /^gen_ai\.(prompt|completion)\.\d/;

export function isContentAttribute(key: string): boolean {
  return CONTENT_KEYS.has(key) || INDEXED_CONTENT.test(key);
}

/** Span events and log records that carry content (the deprecated per-message events). */
const CONTENT_EVENTS =
  /^gen_ai\.(content\.|user\.message|system\.message|assistant\.message|tool\.message|choice)/;

export function isContentEvent(name: string): boolean {
  return CONTENT_EVENTS.test(name);
}

export const EVALUATION_EVENT = 'gen_ai.evaluation.result';
export const EVALUATION_NAME = 'gen_ai.evaluation.name';
export const EVALUATION_SCORE = 'gen_ai.evaluation.score.value';

/** A value of the wrong type for its rule: the span is refused with this message. */
export class AttributeTypeError extends Error {
  constructor(
    readonly key: string,
    readonly field: string,
    expected: string,
  ) {
    super(`attribute ${key} must be ${expected}`);
  }
}

/** The first present key of `keys`, converted by `kind`; undefined when none is present. */
export function readAttribute(
  attributes: Attributes,
  rule: Pick<AttributeRule, 'keys' | 'kind' | 'field'>,
): string | number | undefined {
  for (const key of rule.keys) {
    const value = attributes.get(key);
    if (value === undefined || value === null) continue;
    return convert(value, rule.kind, key, rule.field);
  }
  return undefined;
}

function convert(value: AttributeValue, kind: Kind, key: string, field: string): string | number {
  switch (kind) {
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw new AttributeTypeError(key, field, 'a string');
    case 'count':
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
      throw new AttributeTypeError(key, field, 'a non-negative integer');
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      throw new AttributeTypeError(key, field, 'a finite number');
    case 'seconds_to_ms':
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * 1000;
      throw new AttributeTypeError(key, field, 'a non-negative number of seconds');
  }
}

/** True when a span is GenAI telemetry: it has at least one gen_ai.* attribute. */
export function hasGenAiAttributes(attributes: Attributes): boolean {
  for (const key of attributes.keys()) if (key.startsWith('gen_ai.')) return true;
  return false;
}

export function stringAttribute(attributes: Attributes, keys: readonly string[]): string | null {
  for (const key of keys) {
    const value = attributes.get(key);
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
}
