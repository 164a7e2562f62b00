import { type Alert, alertCodec, eventCodec, SOURCE_HEADER } from '@aiops/contract';
import { sourceAcrossPartitions } from '@aiops/core';
import {
  type BatchHandler,
  type BatchOutcome,
  changelogMessage,
  composeService,
  connectTransactionalProducer,
  createKafka,
  createStreamRunner,
  createTransactionQueue,
  decodeBatch,
  ensureTopics,
  headerText,
  loadChangelog,
  type RunningService,
  stateTopic,
} from '@aiops/kafka';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import {
  type ChangelogEntry,
  encodePromptVersionAggregate,
  PromptMonitor,
  type PromptMonitorOutput,
} from '@aiops/prompts';

import type { Message } from 'kafkajs';
import type { PromptMonitorConfig } from './config.js';

/** What one key of the monitor's changelog holds. */
type MonitorState = NonNullable<ChangelogEntry['value']>;

const SERVICE = 'prompt-monitor';

/**
 * Builds and starts the prompt monitor: validated events → PromptMonitor (packages/prompts) → per-version
 * aggregates and prompt_regression / prompt_improvement alerts.
 *
 * Exactly-once: each batch's alerts, aggregates, the changelog records of the prompts it changed (compacted
 * state topic) and the consumed offset go out in one Kafka transaction, so a restart resumes from state and
 * offsets that agree. One monitor holds every assigned partition (a prompt's calls are spread over
 * series, so over partitions): run one instance per group.
 */
export async function startPromptMonitor(
  config: PromptMonitorConfig,
  logger: Logger,
  metrics: PipelineMetrics,
): Promise<RunningService> {
  const log = logger.child({ component: SERVICE });
  const { topics } = config;
  const kafka = createKafka(config.kafka, log);
  await ensureTopics(kafka, [
    { topic: topics.events, partitions: config.partitions },
    { topic: topics.alerts, partitions: config.partitions },
    { topic: topics.promptAggregates, partitions: config.partitions },
    { topic: topics.dlq, partitions: config.partitions },
    stateTopic(topics.promptMonitorState),
  ]);
  const producer = await connectTransactionalProducer(kafka, `${config.groupId}-${config.instanceId}`);
  const transactions = createTransactionQueue(producer);
  const monitor = new PromptMonitor(config.monitor);
  let tooLateCounted = 0;

  const alertMessage = (alert: Alert): Message => ({
    key: alert.fingerprint,
    value: alertCodec.encode(alert, config.alertsFormat),
    headers: { 'aiops.alert.status': alert.status, 'aiops.alert.detector': alert.detector },
  });

  /** One transaction: alerts, aggregates, dead letters, the changed keys and (for a batch) the offset. */
  const publish = (
    { alerts, aggregates }: PromptMonitorOutput,
    deadLetters: Message[],
    consumed: { topic: string; partition: number; offset: string } | null,
  ): BatchOutcome | undefined => {
    const changes = monitor.changes();
    const tooLate = monitor.counters.tooLate - tooLateCounted;
    tooLateCounted = monitor.counters.tooLate;
    if (tooLate > 0) metrics.lateEvents.inc({ service: SERVICE, outcome: 'too_late' }, tooLate);
    if (consumed === null && changes.length === 0 && alerts.length === 0 && aggregates.length === 0) return;
    const messages = [
      { topic: topics.alerts, messages: alerts.map(alertMessage) },
      {
        topic: topics.promptAggregates,
        messages: aggregates.map((a) => ({
          key: `${a.tenant_id}/${a.application}/${a.prompt_name}`,
          value: encodePromptVersionAggregate(a),
        })),
      },
      { topic: topics.dlq, messages: deadLetters },
      { topic: topics.promptMonitorState, messages: changes.map((c) => changelogMessage(config.groupId, c)) },
    ];
    const offsets =
      consumed === null
        ? []
        : [
            {
              consumerGroupId: config.groupId,
              partition: consumed.partition,
              topic: consumed.topic,
              offset: consumed.offset,
            },
          ];
    const durable = transactions.publish({ messages, offsets }).then(() => {
      metrics.produced.inc({ service: SERVICE, topic: topics.promptAggregates }, aggregates.length);
      for (const alert of alerts) {
        metrics.alerts.inc({ service: SERVICE, detector: alert.detector, status: alert.status });
        log.info({ alert_id: alert.alert_id, status: alert.status, detector: alert.detector }, alert.summary);
      }
      const stats = monitor.stats();
      metrics.activeSeries.set({ service: SERVICE }, stats.prompts);
      metrics.watermarkDelay.set({ service: SERVICE, partition: 'all' }, Date.now() - stats.watermarkMs);
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
      const entries = await loadChangelog<MonitorState>(kafka, topics.promptMonitorState, config.groupId);
      monitor.restore(entries);
      log.info(
        { partitions: assignment.map((a) => a.partition), keys: entries.length, ...monitor.stats() },
        'prompt monitor state restored',
      );
    },
    async handleBatch(batch) {
      const now = Date.now();
      const decoded = decodeBatch(batch, (bytes) => eventCodec.decodeTrusted(bytes), {
        service: SERVICE,
        metrics,
        nowMs: now,
      });
      decoded.items.forEach((event, index) => {
        // Watermark sources: this events partition × the raw partition the validator read it from.
        const upstream = headerText(decoded.origins[index]!.headers, SOURCE_HEADER);
        monitor.process(event, now, sourceAcrossPartitions(batch.partition, eventsPartitions, upstream));
      });
      const offset = String(Number(batch.messages[batch.messages.length - 1]!.offset) + 1);
      return publish(monitor.advance(), decoded.deadLetters, {
        topic: batch.topic,
        partition: batch.partition,
        offset,
      })!;
    },
    async onTick(wallNowMs) {
      monitor.onIdleCheck(wallNowMs);
      return publish(monitor.advance(), [], null);
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
      alerts: topics.alerts,
      aggregates: topics.promptAggregates,
      groupId: config.groupId,
    },
    'prompt monitor started',
  );
  return composeService(SERVICE, [runner], async () => {
    await transactions.settled();
    await producer.disconnect();
  });
}
