import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaLogLevel, mergeTransactionWork, producerDefaults } from '../src/index.js';

const { Partitioners, logLevel } = kafkajs;

describe('producerDefaults', () => {
  it('names the partitioner, so kafkajs does not warn about its default', () => {
    expect(producerDefaults({}).createPartitioner).toBe(Partitioners.DefaultPartitioner);
    expect(producerDefaults().createPartitioner).toBe(Partitioners.DefaultPartitioner);
  });

  it('lets an idempotent or transactional producer retry without limit, keeping the other retry settings', () => {
    expect(producerDefaults({ idempotent: true }).retry?.retries).toBe(Number.MAX_SAFE_INTEGER);
    const transactional = producerDefaults({
      transactionalId: 't',
      retry: { maxRetryTime: 5000, retries: 3 },
    });
    expect(transactional.retry).toEqual({ maxRetryTime: 5000, retries: Number.MAX_SAFE_INTEGER });
  });

  it('leaves a plain producer, and a caller-chosen partitioner, as they are', () => {
    expect(producerDefaults({ retry: { retries: 2 } }).retry).toEqual({ retries: 2 });
    const custom = Partitioners.LegacyPartitioner;
    expect(producerDefaults({ createPartitioner: custom }).createPartitioner).toBe(custom);
  });
});

describe('kafkaLogLevel', () => {
  it('logs a retried CONCURRENT_TRANSACTIONS response at debug', () => {
    const error =
      'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';
    expect(kafkaLogLevel(logLevel.ERROR, 'Response AddPartitionsToTxn(key: 24, version: 1)', error)).toBe(
      'debug',
    );
    expect(kafkaLogLevel(logLevel.ERROR, `Failed to send messages: ${error}`)).toBe('debug');
  });

  it('keeps real faults at error and warnings at warn', () => {
    expect(kafkaLogLevel(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded: connect ECONNREFUSED')).toBe(
      'error',
    );
    expect(kafkaLogLevel(logLevel.ERROR, 'SASL PLAIN authentication failed')).toBe('error');
    expect(kafkaLogLevel(logLevel.WARN, 'something odd')).toBe('warn');
    expect(kafkaLogLevel(logLevel.INFO, 'Starting')).toBe('debug');
    expect(kafkaLogLevel(logLevel.DEBUG, 'Request Fetch')).toBe('trace');
  });
});

describe('mergeTransactionWork', () => {
  const message = (value: string) => ({ key: null, value });

  it('keeps record order per topic across callers and drops empty lists', () => {
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

  it('commits the last offset given per group and partition', () => {
    const merged = mergeTransactionWork([
      { messages: [], offsets: [{ consumerGroupId: 'g', topic: 'w', partition: 0, offset: '10' }] },
      { messages: [], offsets: [{ consumerGroupId: 'g', topic: 'w', partition: 1, offset: '4' }] },
      { messages: [], offsets: [{ consumerGroupId: 'g', topic: 'w', partition: 0, offset: '12' }] },
    ]);
    expect(merged.offsets).toEqual([
      {
        consumerGroupId: 'g',
        topics: [
          {
            topic: 'w',
            partitions: [
              { partition: 0, offset: '12' },
              { partition: 1, offset: '4' },
            ],
          },
        ],
      },
    ]);
  });
});
