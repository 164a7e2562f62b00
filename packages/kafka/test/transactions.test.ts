import { describe, expect, it } from 'vitest';
import { mergeTransactionWork } from '../src/transactions.js';

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
