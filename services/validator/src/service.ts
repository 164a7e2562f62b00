import { readFileSync } from 'node:fs';
import {
  type Alert,
  alertCodec,
  createParseContext,
  DEFAULT_PRICE_TABLE_URL,
  HttpSchemaRegistry,
  loadPriceTable,
  resolveLimits,
} from '@aiops/contract';
import { formatSource } from '@aiops/core';
import {
  type BatchHandler,
  composeService,
  connectBatchDelivery,
  createKafka,
  createStreamRunner,
  deadLetter,
  ensureTopics,
  type OutputMessages,
  type RunningService,
  SOURCE_HEADER,
  topicPartitionCounts,
} from '@aiops/kafka';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import type { Message } from 'kafkajs';
import { CardinalityTracker } from './cardinality.js';
import type { ValidatorConfig } from './config.js';
import { RecentIds } from './recent-ids.js';
import { validateMessages } from './validate.js';

const SERVICE = 'validator';
/** On a dead letter whose value was cut (an oversized message): the original size in bytes. */
export const DLQ_ORIGINAL_BYTES_HEADER = 'aiops.dlq.original_bytes';

/** Builds and starts the validator: raw topic → canonical events topic (keyed by series) + DLQ. */
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
    // The service's own bounds replace the contract's defaults, so what the config says is what holds.
    limits: resolveLimits({
      maxMessageBytes: config.maxMessageBytes,
      maxPastMs: config.maxPastMs,
      maxFutureMs: config.maxFutureMs,
    }),
    ...(config.schemaRegistryUrl
      ? { registry: new HttpSchemaRegistry({ url: config.schemaRegistryUrl, fetch: globalThis.fetch }) }
      : {}),
  });
  const recentIds = new RecentIds(config.dedupCapacity);
  const cardinality = new CardinalityTracker({
    maxSeriesPerTenant: config.maxSeriesPerTenant,
    periodMs: config.cardinalityPeriodMs,
    maxTrackedSeries: config.maxTrackedSeries,
  });
  const kafka = createKafka(config.kafka, log);
  const { topics } = config;
  await ensureTopics(kafka, [
    { topic: topics.raw, partitions: config.partitions },
    { topic: topics.events, partitions: config.partitions },
    { topic: topics.dlq, partitions: config.partitions },
    // Cardinality warnings go to the alerts topic, which the detector otherwise creates.
    { topic: topics.alerts, partitions: config.partitions },
  ]);
  // Exactly-once by default: a SIGKILL mid-backlog aborts what was not committed, and the restart (same
  // instance id: the killed run is fenced at once) produces it again, once.
  const deliver = await connectBatchDelivery(kafka, {
    guarantee: config.processingGuarantee,
    groupId: config.groupId,
    instanceId: config.instanceId,
    maxRequestBytes: config.maxSendBytes,
  });
  const [rawPartitions] = await topicPartitionCounts(kafka, [topics.raw]);

  const handler: BatchHandler = {
    async handleBatch(batch) {
      const started = performance.now();
      const values = batch.messages.map((m) => m.value).filter((v): v is Buffer => v !== null);
      await baseContext.decoder.prefetch(values);
      const now = Date.now();
      const result = validateMessages(
        batch.messages,
        { ...baseContext, nowMs: now },
        recentIds,
        config.maxMessageBytes,
        cardinality,
      );
      // `partition/count`: the aggregator keeps one watermark per raw partition (see windowing).
      const source = formatSource({ id: String(batch.partition), count: rawPartitions });
      const position = { topic: batch.topic, partition: batch.partition };
      const perReason = new Map<string, number>();
      const deadLetters = result.rejected.map((r) => {
        perReason.set(r.reason, (perReason.get(r.reason) ?? 0) + 1);
        const original = batch.messages[r.index]!;
        const letter = deadLetter(original, { ...position, offset: original.offset }, r, SERVICE, now);
        return boundDeadLetter(letter, config.maxMessageBytes, config.deadLetterMaxBytes);
      });
      for (const [reason, count] of perReason) metrics.deadLettered.inc({ service: SERVICE, reason }, count);
      if (result.duplicates > 0) metrics.duplicatesDropped.inc({ service: SERVICE }, result.duplicates);
      if (result.folded.model > 0)
        metrics.seriesFolded.inc({ service: SERVICE, level: 'model' }, result.folded.model);
      if (result.folded.series > 0)
        metrics.seriesFolded.inc({ service: SERVICE, level: 'series' }, result.folded.series);
      metrics.activeSeries.set({ service: SERVICE }, cardinality.trackedSeries);
      for (const alert of result.alerts) {
        metrics.alerts.inc({ service: SERVICE, detector: alert.detector, status: alert.status });
        log.warn(
          { tenant: alert.tenant_id, limit: config.maxSeriesPerTenant, alertId: alert.alert_id },
          alert.summary,
        );
      }
      if (result.alerts.length > 0) {
        metrics.produced.inc({ service: SERVICE, topic: topics.alerts }, result.alerts.length);
      }
      metrics.produced.inc({ service: SERVICE, topic: topics.events }, result.valid.length);
      if (result.rejected.length > 0) {
        log.debug(
          { partition: batch.partition, rejected: result.rejected.length, first: result.rejected[0]?.reason },
          'messages dead-lettered',
        );
      }
      const output: OutputMessages[] = [
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
        { topic: topics.alerts, messages: result.alerts.map(alertMessage) },
      ];
      const outcome = deliver.send(output, { ...position, offset: batch.nextOffset });
      metrics.handleDuration.observe({ service: SERVICE }, (performance.now() - started) / 1000);
      return outcome;
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
  return composeService(SERVICE, [runner], () => deliver.close());
}

/** Keyed by fingerprint, like the detector's alerts, so one tenant's warnings stay in order. */
function alertMessage(alert: Alert): Message {
  return {
    key: alert.fingerprint,
    value: alertCodec.encode(alert, 'avro'),
    headers: { 'aiops.alert.status': alert.status, 'aiops.alert.detector': alert.detector },
  };
}

/**
 * A dead letter carries the original bytes, except for a message above the validator's own size limit:
 * re-publishing it whole (plus the dead-letter headers) could exceed the broker's message.max.bytes and
 * wedge the validator on it, and no replay could succeed anyway. Its first `keepBytes` are kept (enough
 * to see who sent it) and the original size goes to the header aiops.dlq.original_bytes.
 */
export function boundDeadLetter(letter: Message, limitBytes: number, keepBytes: number): Message {
  const value = letter.value;
  if (!Buffer.isBuffer(value) || value.length <= limitBytes) return letter;
  return {
    ...letter,
    value: value.subarray(0, Math.min(keepBytes, limitBytes)),
    headers: { ...letter.headers, [DLQ_ORIGINAL_BYTES_HEADER]: String(value.length) },
  };
}
