import { errorMessage } from '@aiops/core';
import { type Logger, type OpsServer, type PipelineMetrics, startOpsServer } from '@aiops/ops';
import type { StreamRunner } from './runner.js';

export interface RunningService {
  readonly name: string;
  readonly runners: readonly StreamRunner[];
  /** Ready when every runner is ready. */
  isReady(): boolean;
  stop(deadlineMs?: number): Promise<void>;
  /** Resolves with the first runner failure. */
  readonly crashed: Promise<Error>;
}

export function composeService(
  name: string,
  runners: readonly StreamRunner[],
  onStopped: () => Promise<void> = async () => undefined,
): RunningService {
  let stopped: Promise<void> | undefined;
  return {
    name,
    runners,
    isReady: () => runners.every((r) => r.isReady()),
    crashed: Promise.race(runners.map((r) => r.crashed)),
    stop(deadlineMs = 30_000) {
      stopped ??= (async () => {
        await Promise.all(runners.map((r) => r.stop(deadlineMs)));
        await onStopped();
      })();
      return stopped;
    },
  };
}

/**
 * The imperative shell of a process: /healthz, /readyz, /metrics, and SIGTERM/SIGINT → stop fetching,
 * flush, commit, exit 0 within the deadline. A runner that crashes for good exits 1 so a supervisor
 * restarts the process, which then replays from the last committed offsets.
 */
export async function runUntilSignalled(options: {
  services: readonly RunningService[];
  logger: Logger;
  metrics: PipelineMetrics;
  opsPort: number | null;
  shutdownDeadlineMs: number;
}): Promise<number> {
  const { services, logger } = options;
  let ops: OpsServer | undefined;
  if (options.opsPort !== null) {
    ops = await startOpsServer({
      port: options.opsPort,
      registry: options.metrics.registry,
      isReady: () => services.every((s) => s.isReady()),
    });
    logger.info({ port: ops.port }, 'ops endpoints listening (/healthz, /readyz, /metrics)');
  }
  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const outcome = await Promise.race([
    signalled.then((signal) => ({ signal, error: undefined as Error | undefined })),
    Promise.race(services.map((s) => s.crashed)).then((error) => ({ signal: undefined, error })),
  ]);
  if (outcome.signal) logger.info({ signal: outcome.signal }, 'shutting down');
  else logger.error({ err: errorMessage(outcome.error) }, 'a consumer failed for good; shutting down');
  await Promise.all(services.map((s) => s.stop(options.shutdownDeadlineMs)));
  await ops?.close();
  logger.info('stopped');
  return outcome.error ? 1 : 0;
}
