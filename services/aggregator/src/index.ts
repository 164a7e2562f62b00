export type { AggregatorConfig } from './config.js';
export { aggregatorConfigFromEnv, aggregatorConfigSchema } from './config.js';
export { EventIdFilter } from './dedup.js';
export { formatCommitMetadata, parseCommitMetadata, startAggregator } from './service.js';
