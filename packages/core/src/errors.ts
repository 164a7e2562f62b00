/**
 * Two kinds of failure, decided where the failure is understood, acted on by the shell:
 * - Retryable: the world may get better (broker away, ClickHouse overloaded). Retry with backoff.
 * - Unrecoverable: this input will never succeed (malformed, out of range). Dead-letter it, move on.
 */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A problem with one input; `reason` is a short machine-readable code, `field` names the culprit. */
export class UnrecoverableError extends Error {
  override readonly name: string = 'UnrecoverableError';
  readonly reason: string;
  readonly field: string | undefined;
  constructor(reason: string, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.field = options?.field;
  }
}

export function isRetryable(error: unknown): boolean {
  return error instanceof RetryableError;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
