export type { CliCommand, CliContext } from './command.js';
export { CliError, EXIT, intOption, keyValueOption, processContext } from './command.js';
export type { TailOptions } from './commands/alerts.js';
export { tailAlerts } from './commands/alerts.js';
export type { IncidentActionRequest } from './commands/incidents.js';
export { actOnIncident } from './commands/incidents.js';
export type { RunningUi } from './commands/ui.js';
export { startUi } from './commands/ui.js';
export { buildProgram, runCli } from './program.js';
export type { DemoNotifier } from './scenarios/demo-notifier.js';
export { demoNotifierTopics, startDemoNotifier } from './scenarios/demo-notifier.js';
export type {
  PipelineCounts,
  PipelineTopicsNames,
  ProduceOptions,
  ScenarioPipelineOptions,
} from './scenarios/pipeline.js';
export { ScenarioPipeline } from './scenarios/pipeline.js';
export type { TargetCheck } from './scenarios/report.js';
export {
  alertScope,
  checkTargets,
  formatAlertLine,
  formatIncidentTable,
  formatScoreTable,
  SCENARIO_KINDS_ORDER,
  SCENARIO_TARGETS,
} from './scenarios/report.js';
export type { ScenarioRunOptions, ScenarioRunResult } from './scenarios/runner.js';
export { formatProgress, runScenarioPipeline, scenarioLabels } from './scenarios/runner.js';
