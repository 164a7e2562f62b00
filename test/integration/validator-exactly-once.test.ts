import { eventCodec } from '@aiops/contract';
import { waitFor } from '@aiops/harness';
import { readTopicToEnd } from '@aiops/kafka';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { generateEvents } from '../support/events.js';
import { produce, testKafka, waitCaughtUp } from '../support/kafka.js';
import { TestPipeline } from '../support/pipeline.js';

/**
 * The validator is exactly-once from raw to events: SIGKILLed in the middle of a backlog and restarted
 * (same instance slot, so the killed run's open transaction is fenced), every raw event is on the events
 * topic once. With plain sends the batches in flight at the kill come out twice, and by the time they
 * reach the aggregator its event-id horizon may have passed them: they were dead-lettered as late.
 * Then a reader of the transactional events topic (the writer) catches up to its end, markers included.
 */
describe('validator: exactly once across a SIGKILL', () => {
  const pipeline = new TestPipeline({ partitions: 3 });
  const count = 60_000;

  afterAll(async () => {
    await pipeline.stopAll(5000);
    await pipeline.cleanup();
  });

  /** Records on the events topic, transactions not committed yet included (the high watermarks). */
  const eventsWritten = async (): Promise<number> => {
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(pipeline.topics.events);
      return offsets.reduce((sum, o) => sum + Number(o.high), 0);
    } finally {
      await admin.disconnect();
    }
  };

  it('every raw event is on the events topic exactly once after a SIGKILL mid-backlog', async () => {
    await pipeline.createTopics();
    const validator = await pipeline.spawn('validator');
    await validator.waitReady(90_000);

    const events = generateEvents(41, count, Date.now() - 60 * 60_000, 60);
    await produce(
      pipeline.topics.raw,
      events.map((event, i) => ({
        key: `${event.tenant_id}/${event.model}`,
        partition: i % 3,
        value: Buffer.from(JSON.stringify({ ...event, timestamp: new Date(event.timestamp).toISOString() })),
      })),
    );
    await waitFor(
      async () => (await eventsWritten()) > count / 5,
      120_000,
      'the validator to be mid-backlog',
    );
    const exit = await validator.killAndRestart();
    expect(exit).toMatchObject({ signal: 'SIGKILL' });
    const atKill = await eventsWritten();
    await validator.waitReady(90_000);
    await waitCaughtUp(pipeline.groups.validator, pipeline.topics.raw, 180_000);

    // Every transaction is settled once the validator caught up: read the committed records to the end.
    const messages: KafkaMessage[] = [];
    await readTopicToEnd(testKafka(), pipeline.topics.events, (message) => messages.push(message), 120_000);
    const ids = new Map<string, number>();
    for (const message of messages) {
      const id = eventCodec.decodeTrusted(message.value!).event_id;
      ids.set(id, (ids.get(id) ?? 0) + 1);
    }
    const duplicated = [...ids.values()].filter((n) => n > 1).length;
    // Written at the kill and aborted: the records a read_committed reader never sees.
    const aborted = (await eventsWritten()) - count;
    console.log(
      `validator SIGKILLed with ${atKill} records on the events topic (${((atKill / count) * 100).toFixed(0)} %); ` +
        `after the restart: ${messages.length} committed records, ${ids.size} distinct event ids, ` +
        `${duplicated} duplicated; offsets taken by transaction markers and aborted records ${aborted}`,
    );
    expect(duplicated, 'event ids on the events topic more than once').toBe(0);
    expect(ids.size).toBe(count);
    expect(messages.length).toBe(count);

    // A reader of the transactional topic commits past its markers: its lag reaches 0 (before, the
    // committed offset stopped at the last record and every partition showed a lag of at least 1 forever).
    await pipeline.start('writer');
    await waitCaughtUp(pipeline.groups.writer, pipeline.topics.events, 180_000);
    const client = pipeline.clickhouse();
    try {
      const rows = await client.query({
        query: `SELECT count() AS n FROM ${pipeline.database}.events FINAL`,
        format: 'JSONEachRow',
      });
      const [{ n }] = (await rows.json()) as [{ n: string }];
      expect(Number(n)).toBe(count);
    } finally {
      await client.close();
    }
  }, 600_000);
});
