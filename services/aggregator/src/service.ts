import {
  BEHIND_MS_HEADER,
  eventCodec,
  SERIES_HEADER,
  SOURCE_HEADER,
  type TelemetryEvent,
  type WindowAggregate,
  windowCodec,
} from '@aiops/contract';
import { errorMessage, type StreamRecord, UnrecoverableError } from '@aiops/core';
import {
  type AssignedPartition,
  type BatchHandler,
  type CommitRequest,
  composeService,
  createKafka,
  createOutputProducer,
  createStreamRunner,
  deadLetter,
  ensureTopics,
  ProcessorDriver,
  type RunningService,
  type SourcePosition,
  topicPartitionCounts,
  watermarkMarkers,
} from '@aiops/kafka';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import {
  type Checkpoint,
  LATE_HEADERS,
  LATE_OUTPUT,
  NO_WATERMARK,
  type UnseenGiveUp,
  type WatermarkPosition,
  WindowOperator,
  type WindowOutput,
} from '@aiops/windowing';
import type { KafkaMessage, Message } from 'kafkajs';
import type { AggregatorConfig } from './config.js';
import { EventIdFilter } from './dedup.js';

const SERVICE = 'aggregator';

/** What the aggregator keeps in the committed offset's metadata, to resume a partition exactly. */
interface CommitMetadata {
  v: 1;
  watermark: number;
  /** The per-source state behind the watermark: a replay then holds back and advances as the original did. */
  position?: WatermarkPosition;
  /** Where the original stopped waiting for unseen sources, when the replay will pass that point. */
  unseenGiveUp?: UnseenGiveUp;
}

/** Kafka's default limit on commit metadata (offset.metadata.max.bytes) is 4096 bytes. */
const MAX_METADATA_CHARS = 4000;

function isPosition(value: unknown): value is WatermarkPosition {
  const p = value as Partial<WatermarkPosition> | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.watermarkMs === 'number' &&
    typeof p.expectedSources === 'number' &&
    typeof p.unseenGivenUp === 'boolean' &&
    Array.isArray(p.sources) &&
    p.sources.every(
      (s: unknown) => Array.isArray(s) && typeof s[0] === 'string' && typeof s[1] === 'number',
    ) &&
    (p.tenants === undefined ||
      (Array.isArray(p.tenants) &&
        p.tenants.every(
          (t: unknown) =>
            Array.isArray(t) &&
            t.length === 6 &&
            typeof t[0] === 'string' &&
            t.slice(1, 5).every((n: unknown) => typeof n === 'number') &&
            Array.isArray(t[5]) &&
            t[5].every(
              (x: unknown) =>
                Array.isArray(x) &&
                typeof x[0] === 'string' &&
                typeof x[1] === 'number' &&
                typeof x[2] === 'number',
            ),
        )))
  );
}

export function parseCommitMetadata(metadata: string | null): CommitMetadata | null {
  if (!metadata) return null;
  try {
    const parsed = JSON.parse(metadata) as Partial<CommitMetadata>;
    if (parsed.v !== 1 || typeof parsed.watermark !== 'number') return null;
    const read: CommitMetadata = { v: 1, watermark: parsed.watermark };
    if (isPosition(parsed.position)) read.position = parsed.position;
    const giveUp = parsed.unseenGiveUp;
    if (typeof giveUp?.offset === 'number' && typeof giveUp.beforeRecord === 'boolean')
      read.unseenGiveUp = { offset: giveUp.offset, beforeRecord: giveUp.beforeRecord };
    return read;
  } catch {
    return null;
  }
}

export function formatCommitMetadata(checkpoint: Checkpoint): string {
  const full: CommitMetadata = { v: 1, watermark: checkpoint.watermark };
  if (checkpoint.position !== undefined) full.position = checkpoint.position;
  if (checkpoint.unseenGiveUp !== undefined) full.unseenGiveUp = checkpoint.unseenGiveUp;
  const text = JSON.stringify(full);
  if (text.length <= MAX_METADATA_CHARS) return text;
  // With very many tenants their clocks do not fit: they restart from the partition's position.
  if (full.position?.tenants !== undefined) {
    const { tenants: _dropped, ...sourcesOnly } = full.position;
    const shorter = JSON.stringify({ ...full, position: sourcesOnly });
    if (shorter.length <= MAX_METADATA_CHARS) return shorter;
  }
  // With very many sources the position does not fit: resume from the watermark alone, as before.
  return JSON.stringify({ v: 1, watermark: checkpoint.watermark });
}

/** Builds and starts the aggregator: canonical events → event-time window aggregates (+ late events → DLQ). */
export async function startAggregator(
  config: AggregatorConfig,
  logger: Logger,
  metrics: PipelineMetrics,
): Promise<RunningService> {
  const log = logger.child({ component: SERVICE });
  const { topics } = config;
  const operator = new WindowOperator({
    windowSizesMs: config.windowSizesMs,
    maxOutOfOrdernessMs: config.maxOutOfOrdernessMs,
    allowedLatenessMs: config.allowedLatenessMs,
    idleTimeoutMs: config.idleTimeoutMs,
  });
  const driver = new ProcessorDriver<string, TelemetryEvent, string, WindowOutput>(operator);
  const dedupHorizonMs =
    Math.max(...config.windowSizesMs) + config.allowedLatenessMs + config.maxOutOfOrdernessMs;
  const filters = new Map<number, EventIdFilter>();
  /** Late events are dead-lettered with their original bytes: keep them until forwarded. */
  const originals = new Map<string, { message: KafkaMessage; position: SourcePosition }>();

  const kafka = createKafka(config.kafka, log);
  await ensureTopics(kafka, [
    { topic: topics.events, partitions: config.partitions },
    { topic: topics.windows, partitions: config.partitions },
    { topic: topics.dlq, partitions: config.partitions },
  ]);
  const producer = createOutputProducer(kafka);
  await producer.connect();
  const [eventsPartitions, windowsPartitions] = await topicPartitionCounts(kafka, [
    topics.events,
    topics.windows,
  ]);
  /** Per input partition: the watermarks last announced downstream (its own, its lagging tenants'), and when. */
  const announced = new Map<number, { watermarkMs: number; tenants: Map<string, number>; wallMs: number }>();

  const windowKey =
    config.windowsKey === 'tenant'
      ? (w: WindowAggregate, _seriesKey: string) => w.tenant_id
      : (_w: WindowAggregate, seriesKey: string) => seriesKey;

  /** Turns what the operator forwarded into messages for the windows topic and the DLQ. */
  const collectOutputs = (now: number): { windows: Message[]; late: Message[] } => {
    const forwarded = driver.drain();
    const windows: Message[] = [];
    for (const record of forwarded.get('') ?? []) {
      const aggregate = record.value as WindowAggregate;
      windows.push({
        key: windowKey(aggregate, record.key),
        value: windowCodec.encode(aggregate, 'avro'),
        headers: {
          [SERIES_HEADER]: record.key,
          'aiops.revision': String(aggregate.revision),
          [BEHIND_MS_HEADER]: record.headers[BEHIND_MS_HEADER] ?? '0',
        },
      });
    }
    const late: Message[] = [];
    for (const record of forwarded.get(LATE_OUTPUT) ?? []) {
      late.push(lateLetter(record, originals, now));
    }
    originals.clear();
    if (late.length > 0) metrics.lateEvents.inc({ service: SERVICE, outcome: 'dead_lettered' }, late.length);
    if (windows.length > 0) metrics.produced.inc({ service: SERVICE, topic: topics.windows }, windows.length);
    return { windows, late };
  };

  const crossesWindowBoundary = (from: number, to: number) =>
    config.windowSizesMs.some((size) => Math.floor(to / size) > Math.floor(from / size));

  /**
   * Watermark markers for the detector, which merges the windows of every aggregator partition: one to
   * each windows partition when an input partition's watermark crossed a window boundary (the windows
   * it closed are in the same send, ahead of the markers), and as a heartbeat otherwise.
   */
  const markersDue = (partitions: Iterable<number>, now: number): Message[] => {
    const markers: Message[] = [];
    for (const partition of partitions) {
      const watermarkMs = operator.watermark(partition);
      if (watermarkMs === null || watermarkMs === NO_WATERMARK) continue;
      const lagging = operator.laggingTenants(partition);
      const last = announced.get(partition);
      const due =
        last === undefined ||
        crossesWindowBoundary(last.watermarkMs, watermarkMs) ||
        lagging.length !== last.tenants.size ||
        lagging.some(([tenant, ms]) => {
          const before = last.tenants.get(tenant);
          return before === undefined || crossesWindowBoundary(before, ms);
        }) ||
        now - last.wallMs >= config.watermarkHeartbeatMs;
      if (!due) continue;
      announced.set(partition, { watermarkMs, tenants: new Map(lagging), wallMs: now });
      const source = { id: String(partition), count: eventsPartitions };
      markers.push(...watermarkMarkers(windowsPartitions, { source, watermarkMs, tenants: lagging }));
    }
    return markers;
  };

  const commitFor = (topic: string, partition: number): CommitRequest[] => {
    const checkpoint = operator.checkpoint(partition);
    if (checkpoint === null) return [];
    return [
      { topic, partition, offset: String(checkpoint.offset), metadata: formatCommitMetadata(checkpoint) },
    ];
  };

  const updateGauges = (now: number) => {
    const stats = operator.stats();
    metrics.openWindows.set({ service: SERVICE }, stats.openWindows);
    metrics.activeSeries.set({ service: SERVICE }, stats.activeSeries);
    for (const partition of filters.keys()) {
      const watermark = operator.watermark(partition);
      if (watermark !== null && watermark > 0) {
        metrics.watermarkDelay.set({ service: SERVICE, partition: String(partition) }, now - watermark);
      }
    }
  };

  const send = (outputs: { windows: Message[]; late: Message[] }) =>
    producer.send([
      { topic: topics.windows, messages: outputs.windows },
      { topic: topics.dlq, messages: outputs.late },
    ]);

  const handler: BatchHandler = {
    onAssigned(assignment: readonly AssignedPartition[]) {
      // Kafka resumes every assigned partition at its committed offset: rebuild from there.
      for (const partition of [...filters.keys()]) operator.releasePartition(partition);
      filters.clear();
      announced.clear();
      for (const a of assignment) {
        const metadata = parseCommitMetadata(a.metadata);
        if (metadata)
          operator.resume(a.partition, metadata.position ?? metadata.watermark, metadata.unseenGiveUp);
        filters.set(a.partition, new EventIdFilter(dedupHorizonMs));
      }
    },
    async handleBatch(batch) {
      const now = Date.now();
      let filter = filters.get(batch.partition);
      if (filter === undefined) {
        filter = new EventIdFilter(dedupHorizonMs);
        filters.set(batch.partition, filter);
      }
      const refused: Message[] = [];
      let duplicates = 0;
      for (const message of batch.messages) {
        const position = { topic: batch.topic, partition: batch.partition, offset: Number(message.offset) };
        try {
          if (message.value === null) throw new UnrecoverableError('empty_message', 'message has no value');
          const event = eventCodec.decodeTrusted(message.value);
          if (filter.isDuplicate(event.event_id, event.timestamp)) {
            duplicates++;
            // Tie the dropped copy's offset to its windows so no checkpoint falls between them.
            operator.skip(event, position);
            continue;
          }
          originals.set(event.event_id, { message, position: { ...position, offset: message.offset } });
          const source = message.headers?.[SOURCE_HEADER]?.toString();
          const headers = source ? { [SOURCE_HEADER]: source } : {};
          driver.process(String(message.key ?? ''), event, event.timestamp, position, headers);
        } catch (error) {
          // One bad record never stops the partition: it goes to the DLQ with its reason.
          const reason = error instanceof UnrecoverableError ? error.reason : 'undecodable';
          metrics.deadLettered.inc({ service: SERVICE, reason });
          refused.push(
            deadLetter(
              message,
              { ...position, offset: message.offset },
              {
                reason,
                message: errorMessage(error),
                field: error instanceof UnrecoverableError ? error.field : undefined,
              },
              SERVICE,
              now,
            ),
          );
        }
      }
      const watermark = operator.watermark(batch.partition);
      if (watermark !== null) filter.expire(watermark);
      if (duplicates > 0) metrics.duplicatesDropped.inc({ service: SERVICE }, duplicates);
      const outputs = collectOutputs(now);
      outputs.late.push(...refused);
      outputs.windows.push(...markersDue([batch.partition], now));
      updateGauges(now);
      return { durable: send(outputs), commits: commitFor(batch.topic, batch.partition) };
    },
    async onTick(wallNowMs) {
      driver.tick();
      const outputs = collectOutputs(wallNowMs);
      outputs.windows.push(...markersDue(filters.keys(), wallNowMs));
      updateGauges(wallNowMs);
      if (outputs.windows.length === 0 && outputs.late.length === 0) return undefined;
      return {
        durable: send(outputs),
        commits: [...filters.keys()].flatMap((partition) => commitFor(topics.events, partition)),
      };
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
  });
  await runner.start();
  log.info(
    {
      input: topics.events,
      output: topics.windows,
      windowSizesMs: config.windowSizesMs,
      allowedLatenessMs: config.allowedLatenessMs,
      groupId: config.groupId,
    },
    'aggregator started',
  );
  return composeService(SERVICE, [runner], async () => {
    driver.close();
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
