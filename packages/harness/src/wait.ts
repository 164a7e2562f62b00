import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '@aiops/core';

/**
 * Polls `condition` until it holds; throws, naming `what` and the last error the condition threw, when
 * `timeoutMs` passes first. Never resolves on a timeout: a caller that waits for something must not go on
 * as if it had happened.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await condition()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${lastError ? ` (${errorMessage(lastError)})` : ''}`,
  );
}

/** A name no other run uses: `prefix_<time>_<random>`. */
export function uniqueId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
