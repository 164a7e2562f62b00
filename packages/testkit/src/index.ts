export { alertNotification } from './alerts.js';
export { telemetryEvent } from './events.js';
export type {
  CapturedForward,
  MockProcessorContextOptions,
  ScheduledPunctuator,
} from './mock-context.js';
export { DEFAULT_CHILD, MockProcessorContext } from './mock-context.js';
export { DEFAULT_SERIES } from './series.js';
export { windowAggregate } from './windows.js';
