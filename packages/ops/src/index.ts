export { ConfigError, csv, describeIssues, parseConfig, readJsonFile } from './config.js';
export type { OpsServer, OpsServerOptions } from './http.js';
export { startOpsServer } from './http.js';
export type { Logger, LoggerSettings } from './logger.js';
export { createLogger, REDACTED_PATHS } from './logger.js';
export type { PipelineMetrics } from './metrics.js';
export { createPipelineMetrics } from './metrics.js';
