import { type Alert, alertCodec, windowCodec } from '@aiops/contract';
import { errorMessage } from '@aiops/core';
import { PartitionDetector, parseDetectionConfig } from '@aiops/detectors';
import {
  type AssignedPartition,
  type BatchHandler,
  type BatchOutcome,
  composeService,
  connectTransactionalProducer,
  createKafka,
  createStreamRunner,
  createTransactionQueue,
  deadLetter,
  decodeBatch,
  ensureTopics,
  fetchProgressClock,
  type RunningService,
  stateTopic,
} from '@aiops/kafka';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import type { KafkaMessage, Message } from 'kafkajs';
import type { DetectorConfig } from './config.js';
import { type HeldWindow, heldFromJson, heldFromRecord, heldToJson } from './held-window.js';
import { recordRulesChange } from './rules-audit.js';
import { loadCheckpoints, PartitionChangelog, type PartitionChanges } from './state-store.js';

const SERVICE = 'detector';

interface PartitionEngine {
  readonly detector: PartitionDetector<HeldWindow>;
  /** What of this partition's state is on the state topic: each transaction carries only the changes. */
  changelog: PartitionChangelog;
}

/**
 * Builds and starts the detector: window aggregates → detection engine → alerts.
 *
 * Exactly-once per input partition: each batch's alerts, the engine's checkpoint and the consumed
 * offsets go out in one Kafka transaction. A crash before the commit aborts all three, and the restart
 * resumes from the previous checkpoint and offsets, so no alert is published twice and none is lost.
 *
 * Deterministic: a windows partition is fed by every aggregator partition, whose windows interleave
 * differently in every run. The aligner merges them by the aggregators' watermark markers and hands the
 * engine windows in event-time order with absence checks at fixed event-time steps, so the same windows
 * give the same alerts whatever the interleaving, the batches, or the restarts.
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
    stateTopic(topics.detectorState),
  ]);
  const producer = await connectTransactionalProducer(kafka, `${config.groupId}-${config.instanceId}`);

  const engines = new Map<number, PartitionEngine>();
  // A silent aggregator partition stops holding detection back after sourceIdleTimeoutMs of time during
  // which this consumer could fetch: a broker outage or a rebalance does not count as its silence.
  const progress = fetchProgressClock();
  /** Transactions of one producer run one at a time; work arriving meanwhile shares the next one. */
  const transactions = createTransactionQueue(producer);
  await recordRulesChange(kafka, transactions, config, log, Date.now());

  const engineFor = (partition: number): PartitionEngine => {
    let entry = engines.get(partition);
    if (entry === undefined) {
      entry = {
        detector: new PartitionDetector<HeldWindow>(rules, config),
        changelog: new PartitionChangelog(config.groupId, partition),
      };
      engines.set(partition, entry);
    }
    return entry;
  };

  const toMessage = (alert: Alert): Message => ({
    key: alert.fingerprint,
    value: alertCodec.encode(alert, config.alertsFormat),
    headers: { 'aiops.alert.status': alert.status, 'aiops.alert.detector': alert.detector },
  });

  const updateGauges = (now: number) => {
    let firing = 0;
    let pending = 0;
    let series = 0;
    for (const { detector } of engines.values()) {
      const stats = detector.stats();
      series += stats.series;
      firing += stats.alerts.firing;
      pending += stats.alerts.pending;
    }
    metrics.activeSeries.set({ service: SERVICE }, series);
    metrics.alertsActive.set({ service: SERVICE, state: 'firing' }, firing);
    metrics.alertsActive.set({ service: SERVICE, state: 'pending' }, pending);
    for (const [partition, { detector }] of engines) {
      const clock = detector.clock();
      if (clock > 0)
        metrics.watermarkDelay.set({ service: SERVICE, partition: String(partition) }, now - clock);
    }
  };

  const handler: BatchHandler = {
    async onAssigned(assignment: readonly AssignedPartition[]) {
      // Checkpoints of the previous generation must be committed (or aborted) before they are read.
      await transactions.settled();
      engines.clear();
      const loaded = await loadCheckpoints(
        kafka,
        topics.detectorState,
        config.groupId,
        assignment.map((a) => a.partition),
      );
      let restored = 0;
      for (const a of assignment) {
        const { changelog, checkpoint } = loaded.get(a.partition)!;
        const entry = engineFor(a.partition);
        entry.changelog = changelog;
        if (checkpoint) {
          restored++;
          entry.detector.restore(checkpoint, progress.now(), heldFromJson);
        } else if (a.committedOffset !== null) {
          log.warn(
            { partition: a.partition },
            'committed offset without a state checkpoint; baselines start cold',
          );
        }
      }
      log.info({ partitions: assignment.map((a) => a.partition), restored }, 'detector state restored');
      updateGauges(Date.now());
    },
    async handleBatch(batch) {
      const now = Date.now();
      const entry = engineFor(batch.partition);
      const decoded = decodeBatch(batch, (bytes) => windowCodec.decodeTrusted(bytes), {
        service: SERVICE,
        metrics,
        nowMs: now,
      });
      decoded.items.forEach((window, index) => {
        const sizeMs = window.window_end - window.window_start;
        if (sizeMs !== config.windowSizeMs) {
          skipWindowSize(sizeMs);
          return;
        }
        entry.detector.add(heldFromRecord(window, decoded.origins[index]!));
      });
      const progressNow = progress.now();
      for (const marker of decoded.markers)
        entry.detector.observeWatermark(marker.source, marker.watermarkMs, progressNow, marker.tenants);
      const { alerts, deadLetters } = judge(batch.partition, entry, now, progressNow);
      updateGauges(now);
      deadLetters.push(...decoded.deadLetters);
      return publish(batch.partition, entry, alerts, deadLetters, {
        topic: batch.topic,
        offset: batch.nextOffset,
      });
    },
    async onTick(wallNowMs) {
      // A quiet or unseen aggregator partition stops holding the clock back after its idle timeout.
      let outcome: BatchOutcome | undefined;
      const progressNow = progress.now();
      for (const [partition, entry] of engines) {
        const clockBefore = entry.detector.version();
        const { alerts, deadLetters } = judge(partition, entry, wallNowMs, progressNow);
        if (entry.detector.version() === clockBefore && alerts.length === 0 && deadLetters.length === 0)
          continue;
        outcome = publish(partition, entry, alerts, deadLetters, null);
      }
      updateGauges(wallNowMs);
      return outcome;
    },
  };

  const skippedSizes = new Set<number>();
  /** A window of another size than the rules are judged on: counted, and said once per size. */
  const skipWindowSize = (sizeMs: number): void => {
    metrics.windowsSkipped.inc({ service: SERVICE, window_size_s: String(sizeMs / 1000) });
    if (skippedSizes.has(sizeMs)) return;
    skippedSizes.add(sizeMs);
    const fields = { windowSizeMs: sizeMs, judgedSizeMs: config.windowSizeMs };
    // A coarser multiple is a rollup (the aggregator writes hourly windows by default): expected.
    if (sizeMs > config.windowSizeMs && sizeMs % config.windowSizeMs === 0)
      log.info(fields, 'coarser windows (rollups for the dashboard) are not judged');
    else
      log.warn(
        fields,
        'windows of this size are not judged (DETECTOR_WINDOW_SIZE_MS names the size the rules are judged on)',
      );
  };

  /**
   * Hands the engine what the clock released: windows in event-time order, and absence checks. `now` is
   * the system time (dead letters), `progressNow` the fetch-progress time the aligner's idle rule runs on.
   */
  const judge = (partition: number, entry: PartitionEngine, now: number, progressNow: number) => {
    const deadLetters: Message[] = [];
    const alerts = entry.detector.judge(progressNow, (item, error) => {
      // A window the engine cannot judge is set aside, never a reason to stop the partition.
      metrics.deadLettered.inc({ service: SERVICE, reason: 'detection_failed' });
      const original = {
        key: null,
        value: item.value,
        headers: {},
        offset: item.offset,
      } as unknown as KafkaMessage;
      deadLetters.push(
        deadLetter(
          original,
          { topic: topics.windows, partition, offset: item.offset },
          { reason: 'detection_failed', message: errorMessage(error) },
          SERVICE,
          now,
        ),
      );
    });
    for (const alert of alerts)
      metrics.alerts.inc({ service: SERVICE, detector: alert.detector, status: alert.status });
    return { alerts, deadLetters };
  };

  /**
   * One transaction: the alerts, the dead letters, the partition's checkpoint (taken now, in step with
   * the offset: the engine's changes since the previous one) and, for a batch, the consumed offset.
   */
  const publish = (
    partition: number,
    entry: PartitionEngine,
    alerts: Alert[],
    deadLetters: Message[],
    consumed: { topic: string; offset: string } | null,
  ): BatchOutcome => {
    const changes: PartitionChanges = { partition, ...entry.detector.takeChanges(heldToJson) };
    const messages = [
      { topic: topics.alerts, messages: alerts.map(toMessage) },
      { topic: topics.dlq, messages: deadLetters },
      { topic: topics.detectorState, messages: entry.changelog.recordsFor(changes) },
    ];
    const offsets = consumed === null ? [] : [{ consumerGroupId: config.groupId, partition, ...consumed }];
    const durable = transactions.publish({ messages, offsets }).then(() => {
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
    });
    return { durable, commits: [] };
  };

  const runner = createStreamRunner({
    kafka,
    service: SERVICE,
    groupId: config.groupId,
    topics: [topics.windows],
    handler,
    logger: log,
    metrics,
    tickIntervalMs: 1000,
    progress,
  });
  await runner.start();
  log.info(
    { input: topics.windows, output: topics.alerts, format: config.alertsFormat, groupId: config.groupId },
    'detector started',
  );
  return composeService(SERVICE, [runner], async () => {
    await transactions.settled();
    await producer.disconnect();
  });
}
