/**
 * Where a record came from upstream, when several sources feed one partition: e.g. the raw-topic
 * partition the validator read an event from, or the events-topic partition an aggregator closed a window
 * on. On the wire it is the text `id/count` (a record header).
 */
export interface RecordSource {
  readonly id: string;
  /** How many sources there are in all (the upstream topic's partition count). */
  readonly count: number;
}

export function formatSource(source: RecordSource): string {
  return `${source.id}/${source.count}`;
}

/** Reads `id/count` (or a bare `id`, one source in all); a count that is not a positive integer counts as 1. */
export function parseSource(text: string): RecordSource {
  const slash = text.indexOf('/');
  if (slash < 0) return { id: text, count: 1 };
  const count = Number(text.slice(slash + 1));
  return { id: text.slice(0, slash), count: Number.isInteger(count) && count > 0 ? count : 1 };
}

/**
 * The source of a record for a consumer that reads every partition of the events topic in one clock (the
 * agent and prompt monitors): the events partition × the raw partition the validator read it from (the
 * `upstream` header), with all of them announced, so that the watermark waits for each one (up to the
 * idle timeout) instead of running ahead on whichever partition happened to be fetched first.
 */
export function sourceAcrossPartitions(
  partition: number,
  partitions: number,
  upstream: string | undefined,
): RecordSource {
  const raw = upstream === undefined ? { id: '', count: 1 } : parseSource(upstream);
  return { id: `${partition}:${raw.id}`, count: Math.max(1, partitions) * raw.count };
}
