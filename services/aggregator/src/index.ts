export type { AggregatorConfig } from './config.js';
export { aggregatorConfigFromEnv, aggregatorConfigSchema } from './config.js';
export { startAggregator } from './service.js';
