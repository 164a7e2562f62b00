export type { ReviewerConfig } from './config.js';
export { reviewerConfigFromEnv, reviewerConfigSchema } from './config.js';
export { startReviewer } from './service.js';
