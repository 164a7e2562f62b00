import type { ClickHouseSink } from '@aiops/clickhouse';
import { errorMessage, isRetryable } from '@aiops/core';
import type { Logger } from '@aiops/ops';

export interface Refused<T> {
  readonly item: T;
  readonly error: unknown;
}

/**
 * Writes until ClickHouse acknowledges. A transient failure (server down, overloaded) is retried for
 * as long as it lasts: the runner stops fetching meanwhile, so memory stays bounded and nothing is lost.
 * A batch refused for good is split item by item so that only the rows ClickHouse will never take are
 * returned (for the dead-letter topic) and the others are still written.
 */
export async function writeDurably<T>(
  sink: ClickHouseSink<T>,
  items: readonly T[],
  logger: Logger,
  outageRetryDelayMs: number,
): Promise<Refused<T>[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      await sink.write(items);
      return [];
    } catch (error) {
      if (isRetryable(error)) {
        logger.warn(
          { table: sink.table, rows: items.length, attempt, err: errorMessage(error) },
          'ClickHouse unavailable; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, outageRetryDelayMs));
        continue;
      }
      if (items.length === 1) return [{ item: items[0]!, error }];
      logger.warn(
        { table: sink.table, rows: items.length, err: errorMessage(error) },
        'batch refused; isolating bad rows',
      );
      const refused: Refused<T>[] = [];
      for (const item of items)
        refused.push(...(await writeDurably(sink, [item], logger, outageRetryDelayMs)));
      return refused;
    }
  }
}
