import type * as z from 'zod';
import { ContractError, type ContractErrorReason, formatPath } from './errors.js';

type Issue = z.core.$ZodIssue;

/** The innermost issue worth reporting, with the full path to it. */
function leaf(issue: Issue): { issue: Issue; path: PropertyKey[] } {
  const path = [...issue.path];
  let current = issue;
  for (;;) {
    if (current.code === 'invalid_key' && current.issues.length > 0) {
      current = current.issues[0] as Issue;
      path.push(...current.path);
      continue;
    }
    if (current.code === 'invalid_element' && current.issues.length > 0) {
      current = current.issues[0] as Issue;
      path.push(...current.path);
      continue;
    }
    return { issue: current, path };
  }
}

/**
 * Turns zod's issues into one ContractError naming the first problem's field (and how many more there
 * are). `sources` maps canonical fields to the alias the producer used, so the message names both;
 * `input` (the value that was parsed) lets a missing field read "is required".
 */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export function zodToContractError(
  error: z.ZodError,
  sources: Readonly<Record<string, string>> | null = null,
  input: unknown = undefined,
  prefix: readonly PropertyKey[] = [],
): ContractError {
  const first = error.issues[0];
  if (first === undefined) return new ContractError('schema_violation', 'invalid value');
  const { issue, path } = leaf(first);
  let reason: ContractErrorReason = 'schema_violation';
  let message = issue.message;
  let fieldPath: PropertyKey[] = [...prefix, ...path];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    fieldPath = [...fieldPath, key];
    message =
      issue.keys.length > 1
        ? `unknown field (also unknown: ${issue.keys.slice(1, 6).join(', ')}); put custom data in attributes`
        : 'unknown field; put custom data in attributes';
  } else if (issue.code === 'invalid_type' && input !== undefined && valueAt(input, path) === undefined) {
    message = 'is required';
  } else if (issue.code === 'custom') {
    const params = issue.params as { reason?: ContractErrorReason } | undefined;
    if (params?.reason !== undefined) reason = params.reason;
  }
  const field = formatPath(fieldPath);
  const head = fieldPath[prefix.length];
  const alias = typeof head === 'string' && sources !== null ? sources[head] : undefined;
  const shown = alias === undefined ? field : `${field} (sent as "${alias}")`;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : '';
  return new ContractError(reason, `field ${shown}: ${message}${more}`, { field });
}
