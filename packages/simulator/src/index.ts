export type {
  AgentScenarioKind,
  AgentScenarioSpec,
  AgentTruth,
  ResolvedAgentScenario,
} from './agent-scenarios.js';
export {
  AGENT_SCENARIO_DETECTOR,
  AGENT_SCENARIO_KINDS,
  DEFAULT_AGENT_SCENARIO_MS,
  DEFAULT_AGENT_TARGETS,
  resolveAgentScenarios,
} from './agent-scenarios.js';
export type {
  AgentSpec,
  AppKind,
  AppTemplate,
  ModelKind,
  ModelProfile,
  PromptVersionSpec,
  Route,
  TenantSpec,
  ToolSpec,
} from './catalog.js';
export {
  APP_TEMPLATES,
  ATTACK_GUARDRAIL_MIX,
  BLOCKING_FLAGS,
  ENVIRONMENTS,
  ERROR_MIX,
  findModel,
  GUARDRAIL_MIX,
  MODEL_CATALOG,
  modelKey,
  priceCall,
  TENANT_CATALOG,
} from './catalog.js';
export type { DiurnalOptions } from './diurnal.js';
export { DEFAULT_DIURNAL, diurnalFactor, TrafficNoise } from './diurnal.js';
export { parseDuration, parseRate, parseScenarioKinds, parseSpeed } from './options.js';
export type {
  CostRunawaySpec,
  DetectorKind,
  IncidentLabel,
  LatencySpikeSpec,
  LowScoreBurstSpec,
  PromptInjectionBurstSpec,
  ProviderOutageSpec,
  QualityDriftSpec,
  ResolvedCostRunaway,
  ResolvedLatencySpike,
  ResolvedLowScoreBurst,
  ResolvedPromptInjectionBurst,
  ResolvedProviderOutage,
  ResolvedQualityDrift,
  ResolvedScenario,
  ScenarioKind,
  ScenarioSpec,
  ScenarioTiming,
  ScheduleWindow,
} from './scenarios.js';
export {
  activeLabels,
  DEFAULT_DURATIONS_MS,
  DEFAULT_GAP_MS,
  DEFAULT_SCENARIO_KINDS,
  DEFAULT_TARGETS,
  DEFAULT_WARMUP_MS,
  DETECTOR_KINDS,
  labelsOf,
  resolveScenarios,
  SCENARIO_KINDS,
} from './scenarios.js';
export type {
  ResolvedSimulationOptions,
  Simulation,
  SimulationOptions,
  SimulationSummary,
} from './simulation.js';
export {
  createSimulation,
  formatSimulationSummary,
  resolveSimulationOptions,
  simulationSummary,
} from './simulation.js';
export type { EventTallySnapshot } from './tally.js';
export { EventTally } from './tally.js';
export type { World, WorldApp } from './world.js';
export { createWorld, expectedEventsPerRequest, worldModels } from './world.js';
