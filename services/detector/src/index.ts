export type { DetectorConfig } from './config.js';
export { detectorConfigFromEnv, detectorConfigSchema } from './config.js';
export { startDetector } from './service.js';
export type { PartitionCheckpoint } from './state-store.js';
export { checkpointKey, decodeCheckpoint, encodeCheckpoint, loadCheckpoints } from './state-store.js';
