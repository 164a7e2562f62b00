export type { BatcherOptions, BatcherStats } from './batcher.js';
export { Batcher } from './batcher.js';
export type {
  TelemetryClient,
  TelemetryClientOptions,
  TelemetryClientStats,
  TelemetryFormat,
} from './client.js';
export { createTelemetryClient } from './client.js';
export { hashToolArguments } from './tool-arguments.js';
