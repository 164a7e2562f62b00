import { readFileSync } from 'node:fs';
import {
  createParseContext,
  DEFAULT_PRICE_TABLE_URL,
  HttpSchemaRegistry,
  loadPriceTable,
} from '@aiops/contract';
import {
  type BatchHandler,
  composeService,
  createKafka,
  createOutputProducer,
  createStreamRunner,
  deadLetter,
  ensureTopics,
  type RunningService,
} from '@aiops/kafka';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import type { ValidatorConfig } from './config.js';
import { RecentIds } from './recent-ids.js';
import { validateMessages } from './validate.js';

const SERVICE = 'validator';
/** Header naming the raw partition an event came from; the aggregator's watermarks are per source. */
export const SOURCE_HEADER = 'aiops.source';

/** Builds and starts the validator: raw topic → canonical events topic (keyed by series) + DLQ. */
async function partitionCount(kafka: ReturnType<typeof createKafka>, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    return metadata.topics[0]?.partitions.length ?? 1;
  } finally {
    await admin.disconnect();
  }
}

export async function startValidator(
  config: ValidatorConfig,
  logger: Logger,
  metrics: PipelineMetrics,
): Promise<RunningService> {
  const log = logger.child({ component: SERVICE });
  const priceTable = loadPriceTable(
    JSON.parse(readFileSync(config.priceTablePath ?? DEFAULT_PRICE_TABLE_URL, 'utf8')) as unknown,
  );
  const baseContext = createParseContext({
    priceTable,
    userIdSalt: config.userIdSalt,
    ...(config.schemaRegistryUrl
      ? { registry: new HttpSchemaRegistry({ url: config.schemaRegistryUrl, fetch: globalThis.fetch }) }
      : {}),
  });
  const recentIds = new RecentIds(config.dedupCapacity);
  const kafka = createKafka(config.kafka, log);
  const { topics } = config;
  await ensureTopics(kafka, [
    { topic: topics.raw, partitions: config.partitions },
    { topic: topics.events, partitions: config.partitions },
    { topic: topics.dlq, partitions: config.partitions },
  ]);
  const producer = createOutputProducer(kafka);
  await producer.connect();
  const rawPartitions = await partitionCount(kafka, topics.raw);

  const handler: BatchHandler = {
    async handleBatch(batch) {
      const values = batch.messages.map((m) => m.value).filter((v): v is Buffer => v !== null);
      await baseContext.decoder.prefetch(values);
      const now = Date.now();
      const result = validateMessages(
        batch.messages,
        { ...baseContext, nowMs: now },
        recentIds,
        config.maxMessageBytes,
      );
      // `partition/count`: the aggregator keeps one watermark per raw partition (see windowing).
      const source = `${batch.partition}/${rawPartitions}`;
      const position = { topic: batch.topic, partition: batch.partition };
      const deadLetters = result.rejected.map((r) => {
        metrics.deadLettered.inc({ service: SERVICE, reason: r.reason });
        const original = batch.messages[r.index]!;
        return deadLetter(original, { ...position, offset: original.offset }, r, SERVICE, now);
      });
      if (result.duplicates > 0) metrics.duplicatesDropped.inc({ service: SERVICE }, result.duplicates);
      metrics.produced.inc({ service: SERVICE, topic: topics.events }, result.valid.length);
      if (result.rejected.length > 0) {
        log.debug(
          { partition: batch.partition, rejected: result.rejected.length, first: result.rejected[0]?.reason },
          'messages dead-lettered',
        );
      }
      return {
        durable: producer.send([
          {
            topic: topics.events,
            // The source partition lets the aggregator keep one watermark per source (see windowing).
            messages: result.valid.map((v) => ({
              key: v.key,
              value: v.value,
              headers: { [SOURCE_HEADER]: source },
            })),
          },
          { topic: topics.dlq, messages: deadLetters },
        ]),
      };
    },
  };

  const runner = createStreamRunner({
    kafka,
    service: SERVICE,
    groupId: config.groupId,
    topics: [topics.raw],
    handler,
    logger: log,
    metrics,
  });
  await runner.start();
  log.info(
    { input: topics.raw, output: topics.events, dlq: topics.dlq, groupId: config.groupId },
    'validator started',
  );
  return composeService(SERVICE, [runner], () => producer.disconnect());
}
