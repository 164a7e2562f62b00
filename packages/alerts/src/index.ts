export { fnv1a64 } from './hash.js';
export type { AlertLabels } from './labels.js';
export { alertFingerprint, alertId, conditionKey, labelsOf, severityRank } from './labels.js';
export type {
  AlertDescription,
  AlertLifecycle,
  AlertSignal,
  LifecycleChanges,
  LifecycleOptions,
  LifecycleSnapshot,
  LifecycleStats,
  TrackedAlert,
  TrackedAlertChange,
} from './lifecycle.js';
export { createAlertLifecycle, DEFAULT_LIFECYCLE, formatDuration } from './lifecycle.js';
