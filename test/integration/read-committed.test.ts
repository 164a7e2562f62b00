import { connectTransactionalProducer, readTopicToEnd } from '@aiops/kafka';
import { afterAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../setup/endpoints.js';
import { testKafka } from '../support/kafka.js';

/**
 * Every services' reader of a transactional topic (the events, windows and alerts topics) relies on
 * read_committed. kafkajs 2.2.4 drops aborted records with the broker's list of aborted transactions,
 * which comes in the order they were aborted, not by first offset; it took the list as sorted, so when
 * two producers' transactions overlap (two validator instances on one events partition, both aborted
 * by a broker failure) the one that began first and was aborted last was opened too late and its
 * aborted records were handed over as committed: duplicated events in the windows and duplicate
 * notifications. patches/kafkajs+2.2.4.patch fixes it; this is the shape, on a real broker.
 */
describe('read_committed across overlapping aborted transactions of two producers', () => {
  const kafka = testKafka();
  const topic = uniqueName('it_read_committed');
  const admin = kafka.admin();

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('hands over only the committed records', async () => {
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const a = await connectTransactionalProducer(kafka, uniqueName('it-txn-a'));
    const b = await connectTransactionalProducer(kafka, uniqueName('it-txn-b'));
    const send = (values: string[]) => ({
      topic,
      messages: values.map((value) => ({ value, partition: 0 })),
    });
    const range = (label: string, n: number) => Array.from({ length: n }, (_, i) => `${label}-${i}`);
    try {
      // A begins first, B second; B is aborted first: the broker lists [B, A], not by first offset.
      const first = await a.transaction();
      await first.send(send(range('aborted-a', 5)));
      const second = await b.transaction();
      await second.send(send(range('aborted-b', 5)));
      await second.abort();
      await first.abort();
      for (const [producer, label] of [
        [a, 'committed-a'],
        [b, 'committed-b'],
      ] as const) {
        const txn = await producer.transaction();
        await txn.send(send(range(label, 5)));
        await txn.commit();
      }
    } finally {
      await a.disconnect();
      await b.disconnect();
    }

    const read: string[] = [];
    await readTopicToEnd(kafka, topic, (message) => read.push(message.value?.toString() ?? ''));
    expect(read).toEqual([...range('committed-a', 5), ...range('committed-b', 5)]);
  });
});
