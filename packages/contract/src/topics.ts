/** Topic names used when nothing else is configured. Every service and the SDK reads them from here. */
export const DEFAULT_TOPICS = {
  /** What producers write: JSON, Avro single-object or Confluent-framed events, unvalidated. */
  raw: 'aiops.telemetry.raw.v1',
  /** Validated, normalised, priced events (the validator's output). */
  events: 'aiops.telemetry.events.v1',
  /** Messages the validator refused, with the reason in headers. */
  dlq: 'aiops.telemetry.dlq.v1',
  /** Window aggregates (the aggregator's output). */
  windows: 'aiops.telemetry.windows.v1',
  /** Alert notifications (the detector's output). */
  alerts: 'aiops.alerts.v1',
} as const;

export type TopicRole = keyof typeof DEFAULT_TOPICS;

/**
 * Where the versioned price table lives in the repository. Computing a URL is not I/O: the caller reads
 * the file and hands the parsed JSON to `loadPriceTable`. (Resolves the same from src/ and dist/.)
 */
export const DEFAULT_PRICE_TABLE_URL: URL = new URL(
  '../../../schemas/pricing/prices.v1.json',
  import.meta.url,
);
