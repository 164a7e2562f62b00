import { AgentMonitor, type ChangelogEntry, encodeTraceSummary, type MonitorOutput } from '@aiops/agents';

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
import type { Message } from 'kafkajs';
import type { AgentMonitorConfig } from './config.js';

/** What one key of the monitor's changelog holds. */
type MonitorState = NonNullable<ChangelogEntry['value']>;

const SERVICE = 'agent-monitor';

/**
 * Builds and starts the agent monitor: validated events → AgentMonitor (packages/agents) → alerts and
 * per-trace summaries.
 *
 * Exactly-once: each batch's alerts, summaries, the changelog records of the keys it changed (compacted
 * state topic) and the consumed offset go out in one Kafka transaction, so a restart mid-trace resumes from
 * state and offsets that agree: no tool-loop alert lost or published twice. One monitor holds every
 * assigned partition (a trace's tool calls and agent steps are on different series, so on different
 * partitions): run one instance per group.
 */
export async function startAgentMonitor(
  config: AgentMonitorConfig,
  logger: Logger,
  metrics: PipelineMetrics,
): Promise<RunningService> {
  const log = logger.child({ component: SERVICE });
  const { topics } = config;
  const kafka = createKafka(config.kafka, log);
  await ensureTopics(kafka, [
    { topic: topics.events, partitions: config.partitions },
    { topic: topics.alerts, partitions: config.partitions },
    { topic: topics.traces, partitions: config.partitions },
    { topic: topics.dlq, partitions: config.partitions },
    stateTopic(topics.agentMonitorState),
  ]);
  const producer = await connectTransactionalProducer(kafka, `${config.groupId}-${config.instanceId}`);
  const transactions = createTransactionQueue(producer);
  const monitor = new AgentMonitor(config.monitor);
  let tooLateCounted = 0;

  const alertMessage = (alert: Alert): Message => ({
    key: alert.fingerprint,
    value: alertCodec.encode(alert, config.alertsFormat),
    headers: { 'aiops.alert.status': alert.status, 'aiops.alert.detector': alert.detector },
  });

  /** One transaction: alerts, summaries, dead letters, the changed keys and (for a batch) the offset. */
  const publish = (
    { alerts, summaries }: MonitorOutput,
    deadLetters: Message[],
    consumed: { topic: string; partition: number; offset: string } | null,
  ): BatchOutcome | undefined => {
    const changes = monitor.changes();
    const tooLate = monitor.counters.tooLate - tooLateCounted;
    tooLateCounted = monitor.counters.tooLate;
    if (tooLate > 0) metrics.lateEvents.inc({ service: SERVICE, outcome: 'too_late' }, tooLate);
    if (consumed === null && changes.length === 0 && alerts.length === 0 && summaries.length === 0) return;
    const messages = [
      { topic: topics.alerts, messages: alerts.map(alertMessage) },
      {
        topic: topics.traces,
        messages: summaries.map((s) => ({
          key: `${s.tenant_id}/${s.trace_key}`,
          value: encodeTraceSummary(s),
        })),
      },
      { topic: topics.dlq, messages: deadLetters },
      { topic: topics.agentMonitorState, messages: changes.map((c) => changelogMessage(config.groupId, c)) },
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
      metrics.produced.inc({ service: SERVICE, topic: topics.traces }, summaries.length);
      for (const alert of alerts) {
        metrics.alerts.inc({ service: SERVICE, detector: alert.detector, status: alert.status });
        log.info({ alert_id: alert.alert_id, status: alert.status, detector: alert.detector }, alert.summary);
      }
      const stats = monitor.stats();
      metrics.activeSeries.set({ service: SERVICE }, stats.openTraces);
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
      const entries = await loadChangelog<MonitorState>(kafka, topics.agentMonitorState, config.groupId);
      monitor.restore(entries);
      log.info(
        { partitions: assignment.map((a) => a.partition), keys: entries.length, ...monitor.stats() },
        'agent monitor state restored',
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
    { input: topics.events, alerts: topics.alerts, traces: topics.traces, groupId: config.groupId },
    'agent monitor started',
  );
  return composeService(SERVICE, [runner], async () => {
    await transactions.settled();
    await producer.disconnect();
  });
}
