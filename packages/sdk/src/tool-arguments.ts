import { createHash } from 'node:crypto';

/**
 * The `tool_call_arguments_hash` of a tool call: SHA-256 (first 16 hex digits) of the arguments as canonical
 * JSON (object keys sorted at every level), so the same arguments give the same hash whatever their key
 * order, and the arguments themselves never leave the producer. The agent monitor counts repeats of one
 * (tool, hash) in a trace as a tool-call loop.
 */
export function hashToolArguments(args: unknown): string {
  return createHash('sha256').update(canonicalJson(args)).digest('hex').slice(0, 16);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
