export type { PipelineHarnessOptions, PipelineTopicNames, ServiceName } from './pipeline.js';
export { PipelineHarness, SERVICE_ORDER } from './pipeline.js';
export { uniqueId, waitFor } from './wait.js';
