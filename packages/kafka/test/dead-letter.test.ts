import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS, deadLetter } from '../src/index.js';

describe('deadLetter', () => {
  it('keeps the original key, bytes and headers and adds why and where from', () => {
    const original = {
      key: Buffer.from('k'),
      value: Buffer.from([1, 2, 3]),
      headers: { 'trace-id': Buffer.from('abc') },
      offset: '42',
      timestamp: '0',
      attributes: 0,
      size: 3,
    } as unknown as KafkaMessage;
    const letter = deadLetter(
      original,
      { topic: 'raw', partition: 2, offset: '42' },
      { reason: 'truncated_avro', field: 'duration_ms', message: 'x'.repeat(5000) },
      'validator',
      1234,
    );
    expect(letter.key).toBe(original.key);
    expect(letter.value).toBe(original.value);
    const headers = letter.headers as Record<string, unknown>;
    expect(headers['trace-id']).toEqual(Buffer.from('abc'));
    expect(headers[DLQ_HEADERS.reason]).toBe('truncated_avro');
    expect(headers[DLQ_HEADERS.field]).toBe('duration_ms');
    expect((headers[DLQ_HEADERS.message] as string).length).toBe(1000);
    expect(headers[DLQ_HEADERS.sourceTopic]).toBe('raw');
    expect(headers[DLQ_HEADERS.sourcePartition]).toBe('2');
    expect(headers[DLQ_HEADERS.sourceOffset]).toBe('42');
    expect(headers[DLQ_HEADERS.service]).toBe('validator');
    expect(headers[DLQ_HEADERS.failedAt]).toBe('1234');
  });
});
