export type { NotifierConfig, RoutingFile } from './config.js';
export { notifierConfigFromEnv, notifierConfigSchema, readRoutingFile, routingFileSchema } from './config.js';
export { notifierTopicSpecs, startNotifier } from './service.js';
