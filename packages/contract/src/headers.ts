/**
 * Kafka record headers the pipeline's services read from each other: one name each, here, so that a
 * producer and its consumers cannot drift apart.
 */

/** Names the upstream source of a record as `id/count` (see RecordSource in @aiops/core). */
export const SOURCE_HEADER = 'aiops.source';
/** On a window aggregate: its series key (seriesKey), so a consumer orders by it without recomputing. */
export const SERIES_HEADER = 'aiops.series';
/** On a window aggregate: how far (ms) its tenant was behind the other data of its partition when it closed. */
export const BEHIND_MS_HEADER = 'aiops.behind-ms';
/**
 * On a late correction: the event time at which a consumer that orders windows by event time takes it in
 * (one past its tenant's watermark when the aggregator emitted it; later than the window's own end), so its
 * place in that order is a function of the records, like a window's.
 */
export const ALIGN_AT_HEADER = 'aiops.align-at';
