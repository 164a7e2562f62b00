export type { OtlpReceiverConfig } from './config.js';
export { loadTenantTokens, otlpReceiverConfigFromEnv, otlpReceiverConfigSchema } from './config.js';
export type { ReceiverMetrics } from './metrics.js';
export { receiverMetrics } from './metrics.js';
export type { ReceiverParts } from './receiver.js';
export { OtlpReceiver } from './receiver.js';
export type { RunningReceiver } from './service.js';
export { startOtlpReceiver } from './service.js';
