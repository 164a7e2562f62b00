export type { WriterConfig } from './config.js';
export { writerConfigFromEnv, writerConfigSchema } from './config.js';
export type { DurableWriteOptions } from './durable-write.js';
export { writeDurably } from './durable-write.js';
export { startWriter } from './service.js';
