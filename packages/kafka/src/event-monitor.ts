import { hostname } from 'node:os';
import { type Alert, alertCodec, eventCodec, SOURCE_HEADER, type TelemetryEvent } from '@aiops/contract';
import { type RecordSource, sourceAcrossPartitions } from '@aiops/core';
import { type Logger, type PipelineMetrics, parseConfig } from '@aiops/ops';
import type { Message } from 'kafkajs';
import { z } from 'zod';
import { createKafka } from './client.js';
import { changelogMessage, type KeyedChangelogEntry, loadChangelog } from './compacted.js';
import { kafkaConfigFromEnv, kafkaConfigSchema } from './config.js';
import { decodeBatch } from './decode-batch.js';
import { type BatchHandler, type BatchOutcome, createStreamRunner, fetchProgressClock } from './runner.js';
import { composeService, type RunningService } from './service.js';
import { ensureTopics, stateTopic } from './topics.js';
import { pipelineTopicsSchema, topicsFromEnv } from './topics-config.js';
import { connectTransactionalProducer, createTransactionQueue } from './transactions.js';
import { headerText } from './watermark-marker.js';

/**
 * The Kafka shell of a keyed event monitor (packages/agents, packages/prompts): validated events in, the
 * monitor's alerts and its own records out, its state in a compacted changelog topic, one key per record.
 * The monitor is the pure core; this file is everything else, once.
 */
export interface EventMonitor<State, Output extends { readonly alerts: readonly Alert[] }, Stats> {
  readonly counters: { readonly tooLate: number };
  process(event: TelemetryEvent, wallNowMs: number, source?: RecordSource): void;
  /** Wall-clock punctuation: an idle input advances the monitor's watermark. */
  onIdleCheck(wallNowMs: number): void;
  /** Runs what the watermark made due. */
  advance(): Output;
  /** The keys changed since the last call, latest value or null (gone). */
  changes(): KeyedChangelogEntry<State>[];
  restore(entries: Iterable<KeyedChangelogEntry<State>>): void;
  stats(): Stats & { readonly watermarkMs: number };
}

/** What every monitor service is configured with; `monitor` is the core's own options. */
export function eventMonitorConfigSchema<M extends z.ZodType>(defaultGroupId: string, monitor: M) {
  return z.strictObject({
    kafka: kafkaConfigSchema,
    topics: pipelineTopicsSchema.default(pipelineTopicsSchema.parse({})),
    groupId: z.string().min(1).default(defaultGroupId),
    partitions: z.number().int().positive().default(6),
    /** Wire format of published alerts: Avro single-object (default) or JSON. */
    alertsFormat: z.enum(['avro', 'json']).default('avro'),
    monitor,
    /** Stable per instance: the transactional id that fences a zombie of the same instance. */
    instanceId: z.string().min(1).default(`${hostname()}-${process.pid}`),
  });
}

export type EventMonitorConfig = z.output<ReturnType<typeof eventMonitorConfigSchema<z.ZodType>>>;

/** An environment variable that sets one monitor option: [name, option, sub-option?]. */
export type MonitorEnvOption = readonly [string, string, string?];

/**
 * A monitor service's configuration from the environment: `<PREFIX>_OPTIONS` (JSON of the whole
 * `monitor` object), then the single-option variables on top, `<PREFIX>_GROUP_ID`,
 * `<PREFIX>_INSTANCE_ID`, TOPIC_PARTITIONS and ALERTS_FORMAT; a bad value fails the start naming the key.
 */
export function eventMonitorConfigFromEnv<S extends z.ZodType>(
  env: NodeJS.ProcessEnv,
  spec: { prefix: string; clientId: string; what: string; schema: S; options: readonly MonitorEnvOption[] },
): z.output<S> {
  const optionsVariable = `${spec.prefix}_OPTIONS`;
  let monitor: Record<string, unknown> = {};
  const json = env[optionsVariable];
  if (json) {
    try {
      monitor = JSON.parse(json) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`${optionsVariable} is not valid JSON: ${(error as Error).message}`);
    }
  }
  for (const [name, key, sub] of spec.options) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    if (sub === undefined) monitor[key] = Number(text);
    else monitor[key] = { ...((monitor[key] as object | undefined) ?? {}), [sub]: Number(text) };
  }
  const input: Record<string, unknown> = {
    kafka: kafkaConfigFromEnv(env, spec.clientId),
    topics: topicsFromEnv(env),
    monitor,
  };
  const groupId = env[`${spec.prefix}_GROUP_ID`];
  const instanceId = env[`${spec.prefix}_INSTANCE_ID`];
  if (groupId) input.groupId = groupId;
  if (instanceId) input.instanceId = instanceId;
  if (env.TOPIC_PARTITIONS) input.partitions = Number(env.TOPIC_PARTITIONS);
  if (env.ALERTS_FORMAT) input.alertsFormat = env.ALERTS_FORMAT;
  return parseConfig(spec.schema, input, spec.what);
}

export interface EventMonitorService<State, Output extends { readonly alerts: readonly Alert[] }, Stats> {
  /** Service name for logs and metrics, e.g. `agent-monitor`. */
  readonly service: string;
  readonly config: Omit<EventMonitorConfig, 'monitor'>;
  readonly monitor: EventMonitor<State, Output, Stats>;
  /** The compacted topic the monitor's state is changelogged to. */
  readonly stateTopic: string;
  /** The monitor's own records (trace summaries, prompt-version aggregates) and where they go. */
  readonly records: { readonly topic: string; messages(output: Output): Message[] };
  /** What the monitor holds, for the active-series gauge (open traces, prompts). */
  held(stats: Stats): number;
}

/**
 * Builds and starts a monitor service.
 *
 * Exactly-once: each batch's alerts, records, the changelog records of the keys it changed and the
 * consumed offset go out in one Kafka transaction, so a restart resumes from state and offsets that agree:
 * no alert lost or published twice. One monitor holds every assigned partition (what it keys by — a
 * trace, a prompt — is spread over series, so over partitions): run one instance per group.
 */
export async function startEventMonitorService<
  State,
  Output extends { readonly alerts: readonly Alert[] },
  Stats,
>(
  spec: EventMonitorService<State, Output, Stats>,
  logger: Logger,
  metrics: PipelineMetrics,
): Promise<RunningService> {
  const { service, config, monitor } = spec;
  const log = logger.child({ component: service });
  const { topics } = config;
  const kafka = createKafka(config.kafka, log);
  await ensureTopics(kafka, [
    { topic: topics.events, partitions: config.partitions },
    { topic: topics.alerts, partitions: config.partitions },
    { topic: spec.records.topic, partitions: config.partitions },
    { topic: topics.dlq, partitions: config.partitions },
    stateTopic(spec.stateTopic),
  ]);
  const producer = await connectTransactionalProducer(kafka, `${config.groupId}-${config.instanceId}`);
  const transactions = createTransactionQueue(producer);
  // Idle input is judged on time during which this consumer could fetch (see ProgressClock).
  const progress = fetchProgressClock();
  let tooLateCounted = 0;

  const alertMessage = (alert: Alert): Message => ({
    key: alert.fingerprint,
    value: alertCodec.encode(alert, config.alertsFormat),
    headers: { 'aiops.alert.status': alert.status, 'aiops.alert.detector': alert.detector },
  });

  /** One transaction: alerts, records, dead letters, the changed keys and (for a batch) the offset. */
  const publish = (
    output: Output,
    deadLetters: Message[],
    consumed: { topic: string; partition: number; offset: string } | null,
  ): BatchOutcome | undefined => {
    const changes = monitor.changes();
    const tooLate = monitor.counters.tooLate - tooLateCounted;
    tooLateCounted = monitor.counters.tooLate;
    if (tooLate > 0) metrics.lateEvents.inc({ service, outcome: 'too_late' }, tooLate);
    const records = spec.records.messages(output);
    const { alerts } = output;
    if (consumed === null && changes.length === 0 && alerts.length === 0 && records.length === 0) return;
    const messages = [
      { topic: topics.alerts, messages: alerts.map(alertMessage) },
      { topic: spec.records.topic, messages: records },
      { topic: topics.dlq, messages: deadLetters },
      { topic: spec.stateTopic, messages: changes.map((c) => changelogMessage(config.groupId, c)) },
    ];
    const offsets = consumed === null ? [] : [{ consumerGroupId: config.groupId, ...consumed }];
    const durable = transactions.publish({ messages, offsets }).then(() => {
      metrics.produced.inc({ service, topic: spec.records.topic }, records.length);
      for (const alert of alerts) {
        metrics.alerts.inc({ service, detector: alert.detector, status: alert.status });
        log.info({ alert_id: alert.alert_id, status: alert.status, detector: alert.detector }, alert.summary);
      }
      const stats = monitor.stats();
      metrics.activeSeries.set({ service }, spec.held(stats));
      metrics.watermarkDelay.set({ service, partition: 'all' }, Date.now() - stats.watermarkMs);
    });
    return { durable, commits: [] };
  };

  let eventsPartitions = 1;
  const handler: BatchHandler = {
    async onAssigned(assignment) {
      // One instance reads every events partition: its clock waits for all of them.
      eventsPartitions = assignment.length;
      // The previous generation's changelog must be committed (or aborted) before it is read.
      await transactions.settled();
      const entries = await loadChangelog<State>(kafka, spec.stateTopic, config.groupId);
      monitor.restore(entries);
      log.info(
        {
          partitions: assignment.map((a) => a.partition),
          keys: entries.length,
          stats: monitor.stats() as object,
        },
        'monitor state restored',
      );
    },
    async handleBatch(batch) {
      const now = Date.now();
      const progressNow = progress.now();
      const decoded = decodeBatch(batch, (bytes) => eventCodec.decodeTrusted(bytes), {
        service,
        metrics,
        nowMs: now,
      });
      decoded.items.forEach((event, index) => {
        // Watermark sources: this events partition × the raw partition the validator read it from.
        const upstream = headerText(decoded.origins[index]!.headers, SOURCE_HEADER);
        monitor.process(
          event,
          progressNow,
          sourceAcrossPartitions(batch.partition, eventsPartitions, upstream),
        );
      });
      return publish(monitor.advance(), decoded.deadLetters, {
        topic: batch.topic,
        partition: batch.partition,
        offset: batch.nextOffset,
      })!;
    },
    async onTick() {
      monitor.onIdleCheck(progress.now());
      return publish(monitor.advance(), [], null);
    },
  };

  const runner = createStreamRunner({
    kafka,
    service,
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
    { input: topics.events, alerts: topics.alerts, records: spec.records.topic, groupId: config.groupId },
    'monitor started',
  );
  return composeService(service, [runner], async () => {
    await transactions.settled();
    await producer.disconnect();
  });
}
