export type {
  ConsumerName,
  PipelineHarnessOptions,
  PipelineTopicNames,
  ServiceName,
  SpawnOptions,
} from './pipeline.js';
export { CONSUMERS, INPUT_TOPIC, PipelineHarness, SERVICE_ORDER } from './pipeline.js';
export type { ExitRecord, ProcessUsage, SupervisedProcessOptions } from './processes.js';
export {
  CLI_MAIN,
  freePort,
  metricValue,
  REPO_ROOT,
  SupervisedProcess,
  Supervisor,
} from './processes.js';
export { uniqueId, waitFor } from './wait.js';
