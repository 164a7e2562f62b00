export type {
  BaselineRules,
  BurnAlertRule,
  BudgetRules,
  CostRules,
  DetectionConfig,
  DetectionConfigInput,
  DetectionRules,
  ErrorRules,
  ErrorSlo,
  FeedbackRules,
  GuardrailRules,
  LatencyRules,
  LatencySlo,
  LifecycleRules,
  OutageRules,
  QualityRules,
  RulesOverride,
  SeriesMatch,
} from './config.js';
export {
  DEFAULT_BURN_ALERTS,
  DetectionConfigError,
  defaultDetectionConfig,
  detectionConfigSchema,
  parseDetectionConfig,
  resolveRules,
} from './config.js';
export type {
  DetectionEngine,
  DetectionSnapshot,
  DetectionStats,
  EngineCounters,
  SeriesInspection,
} from './engine.js';
export { createDetectionEngine } from './engine.js';
export type { CompiledBurnAlert, CompiledRules } from './rules.js';
export { compileRules } from './rules.js';
export type { WindowFeatures } from './features.js';
export { extractFeatures } from './features.js';
export { COST } from './cost/cost.js';
export { ERRORS } from './errors/errors.js';
export { GUARDRAIL } from './guardrail/guardrail.js';
export { LATENCY } from './latency/latency.js';
export { OUTAGE } from './outage/outage.js';
export { QUALITY } from './quality/quality.js';
export type {
  NabFileInput,
  NabFileResult,
  NabProfile,
  NabProfileName,
  NabProfileResult,
  NabWindow,
} from './nab/scorer.js';
export {
  NAB_MAX_TP,
  NAB_PROFILE_NAMES,
  NAB_PROFILES,
  nabFileScore,
  nabProbationPeriod,
  nabRowScores,
  nabScaledSigmoid,
  nabSweep,
  nabWindowRows,
  parseNabTimestamp,
} from './nab/scorer.js';
export type { SeriesScorer, SeriesScorerOptions, SeriesScorerState } from './series/scorer.js';
export { createSeriesScorer, DEFAULT_SERIES_SCORER_OPTIONS } from './series/scorer.js';
export type { LevelParams, LevelState, Seasonality } from './stats/level.js';
export { alphaForHalfLife, levelExpected, levelInit, levelLearn, levelSigma, levelZ } from './stats/level.js';
export { jensenShannon, psi } from './stats/divergence.js';
export type { RateParams, RateState } from './stats/rate.js';
export { rateExpected, rateInit, rateLearn, rateZ } from './stats/rate.js';
export { excessScore } from './stats/score.js';
