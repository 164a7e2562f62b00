export type { WriterConfig } from './config.js';
export { writerConfigFromEnv, writerConfigSchema } from './config.js';
export type { Refused } from './durable-write.js';
export { writeDurably } from './durable-write.js';
export { startWriter } from './service.js';
