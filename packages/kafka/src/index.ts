export { createKafka, kafkaLogLevel, partitionForKey, producerDefaults } from './client.js';
export {
  changelogMessage,
  countTopicRecords,
  type KeyedChangelogEntry,
  loadChangelog,
  readCompactedTopic,
  readTopicToEnd,
} from './compacted.js';
export type { KafkaConfig } from './config.js';
export { kafkaConfigFromEnv, kafkaConfigSchema, resolveSaslPassword } from './config.js';
export type { DeadLetterReason, SourcePosition } from './dead-letter.js';
export { DLQ_HEADERS, deadLetter } from './dead-letter.js';
export type { DecodedBatch } from './decode-batch.js';
export { decodeBatch } from './decode-batch.js';
export type { BatchDelivery, BatchDeliveryOptions, ProcessingGuarantee } from './delivery.js';
export { connectBatchDelivery, processingGuaranteeSchema } from './delivery.js';
export type { Forwarded } from './driver.js';
export { ProcessorDriver } from './driver.js';
export type {
  EventMonitor,
  EventMonitorConfig,
  EventMonitorService,
  MonitorEnvOption,
} from './event-monitor.js';
export {
  eventMonitorConfigFromEnv,
  eventMonitorConfigSchema,
  startEventMonitorService,
} from './event-monitor.js';
export { headersToStrings } from './headers.js';
export type { Compression, OutputMessages, OutputProducer } from './producer.js';
export { chunkOutput, createOutputProducer, WireBytes } from './producer.js';
export type {
  ExistingTopic,
  ReplicationConfig,
  ReplicationPolicy,
  TopicPlan,
} from './replication.js';
export {
  planTopics,
  replicationConfigSchema,
  resolveReplication,
  underReplicatedError,
} from './replication.js';
export type {
  AssignedPartition,
  BatchHandler,
  BatchOutcome,
  CommitRequest,
  InputBatch,
  StreamRunner,
  StreamRunnerOptions,
} from './runner.js';
export { createStreamRunner, fetchProgressClock } from './runner.js';
export type { RunningService } from './service.js';
export { composeService, runUntilSignalled } from './service.js';
export type { TopicSpec } from './topics.js';
export { ensureTopics, stateTopic, topicPartitionCounts, withReplication } from './topics.js';
export type { PipelineTopics } from './topics-config.js';
export { pipelineTopicsSchema, topicsFromEnv } from './topics-config.js';
export type {
  ConsumedOffset,
  MergedTransaction,
  TransactionQueue,
  TransactionQueueOptions,
  TransactionWork,
} from './transactions.js';
export {
  connectTransactionalProducer,
  createTransactionQueue,
  mergeTransactionWork,
} from './transactions.js';
export type { WatermarkMarker } from './watermark-marker.js';
export {
  headerText,
  readWatermarkMarker,
  SOURCE_HEADER,
  TENANT_WATERMARKS_HEADER,
  WATERMARK_HEADER,
  watermarkMarkers,
} from './watermark-marker.js';
