export type { RecordHeaders, StreamRecord } from './record.js';
export { makeRecord } from './record.js';
export type { Clock } from './clock.js';
export { ManualClock, systemClock } from './clock.js';
export type {
  Cancellable,
  Processor,
  ProcessorContext,
  Punctuator,
  PunctuationType,
  RecordMetadata,
  Snapshotable,
} from './processor.js';
export type { KeyValueStore } from './store.js';
export { InMemoryKeyValueStore } from './store.js';
export { errorMessage, isRetryable, RetryableError, UnrecoverableError } from './errors.js';
