import { errorMessage } from '@aiops/core';
import type { PipelineMetrics } from '@aiops/ops';
import type { KafkaMessage, Message } from 'kafkajs';
import { deadLetter } from './dead-letter.js';
import type { InputBatch } from './runner.js';
import { readWatermarkMarker, type WatermarkMarker } from './watermark-marker.js';

export interface DecodedBatch<T> {
  /** Decoded values, in batch order. */
  readonly items: T[];
  /** The message each item came from (same index). */
  readonly origins: KafkaMessage[];
  /** Messages that could not be decoded, ready for the DLQ (reason `undecodable`). */
  readonly deadLetters: Message[];
  /** Watermark markers among the messages, in batch order (not items: a consumer that needs none skips them). */
  readonly markers: WatermarkMarker[];
}

/**
 * Decodes every message of a batch from one of the pipeline's own topics. A message that does not
 * decode is dead-lettered (and counted) instead of stopping the partition behind it. Watermark markers
 * are set apart.
 */
export function decodeBatch<T>(
  batch: InputBatch,
  decode: (bytes: Buffer) => T,
  context: { service: string; metrics: PipelineMetrics; nowMs: number },
): DecodedBatch<T> {
  const items: T[] = [];
  const origins: KafkaMessage[] = [];
  const deadLetters: Message[] = [];
  const markers: WatermarkMarker[] = [];
  for (const message of batch.messages) {
    try {
      if (message.value === null) {
        const marker = readWatermarkMarker(message);
        if (marker === null) throw new Error('message has no value');
        markers.push(marker);
        continue;
      }
      items.push(decode(message.value));
      origins.push(message);
    } catch (error) {
      context.metrics.deadLettered.inc({ service: context.service, reason: 'undecodable' });
      deadLetters.push(
        deadLetter(
          message,
          { topic: batch.topic, partition: batch.partition, offset: message.offset },
          { reason: 'undecodable', message: errorMessage(error) },
          context.service,
          context.nowMs,
        ),
      );
    }
  }
  return { items, origins, deadLetters, markers };
}
