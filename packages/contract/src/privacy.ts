/**
 * Privacy by design: v1 of the contract carries no prompt or completion text. A key is refused, at the top
 * level of a JSON message or inside `attributes`, when any of its dot-separated segments (case-insensitive)
 * names conversation content, or when it starts with one of the content-carrying attribute families below.
 * `prompt_name` and `prompt_version` are fine: they name a prompt template, they do not carry its text.
 */
const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set([
  'prompt',
  'prompts',
  'completion',
  'completions',
  'messages',
  'input_messages',
  'output_messages',
  'system_instructions',
  'system_prompt',
]);

/** Attribute families (OpenTelemetry GenAI, OpenInference) whose values are content, whatever follows them. */
const FORBIDDEN_PREFIXES: readonly string[] = [
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
  'gen_ai.content',
  'input.value',
  'output.value',
  'llm.input',
  'llm.output',
];

/** Returns a short reason when `key` would carry prompt/completion text, else null. */
export function forbiddenKeyReason(key: string): string | null {
  const lower = key.toLowerCase();
  for (const prefix of FORBIDDEN_PREFIXES) {
    if (lower === prefix || (lower.startsWith(prefix) && lower.charCodeAt(prefix.length) === 46)) {
      return `"${key}" carries model input or output content (attribute family ${prefix})`;
    }
  }
  if (lower.indexOf('.') < 0) {
    return FORBIDDEN_SEGMENTS.has(lower) ? `"${key}" would carry prompt or completion text` : null;
  }
  for (const segment of lower.split('.')) {
    if (FORBIDDEN_SEGMENTS.has(segment)) return `"${key}" would carry prompt or completion text`;
  }
  return null;
}

export const PRIVACY_NOTE =
  'v1 of the telemetry contract carries no prompt or completion text; send counts, scores and ids only';
