import { UnrecoverableError } from '@aiops/core';

/**
 * Why a message was refused. Short, stable, machine-readable: the validator puts it in the dead-letter
 * header and counts it per reason.
 */
export const CONTRACT_ERROR_REASONS = [
  /** Bytes are not valid JSON (syntax error, or not an object). */
  'invalid_json',
  /** JSON nests deeper than `limits.maxJsonDepth`. */
  'json_too_deep',
  /** Avro body ends before the record does. */
  'truncated_avro',
  /** Avro body is structurally impossible for its schema (bad union/enum index, negative length, trailing bytes). */
  'invalid_avro',
  /** Avro single-object message whose schema fingerprint is not among the known writer schemas. */
  'unknown_fingerprint',
  /** Confluent-framed message whose schema id the registry does not know. */
  'unknown_schema_id',
  /** The first bytes match no supported wire format. */
  'bad_magic',
  /** A string (or the whole JSON document) is not valid UTF-8. */
  'invalid_utf8',
  /** Decoded fine but breaks a rule of the contract (type, range, length, unknown field…). */
  'schema_violation',
  /** Message larger than `limits.maxMessageBytes`. */
  'message_too_large',
  /** A field that would carry prompt or completion text (privacy by design: refused in v1). */
  'forbidden_field',
] as const;
export type ContractErrorReason = (typeof CONTRACT_ERROR_REASONS)[number];

/** Poison input: never retried, dead-lettered with `reason` and `field`. */
export class ContractError extends UnrecoverableError {
  override readonly name = 'ContractError';
  declare readonly reason: ContractErrorReason;
  constructor(reason: ContractErrorReason, message: string, options?: { field?: string; cause?: unknown }) {
    super(reason, message, options);
  }
}

export function isContractError(error: unknown): error is ContractError {
  return error instanceof ContractError;
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/**
 * Renders a path like `attributes["gen_ai.x"]` or `quality.faithfulness.histogram[3]`. The first segment
 * is written as it is (a top-level key such as `gen_ai.request.model` reads best undecorated).
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const text = String(segment);
      if (out === '') out = text;
      else if (IDENTIFIER.test(text)) out += `.${text}`;
      else out += `[${JSON.stringify(text)}]`;
    }
  }
  return out === '' ? '(root)' : out;
}
