import { createPipelineMetrics } from '@aiops/ops';
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  DLQ_HEADERS,
  decodeBatch,
  readWatermarkMarker,
  SOURCE_HEADER,
  WATERMARK_HEADER,
  watermarkMarkers,
} from '../src/index.js';

/** A marker as a consumer receives it: header values as Buffers. */
function received(
  message: { value?: Buffer | string | null; headers?: Record<string, unknown> },
  offset = 0,
): KafkaMessage {
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(message.headers ?? {}))
    headers[name] = Buffer.from(String(value));
  return {
    key: null,
    value: typeof message.value === 'string' ? Buffer.from(message.value) : (message.value ?? null),
    headers,
    offset: String(offset),
  } as unknown as KafkaMessage;
}

describe('watermark markers', () => {
  it('go to every partition, with no value, and read back as they were sent', () => {
    const markers = watermarkMarkers(3, { source: { id: '2', count: 6 }, watermarkMs: 1_700_000_060_000 });
    expect(markers.map((m) => m.partition)).toEqual([0, 1, 2]);
    for (const marker of markers) {
      expect(marker.value).toBeNull();
      expect(readWatermarkMarker(received(marker))).toEqual({
        source: { id: '2', count: 6 },
        watermarkMs: 1_700_000_060_000,
      });
    }
  });

  it('are told apart from records with a value and from empty records without the header', () => {
    expect(
      readWatermarkMarker(received({ value: Buffer.from('x'), headers: { [WATERMARK_HEADER]: '5' } })),
    ).toBeNull();
    expect(readWatermarkMarker(received({ headers: { other: '1' } }))).toBeNull();
  });

  it('say what is wrong with a marker whose headers do not parse', () => {
    expect(() =>
      readWatermarkMarker(received({ headers: { [WATERMARK_HEADER]: 'soon', [SOURCE_HEADER]: '0/1' } })),
    ).toThrow('aiops.watermark "soon" is not an integer');
    expect(() => readWatermarkMarker(received({ headers: { [WATERMARK_HEADER]: '5' } }))).toThrow(
      'aiops.source header missing',
    );
  });

  it('are set apart by decodeBatch; a bad marker is dead-lettered like any undecodable record', () => {
    const good = watermarkMarkers(1, { source: { id: '0', count: 2 }, watermarkMs: 60_000 })[0]!;
    const batch = {
      topic: 'windows',
      partition: 0,
      highWatermark: '4',
      nextOffset: '4',
      messages: [
        received({ value: Buffer.from('7') }, 0),
        received(good, 1),
        received({ headers: { [WATERMARK_HEADER]: 'x', [SOURCE_HEADER]: '0/2' } }, 2),
        received({}, 3),
      ],
    };
    const decoded = decodeBatch(batch, (bytes) => Number(bytes.toString()), {
      service: 'test',
      metrics: createPipelineMetrics(),
      nowMs: 0,
    });
    expect(decoded.items).toEqual([7]);
    expect(decoded.markers).toEqual([{ source: { id: '0', count: 2 }, watermarkMs: 60_000 }]);
    expect(
      decoded.deadLetters.map((d) => (d.headers as Record<string, string>)[DLQ_HEADERS.sourceOffset]),
    ).toEqual(['2', '3']);
  });
});
