export type { Admission, CardinalityLimits, FoldLevel } from './cardinality.js';
export {
  CARDINALITY_DETECTOR,
  CardinalityTracker,
  FOLDED_MODEL_ATTRIBUTE,
  FOLDED_SERIES_ATTRIBUTE,
  OTHER,
} from './cardinality.js';
export type { ValidatorConfig } from './config.js';
export { validatorConfigFromEnv, validatorConfigSchema } from './config.js';
export { RecentIds } from './recent-ids.js';
export { boundDeadLetter, DLQ_ORIGINAL_BYTES_HEADER, startValidator } from './service.js';
export type { RawMessage, RejectedMessage, ValidationResult, ValidEvent } from './validate.js';
export { validateMessages } from './validate.js';
