import { SOURCE_HEADER } from '@aiops/contract';
import { formatSource, parseSource, type RecordSource } from '@aiops/core';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

// Re-exported for the services that read it through this package; its one definition is in the contract.
export { SOURCE_HEADER };
/** On a watermark marker: the source's watermark, in epoch milliseconds. */
export const WATERMARK_HEADER = 'aiops.watermark';

/**
 * A watermark marker: "source `source` will send nothing more to this partition with event time at or
 * before `watermarkMs`". It is a record with no value and these two headers, sent to every partition of
 * the topic after the records it vouches for (as Flink broadcasts watermarks to every downstream
 * channel). A consumer that merges several sources waits for all of them, so what it computes does not
 * depend on how their records happened to interleave. Consumers that do not need it skip it.
 */
export interface WatermarkMarker {
  readonly source: RecordSource;
  readonly watermarkMs: number;
}

/** One marker per partition `0 … partitions-1` of the topic. */
export function watermarkMarkers(partitions: number, marker: WatermarkMarker): Message[] {
  const headers = {
    [WATERMARK_HEADER]: String(marker.watermarkMs),
    [SOURCE_HEADER]: formatSource(marker.source),
  };
  const messages: Message[] = [];
  for (let partition = 0; partition < partitions; partition++)
    messages.push({ partition, key: null, value: null, headers });
  return messages;
}

/** A header's (first) value as text, or undefined when the record lacks it. */
export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value[0] : value)?.toString();
}

/**
 * The marker a record carries, or null when the record is not a marker (it has a value, or no watermark
 * header). A record that claims to be a marker but whose headers do not parse throws, with what is wrong.
 */
export function readWatermarkMarker(
  message: Pick<KafkaMessage, 'value' | 'headers'>,
): WatermarkMarker | null {
  if (message.value !== null) return null;
  const watermark = headerText(message.headers, WATERMARK_HEADER);
  if (watermark === undefined) return null;
  const watermarkMs = Number(watermark);
  if (watermark.trim() === '' || !Number.isSafeInteger(watermarkMs))
    throw new Error(`watermark marker: ${WATERMARK_HEADER} "${watermark}" is not an integer`);
  const source = headerText(message.headers, SOURCE_HEADER);
  if (source === undefined || source === '')
    throw new Error(`watermark marker: ${SOURCE_HEADER} header missing`);
  return { source: parseSource(source), watermarkMs };
}
