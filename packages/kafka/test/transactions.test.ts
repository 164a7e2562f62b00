import { describe, expect, it } from 'vitest';
import {
  isConcurrentTransactionError,
  mergeTransactionWork,
  retryConcurrentTransaction,
} from '../src/transactions.js';

const message = (value: string) => ({ key: null, value });

describe('mergeTransactionWork', () => {
  it('keeps each topic’s records in publish order and drops topics with nothing to send', () => {
    const merged = mergeTransactionWork([
      {
        messages: [
          { topic: 'alerts', messages: [message('a1')] },
          { topic: 'dlq', messages: [] },
        ],
      },
      {
        messages: [
          { topic: 'state', messages: [message('s1')] },
          { topic: 'alerts', messages: [message('a2')] },
        ],
      },
    ]);
    expect(merged.topicMessages).toEqual([
      { topic: 'alerts', messages: [message('a1'), message('a2')] },
      { topic: 'state', messages: [message('s1')] },
    ]);
    expect(merged.offsets).toEqual([]);
  });

  it('commits the last offset given per group and partition, across works and within one', () => {
    const merged = mergeTransactionWork([
      {
        messages: [],
        offsets: [
          { consumerGroupId: 'detector', topic: 'windows', partition: 0, offset: '10' },
          { consumerGroupId: 'detector', topic: 'windows', partition: 1, offset: '7' },
        ],
      },
      {
        messages: [],
        offsets: [{ consumerGroupId: 'detector', topic: 'windows', partition: 0, offset: '12' }],
      },
      {
        messages: [],
        offsets: [{ consumerGroupId: 'notifier', topic: 'alerts', partition: 2, offset: '3' }],
      },
    ]);
    expect(merged.offsets).toEqual([
      {
        consumerGroupId: 'detector',
        topics: [
          {
            topic: 'windows',
            partitions: [
              { partition: 0, offset: '12' },
              { partition: 1, offset: '7' },
            ],
          },
        ],
      },
      {
        consumerGroupId: 'notifier',
        topics: [{ topic: 'alerts', partitions: [{ partition: 2, offset: '3' }] }],
      },
    ]);
  });
});

describe('retryConcurrentTransaction (kafkajs does not retry AddOffsetsToTxn, tulios/kafkajs#430)', () => {
  // The shape kafkajs gives a broker's CONCURRENT_TRANSACTIONS answer (KafkaJSProtocolError).
  const refusal = Object.assign(
    new Error(
      'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
    ),
    { type: 'CONCURRENT_TRANSACTIONS', code: 51, retriable: false },
  );

  it('asks again, after doubling waits, while the coordinator is still completing the previous transaction', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retryConcurrentTransaction(
      async () => {
        calls++;
        if (calls <= 4) throw refusal;
        return 'added';
      },
      { sleep: async (ms) => void waits.push(ms) },
    );
    expect(result).toBe('added');
    expect(waits).toEqual([10, 20, 40, 80]);
  });

  it('throws any other error at once, and the refusal itself after the longest wait', async () => {
    const fenced = Object.assign(new Error('There is a newer producer with the same transactionalId'), {
      type: 'INVALID_PRODUCER_EPOCH',
    });
    let calls = 0;
    await expect(
      retryConcurrentTransaction(
        async () => {
          calls++;
          throw fenced;
        },
        { sleep: async () => undefined },
      ),
    ).rejects.toBe(fenced);
    expect(calls).toBe(1);
    const waits: number[] = [];
    await expect(
      retryConcurrentTransaction(
        async () => {
          throw refusal;
        },
        { maxWaitMs: 3_000, sleep: async (ms) => void waits.push(ms) },
      ),
    ).rejects.toBe(refusal);
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3_000);
    expect(Math.max(...waits)).toBe(1_000);
  });

  it('knows the refusal by its type or, from older kafkajs, by its message', () => {
    expect(isConcurrentTransactionError(refusal)).toBe(true);
    expect(isConcurrentTransactionError(new Error(refusal.message))).toBe(true);
    expect(isConcurrentTransactionError(new Error('The coordinator is not available'))).toBe(false);
    expect(isConcurrentTransactionError('CONCURRENT_TRANSACTIONS')).toBe(false);
  });
});
