import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { createKafka } from '@aiops/kafka';
import { ensureTopics } from '@aiops/kafka';
import { createLogger } from '@aiops/ops';
import { resolveStackOptions } from '@aiops/stack';
import type { KafkaMessage } from 'kafkajs';
import { uniqueName } from '../setup/endpoints.js';

/** What the tests that start a broker of their own (SASL, TLS) share. */

type Kafka = ReturnType<typeof createKafka>;

/** The jars the default stack resolved, reused instead of a second Maven run. */
export function sharedKafkaLibs(): string | undefined {
  const libs = join(
    resolveStackOptions({}, { AIOPS_STACK_DIR: process.env.AIOPS_STACK_DIR }).dataDir,
    'kafka',
    'libs',
  );
  return existsSync(join(libs, '.resolved-3.9.1')) ? libs : undefined;
}

/** Log lines of a logger, to prove what was (not) written. */
export function capturedLogger(service: string, level = 'debug') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { lines, logger: createLogger({ service, level, destination }) };
}

/** Produces `values` to a new one-partition topic and reads them back. */
export async function roundTrip(kafka: Kafka, topic: string, values: string[]): Promise<string[]> {
  await ensureTopics(kafka, [{ topic, partitions: 1 }]);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: uniqueName('it-round-trip'), maxWaitTimeInMs: 100 });
  const got: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${got.length} of ${values.length}`)), 30_000);
      consumer
        .run({
          eachMessage: async ({ message }: { message: KafkaMessage }) => {
            got.push(message.value?.toString() ?? '');
            if (got.length >= values.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return got;
}

/** The error an admin connection ends with (kafkajs does not retry authentication failures). */
export async function connectError(kafka: Kafka): Promise<Error> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } catch (error) {
    return error as Error;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  throw new Error('expected the connection to be refused');
}
