export type { AccumulatorSnapshot } from './accumulator.js';
export { checkEvent, WindowAccumulator } from './accumulator.js';
export type { AggregationOptions, EmittedWindow, MarkerDue, OperatorDriver } from './aggregation.js';
export { WindowAggregation } from './aggregation.js';
export type { AlignedStep, AlignerOptions, AlignerSnapshot } from './alignment.js';
export { DEFAULT_LANE, EventTimeAligner } from './alignment.js';
export type { TimeWindow, WindowAssigner } from './assigner.js';
export { tumblingWindows } from './assigner.js';
export type { ClockState } from './changelog-clock.js';
export { ChangelogClock, CLOCK_KEY } from './changelog-clock.js';
export type { CommitMetadata } from './commit-metadata.js';
export {
  commitMetadataSchema,
  committedPosition,
  formatCommitMetadata,
  MAX_COMMIT_METADATA_CHARS,
  parseCommitMetadata,
} from './commit-metadata.js';
export { EventIdFilter } from './dedup.js';
export type { Lateness } from './lateness.js';
export { classify, isExpired } from './lateness.js';
export type { Checkpoint, OffsetSpan, SourceOffsetsSnapshot, UnseenGiveUp } from './offsets.js';
export { SourceOffsets } from './offsets.js';
export type { WindowOperatorOptions, WindowOperatorStats, WindowOutput } from './operator.js';
export { LATE_HEADERS, LATE_OUTPUT, LATE_REASON, WindowOperator } from './operator.js';
export type { BucketSnapshot, PartitionSnapshot, WindowOperatorSnapshot } from './operator-snapshot.js';
export type { SourceFronts, TenantClockOptions, TenantPosition } from './tenant-clock.js';
export { TenantClocks } from './tenant-clock.js';
export type { LateFiring, TriggerResult } from './trigger.js';
export { EventTimeTrigger } from './trigger.js';
export type { RecordSource, WatermarkOptions, WatermarkPosition, WatermarkSnapshot } from './watermark.js';
export { NO_WATERMARK, WatermarkTracker } from './watermark.js';
