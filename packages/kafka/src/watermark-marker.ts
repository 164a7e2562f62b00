import { SOURCE_HEADER } from '@aiops/contract';
import { formatSource, parseSource, type RecordSource } from '@aiops/core';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

// Re-exported for the services that read it through this package; its one definition is in the contract.
export { SOURCE_HEADER };
/** On a watermark marker: the source's watermark, in epoch milliseconds. */
export const WATERMARK_HEADER = 'aiops.watermark';
/**
 * On a watermark marker: the tenants whose clock is behind the source's watermark, as a JSON array of
 * [tenant, epoch ms]. Every tenant not listed is at the source's watermark. Each marker lists them all
 * (it replaces the previous marker's list), so a consumer needs only the latest marker of each source.
 */
export const TENANT_WATERMARKS_HEADER = 'aiops.tenant-watermarks';

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
  /** Tenants behind `watermarkMs`, with their own watermark (see TENANT_WATERMARKS_HEADER). */
  readonly tenants?: ReadonlyArray<readonly [string, number]>;
}

/** One marker per partition `0 … partitions-1` of the topic. */
export function watermarkMarkers(partitions: number, marker: WatermarkMarker): Message[] {
  const headers: Record<string, string> = {
    [WATERMARK_HEADER]: String(marker.watermarkMs),
    [SOURCE_HEADER]: formatSource(marker.source),
  };
  if (marker.tenants !== undefined && marker.tenants.length > 0)
    headers[TENANT_WATERMARKS_HEADER] = JSON.stringify(marker.tenants);
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
  const tenantsText = headerText(message.headers, TENANT_WATERMARKS_HEADER);
  if (tenantsText === undefined) return { source: parseSource(source), watermarkMs };
  return { source: parseSource(source), watermarkMs, tenants: parseTenantWatermarks(tenantsText) };
}

function parseTenantWatermarks(text: string): Array<[string, number]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`watermark marker: ${TENANT_WATERMARKS_HEADER} is not JSON`);
  }
  const valid =
    Array.isArray(parsed) &&
    parsed.every(
      (entry: unknown) =>
        Array.isArray(entry) &&
        entry.length === 2 &&
        typeof entry[0] === 'string' &&
        Number.isSafeInteger(entry[1]),
    );
  if (!valid)
    throw new Error(
      `watermark marker: ${TENANT_WATERMARKS_HEADER} must be a JSON array of [tenant, epoch ms]`,
    );
  return parsed as Array<[string, number]>;
}
