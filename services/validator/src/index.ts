export type { ValidatorConfig } from './config.js';
export { validatorConfigFromEnv, validatorConfigSchema } from './config.js';
export { RecentIds } from './recent-ids.js';
export { startValidator } from './service.js';
export type { RawMessage, RejectedMessage, ValidationResult, ValidEvent } from './validate.js';
export { validateMessages } from './validate.js';
