import { eventCodec } from '@aiops/contract';
import {
  type BatchHandler,
  composeService,
  createKafka,
  createOutputProducer,
  createStreamRunner,
  decodeBatch,
  ensureTopics,
  type RunningService,
} from '@aiops/kafka';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import { ReviewRouter, reviewItemCodec } from '@aiops/review';
import type { Message } from 'kafkajs';
import type { ReviewerConfig } from './config.js';

const SERVICE = 'reviewer';

/**
 * Builds and starts the reviewer: validated events → review items on the review topic (key = trace id).
 * At least once: a batch's offsets are committed after its items are acknowledged; item ids are hashes
 * of the event id, so a redelivered item collapses in review_items.
 */
export async function startReviewer(
  config: ReviewerConfig,
  logger: Logger,
  metrics: PipelineMetrics,
): Promise<RunningService> {
  const log = logger.child({ component: SERVICE });
  // The rules are checked before anything connects: a bad key fails the start with its name.
  const router = new ReviewRouter(config.review);
  const { topics } = config;
  const kafka = createKafka(config.kafka, log);
  await ensureTopics(kafka, [
    { topic: topics.events, partitions: config.partitions },
    { topic: topics.review, partitions: config.partitions },
    { topic: topics.dlq, partitions: config.partitions },
  ]);
  const producer = createOutputProducer(kafka);
  await producer.connect();

  const handler: BatchHandler = {
    async handleBatch(batch) {
      const now = Date.now();
      const decoded = decodeBatch(batch, (bytes) => eventCodec.decodeTrusted(bytes), {
        service: SERVICE,
        metrics,
        nowMs: now,
      });
      const items: Message[] = [];
      for (const event of decoded.items) {
        const decision = router.route(event);
        if (decision.kind === 'ignored') continue;
        if (decision.kind === 'queued') {
          const { item } = decision;
          items.push({ key: item.trace_id ?? item.event_id, value: reviewItemCodec.encode(item) });
        }
        metrics.reviewItems.inc({
          service: SERVICE,
          outcome: decision.kind === 'queued' ? 'queued' : decision.reason,
        });
        if (decision.kind === 'dropped' && decision.capReached)
          log.warn(
            { ...decision.capReached, counts: router.counts()[decision.capReached.tenant_id] },
            'review cap reached: further items of this tenant are dropped (counted) until the next cap window',
          );
      }
      const durable = producer
        .send([
          { topic: topics.review, messages: items },
          { topic: topics.dlq, messages: decoded.deadLetters },
        ])
        .then(() => metrics.produced.inc({ service: SERVICE, topic: topics.review }, items.length));
      return { durable };
    },
  };

  const runner = createStreamRunner({
    kafka,
    service: SERVICE,
    groupId: config.groupId,
    topics: [topics.events],
    handler,
    logger: log,
    metrics,
  });
  await runner.start();
  log.info({ input: topics.events, output: topics.review, groupId: config.groupId }, 'reviewer started');
  return composeService(SERVICE, [runner], async () => {
    log.info({ counts: router.counts() }, 'reviewer stopped');
    await producer.disconnect();
  });
}
