export type { NotifierConfig, RoutingFile } from './config.js';
export { notifierConfigFromEnv, notifierConfigSchema, readRoutingFile, routingFileSchema } from './config.js';
export type { NotifierMetrics } from './metrics.js';
export { notifierMetrics } from './metrics.js';
export { notifierTopicSpecs, startNotifier } from './service.js';
export type { RestoredState } from './state-store.js';
export { deliveryMessage, engineChangeMessage, loadState } from './state-store.js';
