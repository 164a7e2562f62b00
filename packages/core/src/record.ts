/**
 * An immutable record flowing between processors. Like a Kafka Streams record it carries its own
 * event timestamp; a negative timestamp is refused at construction so that time math downstream
 * never has to guard against it.
 */
export interface RecordHeaders {
  readonly [name: string]: string;
}

export interface StreamRecord<K, V> {
  readonly key: K;
  readonly value: V;
  /** Event time in epoch milliseconds. */
  readonly timestamp: number;
  readonly headers: RecordHeaders;
}

export function makeRecord<K, V>(
  key: K,
  value: V,
  timestamp: number,
  headers: RecordHeaders = {},
): StreamRecord<K, V> {
  if (!Number.isFinite(timestamp) || timestamp < 0) {
    throw new RangeError(`record timestamp must be a finite, non-negative epoch ms; got ${timestamp}`);
  }
  return Object.freeze({ key, value, timestamp, headers });
}
