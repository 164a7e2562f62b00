import { type ClickHouseSink, isolateRejected, type Rejected } from '@aiops/clickhouse';
import { errorMessage, isRetryable, UnrecoverableError } from '@aiops/core';
import type { Logger } from '@aiops/ops';

export interface DurableWriteOptions {
  readonly logger: Logger;
  /** Pause between attempts when ClickHouse stays unavailable past the sink's own retries. */
  readonly outageRetryDelayMs: number;
  /** True once the service stops: an outage is then given up (the offsets stay uncommitted). */
  readonly stopping: () => boolean;
}

/**
 * Writes until ClickHouse acknowledges, and returns the items it refuses for their data (for the
 * dead-letter topic). An outage is retried for as long as it lasts, and an operator error (password,
 * grant, missing table) blocks inside the sink until fixed: in both cases the runner stops fetching
 * meanwhile, so memory stays bounded and nothing is lost or dead-lettered. Only when the server refuses
 * the data of a batch are the bad rows isolated, by bisection (isolateRejected), and returned.
 */
export async function writeDurably<T>(
  sink: ClickHouseSink<T>,
  items: readonly T[],
  options: DurableWriteOptions,
): Promise<Rejected<T>[]> {
  try {
    await throughOutages(sink, items, () => sink.write(items), options);
    return [];
  } catch (error) {
    if (!(error instanceof UnrecoverableError)) throw error;
    // The batch (which may hold other writes' rows too) was refused for its data: find ours.
    options.logger.warn(
      { table: sink.table, rows: items.length, err: errorMessage(error) },
      'batch refused for its data; isolating the bad rows by bisection',
    );
    return isolateRejected(
      items,
      (part) => throughOutages(sink, part, () => sink.insertNow(part), options),
      (e) => e instanceof UnrecoverableError,
    );
  }
}

async function throughOutages<T>(
  sink: ClickHouseSink<T>,
  items: readonly T[],
  write: () => Promise<void>,
  options: DurableWriteOptions,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return;
    } catch (error) {
      if (!isRetryable(error) || options.stopping()) throw error;
      options.logger.warn(
        { table: sink.table, rows: items.length, attempt, err: errorMessage(error) },
        'ClickHouse unavailable; retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, options.outageRetryDelayMs));
    }
  }
}
