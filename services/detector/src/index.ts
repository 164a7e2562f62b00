export type { DetectorConfig } from './config.js';
export { detectorConfigFromEnv, detectorConfigSchema } from './config.js';
export { startDetector } from './service.js';
export type { PartitionChanges, PartitionCheckpoint } from './state-store.js';
export {
  decodeCheckpoint,
  encodeLegacyCheckpoint,
  legacyCheckpointKey,
  loadCheckpoints,
  PartitionChangelog,
} from './state-store.js';
