import { type Alert, alertCodec, windowCodec } from '@aiops/contract';
import { errorMessage } from '@aiops/core';
import { createDetectionEngine, type DetectionEngine, parseDetectionConfig } from '@aiops/detectors';
import {
  type AssignedPartition,
  type BatchHandler,
  composeService,
  createKafka,
  createStreamRunner,
  deadLetter,
  decodeBatch,
  ensureTopics,
  type RunningService,
} from '@aiops/kafka';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import type { Message } from 'kafkajs';
import type { DetectorConfig } from './config.js';
import { checkpointKey, encodeCheckpoint, loadCheckpoints, type PartitionCheckpoint } from './state-store.js';

const SERVICE = 'detector';

interface PartitionEngine {
  readonly engine: DetectionEngine;
  streamTimeMs: number;
}

/**
 * Builds and starts the detector: window aggregates → detection engine → alerts.
 *
 * Exactly-once per input partition: each batch's alerts, the engine's checkpoint and the consumed
 * offsets go out in one Kafka transaction. A crash before the commit aborts all three, and the restart
 * resumes from the previous checkpoint and offsets, so no alert is published twice and none is lost.
 */
export async function startDetector(
  config: DetectorConfig,
  logger: Logger,
  metrics: PipelineMetrics,
): Promise<RunningService> {
  const log = logger.child({ component: SERVICE });
  // Rules are checked before anything connects: a bad key fails the start with its name.
  const rules = parseDetectionConfig(config.rules);
  const { topics } = config;
  const kafka = createKafka(config.kafka, log);
  await ensureTopics(kafka, [
    { topic: topics.windows, partitions: config.partitions },
    { topic: topics.alerts, partitions: config.partitions },
    { topic: topics.dlq, partitions: config.partitions },
    {
      topic: topics.detectorState,
      partitions: 1,
      config: { 'cleanup.policy': 'compact', 'max.message.bytes': String(16 * 1024 * 1024) },
    },
  ]);
  const producer = kafka.producer({
    transactionalId: `${config.groupId}-${config.instanceId}`,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();

  const engines = new Map<number, PartitionEngine>();
  /** Transactions of one producer run one at a time. */
  let transactions: Promise<void> = Promise.resolve();

  const engineFor = (partition: number): PartitionEngine => {
    let entry = engines.get(partition);
    if (entry === undefined) {
      entry = { engine: createDetectionEngine(rules), streamTimeMs: 0 };
      engines.set(partition, entry);
    }
    return entry;
  };

  const toMessage = (alert: Alert): Message => ({
    key: alert.fingerprint,
    value: alertCodec.encode(alert, config.alertsFormat),
    headers: { 'aiops.alert.status': alert.status, 'aiops.alert.detector': alert.detector },
  });

  const updateGauges = () => {
    let firing = 0;
    let pending = 0;
    let series = 0;
    for (const { engine } of engines.values()) {
      const stats = engine.stats();
      series += stats.series;
      firing += stats.alerts.firing;
      pending += stats.alerts.pending;
    }
    metrics.activeSeries.set({ service: SERVICE }, series);
    metrics.alertsActive.set({ service: SERVICE, state: 'firing' }, firing);
    metrics.alertsActive.set({ service: SERVICE, state: 'pending' }, pending);
  };

  const handler: BatchHandler = {
    async onAssigned(assignment: readonly AssignedPartition[]) {
      // Checkpoints of the previous generation must be committed (or aborted) before they are read.
      await transactions.catch(() => undefined);
      engines.clear();
      const keys = new Map(assignment.map((a) => [checkpointKey(config.groupId, a.partition), a]));
      const checkpoints = await loadCheckpoints(kafka, topics.detectorState, new Set(keys.keys()));
      for (const [key, a] of keys) {
        const checkpoint = checkpoints.get(key);
        const entry = engineFor(a.partition);
        if (checkpoint) {
          entry.engine.restore(checkpoint.engine);
          entry.streamTimeMs = checkpoint.streamTimeMs;
        } else if (a.committedOffset !== null) {
          log.warn(
            { partition: a.partition },
            'committed offset without a state checkpoint; baselines start cold',
          );
        }
      }
      log.info(
        { partitions: assignment.map((a) => a.partition), restored: checkpoints.size },
        'detector state restored',
      );
      updateGauges();
    },
    async handleBatch(batch) {
      const entry = engineFor(batch.partition);
      const decoded = decodeBatch(batch, (bytes) => windowCodec.decodeTrusted(bytes), {
        service: SERVICE,
        metrics,
        nowMs: Date.now(),
      });
      const { deadLetters } = decoded;
      const alerts: Alert[] = [];
      decoded.items.forEach((window, index) => {
        try {
          alerts.push(...entry.engine.process(window));
          if (window.window_end > entry.streamTimeMs) entry.streamTimeMs = window.window_end;
        } catch (error) {
          // A window the engine cannot judge is set aside, never a reason to stop the partition.
          metrics.deadLettered.inc({ service: SERVICE, reason: 'detection_failed' });
          const message = decoded.origins[index]!;
          deadLetters.push(
            deadLetter(
              message,
              { topic: batch.topic, partition: batch.partition, offset: message.offset },
              { reason: 'detection_failed', message: errorMessage(error) },
              SERVICE,
              Date.now(),
            ),
          );
        }
      });
      // Absence is judged against the event time the other series reached.
      alerts.push(...entry.engine.tick(entry.streamTimeMs));
      for (const alert of alerts)
        metrics.alerts.inc({ service: SERVICE, detector: alert.detector, status: alert.status });
      updateGauges();
      // The checkpoint is taken now, in step with the offset committed with it.
      const checkpoint: PartitionCheckpoint = {
        v: 1,
        partition: batch.partition,
        streamTimeMs: entry.streamTimeMs,
        engine: entry.engine.snapshot(),
      };
      const stateMessage = {
        key: checkpointKey(config.groupId, batch.partition),
        value: encodeCheckpoint(checkpoint),
      };
      const nextOffset = String(Number(batch.messages[batch.messages.length - 1]!.offset) + 1);
      const run = async () => {
        const transaction = await producer.transaction();
        try {
          if (alerts.length > 0)
            await transaction.send({ topic: topics.alerts, acks: -1, messages: alerts.map(toMessage) });
          if (deadLetters.length > 0)
            await transaction.send({ topic: topics.dlq, acks: -1, messages: deadLetters });
          await transaction.send({ topic: topics.detectorState, acks: -1, messages: [stateMessage] });
          await transaction.sendOffsets({
            consumerGroupId: config.groupId,
            topics: [
              { topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset }] },
            ],
          });
          await transaction.commit();
        } catch (error) {
          await transaction.abort().catch(() => undefined);
          throw error;
        }
        if (alerts.length > 0) {
          metrics.produced.inc({ service: SERVICE, topic: topics.alerts }, alerts.length);
          for (const alert of alerts) {
            log.info(
              {
                alert_id: alert.alert_id,
                status: alert.status,
                severity: alert.severity,
                detector: alert.detector,
              },
              alert.summary,
            );
          }
        }
      };
      transactions = transactions.then(run);
      return { durable: transactions, commits: [] };
    },
  };

  const runner = createStreamRunner({
    kafka,
    service: SERVICE,
    groupId: config.groupId,
    topics: [topics.windows],
    handler,
    logger: log,
    metrics,
  });
  await runner.start();
  log.info(
    { input: topics.windows, output: topics.alerts, format: config.alertsFormat, groupId: config.groupId },
    'detector started',
  );
  return composeService(SERVICE, [runner], async () => {
    await transactions.catch(() => undefined);
    await producer.disconnect();
  });
}
