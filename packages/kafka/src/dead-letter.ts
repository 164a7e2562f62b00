import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

/** Header names on every dead letter; documented in the README. */
export const DLQ_HEADERS = {
  reason: 'aiops.dlq.reason',
  field: 'aiops.dlq.field',
  message: 'aiops.dlq.message',
  service: 'aiops.dlq.service',
  sourceTopic: 'aiops.dlq.source.topic',
  sourcePartition: 'aiops.dlq.source.partition',
  sourceOffset: 'aiops.dlq.source.offset',
  failedAt: 'aiops.dlq.failed_at',
} as const;

export interface DeadLetterReason {
  reason: string;
  message: string;
  field?: string | undefined;
}

export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
}

const MAX_REASON_CHARS = 1000;

/**
 * The original bytes, key and headers, plus headers that say why and where from: enough to replay
 * the message after a fix, and to find its origin without reading the payload.
 */
export function deadLetter(
  original: KafkaMessage,
  source: SourcePosition,
  why: DeadLetterReason,
  service: string,
  failedAtMs: number,
): Message {
  const headers: IHeaders = { ...(original.headers ?? {}) };
  headers[DLQ_HEADERS.reason] = why.reason;
  headers[DLQ_HEADERS.message] = why.message.slice(0, MAX_REASON_CHARS);
  if (why.field) headers[DLQ_HEADERS.field] = why.field.slice(0, MAX_REASON_CHARS);
  headers[DLQ_HEADERS.service] = service;
  headers[DLQ_HEADERS.sourceTopic] = source.topic;
  headers[DLQ_HEADERS.sourcePartition] = String(source.partition);
  headers[DLQ_HEADERS.sourceOffset] = source.offset;
  headers[DLQ_HEADERS.failedAt] = String(failedAtMs);
  return { key: original.key, value: original.value, headers };
}
