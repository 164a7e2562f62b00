export type { PromptVersionAggregate } from './aggregate.js';
export {
  decodePromptVersionAggregate,
  encodePromptVersionAggregate,
  promptVersionAggregateSchema,
  promptVersionAggregateToRow,
} from './aggregate.js';
export type { PromptMonitorOptions, PromptMonitorOptionsInput } from './config.js';
export { PROMPT_DETECTORS, promptMonitorOptionsSchema } from './config.js';
export type {
  ChangelogEntry,
  Comparison,
  MetricTest,
  PromptMonitorCounters,
  PromptMonitorOutput,
  PromptMonitorStats,
  PromptState,
  VersionInfo,
  VersionWindow,
} from './monitor.js';
export { PROMPT_METRICS, PromptMonitor, promptStateKey } from './monitor.js';
export type { Moments, MsprtResult } from './sprt.js';
export { addMoments, emptyMoments, meanOf, mergeMoments, msprt } from './sprt.js';
