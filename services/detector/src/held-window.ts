import { ALIGN_AT_HEADER, BEHIND_MS_HEADER, SERIES_HEADER, seriesKey, windowCodec } from '@aiops/contract';
import type { AlignedWindow } from '@aiops/detectors';
import { headerText } from '@aiops/kafka';
import type { KafkaMessage } from 'kafkajs';
import type { HeldWindowJson } from './state-store.js';

/**
 * A window consumed and waiting for the event-time clock, with the record's value as it came (kept for
 * the checkpoint and the DLQ, so it is never encoded again) and its offset.
 */
export interface HeldWindow extends AlignedWindow {
  readonly value: Buffer;
  readonly offset: string;
}

/** A windows record as the detector holds it: its headers say its series, lag and place in event time. */
export function heldFromRecord(window: HeldWindow['window'], message: KafkaMessage): HeldWindow {
  return {
    window,
    series: headerText(message.headers, SERIES_HEADER) ?? seriesKey(window),
    value: message.value!,
    offset: message.offset,
    behind: behindOf(message),
    ...alignAtOf(message),
  };
}

export const heldToJson = (held: HeldWindow): HeldWindowJson => ({
  offset: held.offset,
  value: held.value.toString('base64'),
  ...(held.behind > 0 ? { behind: held.behind } : {}),
  ...(held.at === undefined ? {} : { at: held.at }),
});

export const heldFromJson = (json: HeldWindowJson): HeldWindow => {
  const value = Buffer.from(json.value, 'base64');
  const window = windowCodec.decodeTrusted(value);
  const held = { offset: json.offset, value, window, series: seriesKey(window), behind: json.behind ?? 0 };
  return json.at === undefined ? held : { ...held, at: json.at };
};

function alignAtOf(message: KafkaMessage): { at?: number } {
  const value = Number(headerText(message.headers, ALIGN_AT_HEADER) ?? 'NaN');
  return Number.isFinite(value) ? { at: value } : {};
}

function behindOf(message: KafkaMessage): number {
  const value = Number(headerText(message.headers, BEHIND_MS_HEADER) ?? '0');
  return Number.isFinite(value) && value > 0 ? value : 0;
}
