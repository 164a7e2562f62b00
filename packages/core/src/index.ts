export type { Clock } from './clock.js';
export { ManualClock, ProgressClock, systemClock } from './clock.js';
export { errorMessage, isRetryable, RetryableError, UnrecoverableError } from './errors.js';
export { hash53 } from './hash.js';
export type {
  Cancellable,
  Processor,
  ProcessorContext,
  PunctuationType,
  Punctuator,
  RecordMetadata,
  Snapshotable,
} from './processor.js';
export { cumulativeWeights, deriveSeed, Rng, seededRandom } from './random.js';
export type { RecordHeaders, StreamRecord } from './record.js';
export { makeRecord } from './record.js';
export type { RecordSource } from './source.js';
export { formatSource, parseSource, sourceAcrossPartitions } from './source.js';
