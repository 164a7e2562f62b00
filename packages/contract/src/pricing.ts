import * as z from 'zod';

/**
 * The versioned price table (schemas/pricing/prices.v*.json), validated. Prices are USD per 1M tokens.
 * Token convention (OpenTelemetry GenAI): input_tokens includes cache reads, output_tokens includes
 * reasoning tokens. So an event costs
 *   (input − cache_read) × input + cache_read × cached_input + (output − reasoning) × output + reasoning × reasoning
 * where a null cached_input/reasoning price means the plain input/output price. When cache_read exceeds
 * input the producer follows Anthropic's convention (input excludes cache reads) and input is billed whole.
 */
const price = z.number().min(0, 'must be >= 0').max(10_000, 'must be <= 10000 USD per 1M tokens');
const modelEntry = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  input: price,
  output: price,
  cached_input: price.nullable(),
  reasoning: price.nullable(),
  note: z.string().optional(),
});

export const priceTableSchema = z.strictObject({
  version: z.string().min(1),
  effective_date: z.iso.date(),
  currency: z.literal('USD'),
  unit: z.literal('per_1m_tokens'),
  source: z.string().min(1),
  models: z.array(modelEntry).min(1),
});
export type PriceTableJson = z.infer<typeof priceTableSchema>;

export interface ModelPrice {
  readonly provider: string;
  readonly model: string;
  /** USD per 1M tokens. */
  readonly input: number;
  readonly output: number;
  readonly cachedInput: number;
  readonly reasoning: number;
}

export interface TokenUsage {
  readonly input_tokens: number | null;
  readonly output_tokens: number | null;
  readonly cache_read_input_tokens: number | null;
  readonly reasoning_output_tokens: number | null;
}

export interface PriceTable {
  readonly version: string;
  readonly effectiveDate: string;
  /** The price of a provider's model: exact id first, then the longest listed id the model extends by a date or version suffix. */
  lookup(provider: string, model: string): ModelPrice | null;
  /** USD for one event's usage, or null when the model is not in the table or no token count is known. */
  costUsd(provider: string, model: string, usage: TokenUsage): number | null;
}

/**
 * What may follow a listed model id for a longer id to count as the same model: a date or version
 * suffix (gpt-4o-2024-08-06, claude-sonnet-4-20250514, claude-sonnet-4@20250514, gemini-2.0-flash-001,
 * amazon.nova-pro-v1:0, claude-3-5-haiku-latest), never another model name (o3-mini is not o3).
 */
const VERSION_SUFFIX = /^[-@:](?:\d{4}-\d{2}-\d{2}|\d{3,8}|v\d+(?::\d+)?|latest)(?:[-@:.].*)?$/;
/** Bedrock cross-region inference profiles prefix the model id with a geography. */
const BEDROCK_REGION_PREFIX = /^(?:us|eu|apac|global|us-gov|jp|au|ca)\./;
const MEMO_LIMIT = 10_000;

/** Validates parsed price-table JSON (the caller reads the file) and indexes it. Throws a readable Error. */
export function loadPriceTable(json: unknown): PriceTable {
  const parsed = priceTableSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `invalid price table at ${issue?.path.join('.') ?? '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const byProvider = new Map<string, ModelPrice[]>();
  for (const entry of parsed.data.models) {
    const provider = entry.provider;
    const list = byProvider.get(provider) ?? [];
    const model = entry.model.toLowerCase();
    if (list.some((p) => p.model === model)) {
      throw new Error(`invalid price table: ${provider}/${entry.model} is listed twice`);
    }
    list.push({
      provider,
      model,
      input: entry.input,
      output: entry.output,
      cachedInput: entry.cached_input ?? entry.input,
      reasoning: entry.reasoning ?? entry.output,
    });
    byProvider.set(provider, list);
  }
  // Longest id first, so that gpt-4o-mini-2024-07-18 finds gpt-4o-mini before gpt-4o.
  for (const list of byProvider.values()) list.sort((a, b) => b.model.length - a.model.length);

  const memo = new Map<string, ModelPrice | null>();
  const find = (provider: string, model: string): ModelPrice | null => {
    const list = byProvider.get(provider);
    if (list === undefined) return null;
    let id = model.toLowerCase();
    if (provider === 'aws_bedrock') id = id.replace(BEDROCK_REGION_PREFIX, '');
    for (const p of list) if (p.model === id) return p;
    for (const p of list) {
      if (id.startsWith(p.model) && VERSION_SUFFIX.test(id.slice(p.model.length))) return p;
    }
    return null;
  };
  const lookup = (provider: string, model: string): ModelPrice | null => {
    const key = `${provider}\u0000${model}`;
    let found = memo.get(key);
    if (found === undefined) {
      found = find(provider, model);
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(key, found);
    }
    return found;
  };
  return {
    version: parsed.data.version,
    effectiveDate: parsed.data.effective_date,
    lookup,
    costUsd(provider, model, usage) {
      const p = lookup(provider, model);
      return p === null ? null : costOf(p, usage);
    },
  };
}

/** USD for one event's usage at `p`, or null when no token count is known. */
export function costOf(p: ModelPrice, usage: TokenUsage): number | null {
  const { input_tokens, output_tokens, cache_read_input_tokens, reasoning_output_tokens } = usage;
  if (input_tokens === null && output_tokens === null && cache_read_input_tokens === null) return null;
  const input = input_tokens ?? 0;
  const cached = cache_read_input_tokens ?? 0;
  // Convention: input includes cache reads. A producer that reports more cache reads than input
  // follows the other convention (Anthropic's API): its input is then the uncached part alone.
  const uncached = input >= cached ? input - cached : input;
  const output = output_tokens ?? 0;
  const reasoning = Math.min(reasoning_output_tokens ?? 0, output);
  const perMillion =
    uncached * p.input + cached * p.cachedInput + (output - reasoning) * p.output + reasoning * p.reasoning;
  return perMillion / 1_000_000;
}
