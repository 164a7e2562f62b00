import { createParseContext, parseTelemetryMessage, seriesKey, type TelemetryEvent } from '@aiops/contract';
import { createTelemetryClient, type TelemetryClient } from '@aiops/sdk';
import kafkajs, { type Admin, type KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBrokers, uniqueName } from '../setup/endpoints.js';

const { Kafka, logLevel } = kafkajs;

/**
 * The SDK against the real broker: produce with the client to a fresh topic, consume back, decode with
 * the contract, and check keys, partitions, formats, backpressure and shutdown.
 */
describe('producer SDK against the real broker', () => {
  const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: 'sdk-it', logLevel: logLevel.NOTHING });
  let admin: Admin;
  const topics: string[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  async function freshTopic(partitions = 3): Promise<string> {
    const topic = uniqueName('it_sdk');
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    topics.push(topic);
    return topic;
  }

  /** Reads `count` messages of `topic` from the beginning (with their partitions). */
  async function consume(
    topic: string,
    count: number,
  ): Promise<{ partition: number; message: KafkaMessage }[]> {
    const consumer = kafka.consumer({ groupId: uniqueName('it_sdk_group') });
    const got: { partition: number; message: KafkaMessage }[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timeout = setTimeout(() => reject(new Error(`got ${got.length} of ${count} messages`)), 60_000);
        void consumer.run({
          eachMessage: async ({ partition, message }) => {
            got.push({ partition, message });
            if (got.length >= count) {
              clearTimeout(timeout);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    return got;
  }

  const now = Date.now();
  const series = [
    { tenant_id: 'acme', application: 'support-bot', provider: 'openai', model: 'gpt-4o', operation: 'chat' },
    {
      tenant_id: 'acme',
      application: 'support|bot',
      provider: 'anthropic',
      model: 'claude-sonnet-4',
      operation: 'chat',
    },
    {
      tenant_id: 'globex',
      application: 'search',
      provider: 'openai',
      model: 'text-embedding-3-small',
      operation: 'embeddings',
    },
  ];
  const input = (i: number) => ({
    event_id: `evt-${i}`,
    timestamp: now - 1000 + i,
    ...(series[i % series.length] as (typeof series)[number]),
    input_tokens: 100 + i,
    output_tokens: i % 7,
    duration_ms: 10 + i / 4,
    'gen_ai.response.model': 'resp-model',
    attributes: { i },
  });

  const parseCtx = () => ({
    ...createParseContext({ priceTable: null, userIdSalt: null }),
    nowMs: Date.now(),
  });

  it.each(['avro', 'json'] as const)(
    'produces %s events that the contract decodes back, keyed by series',
    async (format) => {
      const topic = await freshTopic(3);
      const client = createTelemetryClient({
        brokers: kafkaBrokers(),
        topic,
        format,
        lingerMs: 20,
        maxBatch: 100,
      });
      const n = 600;
      for (let i = 0; i < n; i++) expect(client.record(input(i))).toBe(true);
      await client.flush();
      expect(client.stats()).toMatchObject({ accepted: n, sent: n, buffered: 0, dropped: 0 });
      await client.close();

      const messages = await consume(topic, n);
      const ctx = parseCtx();
      const events = new Map<string, TelemetryEvent>();
      const partitionOfKey = new Map<string, number>();
      for (const { partition, message } of messages) {
        const value = message.value as Buffer;
        expect(value[0]).toBe(format === 'avro' ? 0xc3 : 0x7b);
        const result = parseTelemetryMessage(value, ctx);
        if (!result.ok) throw result.error;
        expect(result.format).toBe(format);
        const key = (message.key as Buffer).toString('utf8');
        expect(key).toBe(seriesKey(result.event));
        expect(Number(message.timestamp)).toBe(result.event.timestamp);
        // One series, one partition: the order per series is the order the producer recorded.
        expect(partitionOfKey.get(key) ?? partition).toBe(partition);
        partitionOfKey.set(key, partition);
        events.set(result.event.event_id, result.event);
      }
      expect(events.size).toBe(n);
      expect(partitionOfKey.size).toBe(series.length);
      expect(events.get('evt-4')).toMatchObject({
        tenant_id: 'acme',
        application: 'support|bot',
        response_model: 'resp-model',
        input_tokens: 104,
        attributes: { i: '4' },
        environment: 'production',
        event_type: 'llm_call',
      });
    },
  );

  it('returns false and counts drops when its buffer is full, then sends what it kept', async () => {
    const topic = await freshTopic(1);
    const client = createTelemetryClient({
      brokers: kafkaBrokers(),
      topic,
      lingerMs: 60_000,
      maxBatch: 50,
      maxBuffered: 50,
    });
    // maxBatch == maxBuffered: the 50th record starts a send; records while it is in flight are refused.
    const results = Array.from({ length: 80 }, (_, i) => client.record(input(i)));
    const accepted = results.filter(Boolean).length;
    expect(accepted).toBe(50);
    expect(client.stats().dropped).toBe(30);
    await client.close();
    expect(client.stats()).toMatchObject({ sent: 50, buffered: 0 });
    const messages = await consume(topic, 50);
    expect(messages).toHaveLength(50);
  });

  it('flush and close are safe to call twice; record after close returns false', async () => {
    const topic = await freshTopic(1);
    const client: TelemetryClient = createTelemetryClient({ brokers: kafkaBrokers(), topic, lingerMs: 5 });
    await client.flush(); // nothing recorded yet
    client.record(input(1));
    await Promise.all([client.flush(), client.flush()]);
    const first = client.close();
    expect(client.close()).toBe(first);
    await first;
    await client.close();
    expect(client.record(input(2))).toBe(false);
    expect(client.stats()).toMatchObject({ sent: 1, droppedAfterClose: 1 });
    expect(await consume(topic, 1)).toHaveLength(1);
  });

  it('close() gives up after flushTimeoutMs when the broker is unreachable, saying how many were lost', async () => {
    const client = createTelemetryClient({ brokers: ['127.0.0.1:1'], lingerMs: 1, flushTimeoutMs: 1_500 });
    client.record(input(1));
    client.record(input(2));
    const started = Date.now();
    await expect(client.close()).rejects.toThrow('telemetry client closed with 2 event(s) unsent');
    // Bounded by flushTimeoutMs even while kafkajs is still retrying its connection.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(client.stats()).toMatchObject({ sent: 0, dropped: 2, buffered: 0 });
  });
});
