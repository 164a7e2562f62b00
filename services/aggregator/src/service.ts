import {
  ALIGN_AT_HEADER,
  BEHIND_MS_HEADER,
  eventCodec,
  SERIES_HEADER,
  SOURCE_HEADER,
  type TelemetryEvent,
  windowCodec,
} from '@aiops/contract';
import { errorMessage, type StreamRecord, systemClock, UnrecoverableError } from '@aiops/core';
import {
  type BatchHandler,
  composeService,
  createKafka,
  createOutputProducer,
  createStreamRunner,
  deadLetter,
  decodeBatch,
  ensureTopics,
  fetchProgressClock,
  headerText,
  ProcessorDriver,
  type RunningService,
  type SourcePosition,
  topicPartitionCounts,
  watermarkMarkers,
} from '@aiops/kafka';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import { type EmittedWindow, LATE_HEADERS, WindowAggregation, type WindowOutput } from '@aiops/windowing';
import type { KafkaMessage, Message } from 'kafkajs';
import type { AggregatorConfig } from './config.js';

const SERVICE = 'aggregator';

/** Builds and starts the aggregator: canonical events → event-time window aggregates (+ late events → DLQ). */
export async function startAggregator(
  config: AggregatorConfig,
  logger: Logger,
  metrics: PipelineMetrics,
): Promise<RunningService> {
  const log = logger.child({ component: SERVICE });
  const { topics } = config;
  // Idle partitions and sources are judged on time during which this consumer could fetch: a broker
  // outage or a rebalance is not quiet input, and must close no window early.
  const progress = fetchProgressClock();
  const aggregation = new WindowAggregation(
    config,
    (operator) =>
      new ProcessorDriver<string, TelemetryEvent, string, WindowOutput>(operator, systemClock, progress),
  );
  const kafka = createKafka(config.kafka, log);
  await ensureTopics(
    kafka,
    [topics.events, topics.windows, topics.dlq].map((topic) => ({ topic, partitions: config.partitions })),
  );
  const producer = createOutputProducer(kafka);
  await producer.connect();
  const [eventsPartitions, windowsPartitions] = await topicPartitionCounts(kafka, [
    topics.events,
    topics.windows,
  ]);
  /** Late events are dead-lettered with their original bytes: kept until the batch's outputs are sent. */
  const originals = new Map<string, { message: KafkaMessage; position: SourcePosition }>();
  const windowMessage = ({ aggregate, seriesKey, behindMs, alignAt }: EmittedWindow): Message => ({
    key: config.windowsKey === 'tenant' ? aggregate.tenant_id : seriesKey,
    value: windowCodec.encode(aggregate, 'avro'),
    headers: {
      [SERIES_HEADER]: seriesKey,
      'aiops.revision': String(aggregate.revision),
      [BEHIND_MS_HEADER]: behindMs,
      ...(alignAt === undefined ? {} : { [ALIGN_AT_HEADER]: alignAt }),
    },
  });

  /** What the operator emitted and the markers due, as messages; sent, then the commits. */
  const flush = (partitions: Iterable<number>, nowMs: number, refused: Message[] = []) => {
    const { windows, late } = aggregation.drain();
    const letters = late.map((record) => lateLetter(record, originals, nowMs));
    originals.clear();
    if (letters.length > 0)
      metrics.lateEvents.inc({ service: SERVICE, outcome: 'dead_lettered' }, letters.length);
    const corrections = windows.filter((w) => w.aggregate.correction_event_id !== null).length;
    if (corrections > 0) metrics.lateEvents.inc({ service: SERVICE, outcome: 'corrected' }, corrections);
    if (windows.length > 0) metrics.produced.inc({ service: SERVICE, topic: topics.windows }, windows.length);
    const messages = windows.map(windowMessage);
    for (const due of aggregation.markersDue(partitions, nowMs)) {
      const source = { id: String(due.partition), count: eventsPartitions };
      messages.push(...watermarkMarkers(windowsPartitions, { source, ...due }));
    }
    const stats = aggregation.operator.stats();
    metrics.openWindows.set({ service: SERVICE }, stats.openWindows);
    metrics.activeSeries.set({ service: SERVICE }, stats.activeSeries);
    for (const [partition, watermark] of aggregation.watermarks())
      if (watermark > 0)
        metrics.watermarkDelay.set({ service: SERVICE, partition: String(partition) }, nowMs - watermark);
    return {
      messages,
      dlq: [...letters, ...refused],
      send: () =>
        producer.send([
          { topic: topics.windows, messages },
          { topic: topics.dlq, messages: [...letters, ...refused] },
        ]),
    };
  };
  const commitsFor = (partitions: Iterable<number>) =>
    [...partitions].flatMap((partition) => {
      const commit = aggregation.commit(partition);
      return commit === null ? [] : [{ topic: topics.events, partition, ...commit }];
    });

  const handler: BatchHandler = {
    onAssigned(assignment) {
      aggregation.assign(assignment);
    },
    async handleBatch(batch) {
      const now = Date.now();
      const decoded = decodeBatch(batch, (bytes) => eventCodec.decodeTrusted(bytes), {
        service: SERVICE,
        metrics,
        nowMs: now,
      });
      const refused = decoded.deadLetters;
      let duplicates = 0;
      decoded.items.forEach((event, index) => {
        const message = decoded.origins[index]!;
        const position = { topic: batch.topic, partition: batch.partition, offset: Number(message.offset) };
        try {
          const source = headerText(message.headers, SOURCE_HEADER);
          const outcome = aggregation.add(position, String(message.key ?? ''), event, source);
          if (outcome === 'duplicate') duplicates++;
          else if (outcome === 'added')
            originals.set(event.event_id, { message, position: { ...position, offset: message.offset } });
        } catch (error) {
          // One bad record never stops the partition: it goes to the DLQ with its reason.
          const reason = error instanceof UnrecoverableError ? error.reason : 'undecodable';
          const field = error instanceof UnrecoverableError ? error.field : undefined;
          metrics.deadLettered.inc({ service: SERVICE, reason });
          const why = { reason, message: errorMessage(error), field };
          refused.push(deadLetter(message, { ...position, offset: message.offset }, why, SERVICE, now));
        }
      });
      aggregation.endBatch(batch.partition);
      if (duplicates > 0) metrics.duplicatesDropped.inc({ service: SERVICE }, duplicates);
      const outputs = flush([batch.partition], now, refused);
      return { durable: outputs.send(), commits: commitsFor([batch.partition]) };
    },
    // Only transaction markers fetched: commits carry the watermark state (metadata), so none is made
    // without it; a restart re-reads the markers, which costs nothing.
    onSkippedRecords: () => undefined,
    async onTick(wallNowMs) {
      aggregation.driver.tick();
      const outputs = flush(aggregation.partitions(), wallNowMs);
      if (outputs.messages.length === 0 && outputs.dlq.length === 0) return undefined;
      return { durable: outputs.send(), commits: commitsFor(aggregation.partitions()) };
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
    tickIntervalMs: 1000,
    progress,
  });
  await runner.start();
  log.info(
    {
      input: topics.events,
      output: topics.windows,
      windowSizesMs: config.windowSizesMs,
      allowedLatenessMs: config.allowedLatenessMs,
      maxCorrectionAgeMs: config.maxCorrectionAgeMs,
      groupId: config.groupId,
    },
    'aggregator started',
  );
  return composeService(SERVICE, [runner], async () => {
    aggregation.driver.close();
    await producer.disconnect();
  });
}

/** A too-late event goes to the DLQ as it came (original bytes and headers), with the reason headers. */
function lateLetter(
  record: StreamRecord<string, WindowOutput>,
  originals: Map<string, { message: KafkaMessage; position: SourcePosition }>,
  now: number,
): Message {
  const event = record.value as TelemetryEvent;
  const origin = originals.get(event.event_id);
  const message: KafkaMessage =
    origin?.message ?? ({ key: null, value: eventCodec.encode(event, 'avro'), headers: {} } as never);
  const letter = deadLetter(
    message,
    origin?.position ?? { topic: 'unknown', partition: -1, offset: '-1' },
    { reason: 'late_event', message: record.headers.message ?? 'event arrived after its windows closed' },
    SERVICE,
    now,
  );
  // The operator's findings (the original's own headers, aiops.source among them, are already kept).
  for (const name of [LATE_HEADERS.window, LATE_HEADERS.watermark, LATE_HEADERS.acceptedWindows]) {
    const value = record.headers[name];
    if (value !== undefined) (letter.headers as Record<string, string>)[`aiops.dlq.${name}`] = value;
  }
  return letter;
}
