export type { ConsumerName, PipelineHarnessOptions, PipelineTopicNames, ServiceName } from './pipeline.js';
export { CONSUMERS, PipelineHarness, SERVICE_ORDER } from './pipeline.js';
export { uniqueId, waitFor } from './wait.js';
