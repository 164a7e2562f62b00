export type { BacktestAlert, BacktestOptions, BacktestReport, DetectorDiff } from './backtest.js';
export {
  backtestAlertOf,
  backtestOptionsSchema,
  diffBacktest,
  formatBacktest,
  replayWindows,
} from './backtest.js';
export type {
  BaselineRules,
  BudgetRules,
  BurnAlertRule,
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
export { COST } from './cost/cost.js';
export type { AlignedWindow, BackfillPolicy } from './drive.js';
export {
  compareAlignedWindows,
  createWindowAligner,
  PartitionDetector,
  type PartitionDetectorChanges,
  type PartitionDetectorOptions,
  type PartitionDetectorState,
} from './drive.js';
export type {
  DetectionChanges,
  DetectionEngine,
  DetectionSnapshot,
  DetectionStats,
  EngineCounters,
  KeyedStateChange,
  SeriesInspection,
} from './engine.js';
export { createDetectionEngine, ENGINE_DETECTORS } from './engine.js';
export { ERRORS } from './errors/errors.js';
export type { WindowFeatures } from './features.js';
export { extractFeatures } from './features.js';
export { GUARDRAIL } from './guardrail/guardrail.js';
export { LATENCY } from './latency/latency.js';
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
} from './nab/scorer.js';
export { OUTAGE } from './outage/outage.js';
export { cusumStep, histogramVariance, meanVariance, psiThreshold, QUALITY } from './quality/quality.js';
export type { CompiledBurnAlert, CompiledRules } from './rules.js';
export { compileRules } from './rules.js';
export { detectionRulesDiff, detectionRulesHash } from './rules-change.js';
export type {
  KindScore,
  LabelOutcome,
  ScenarioLabel,
  ScenarioScore,
  ScenarioScoreOptions,
} from './scenarios/score.js';
export {
  alertKind,
  median,
  mergeScenarioScores,
  scoreScenarioAlerts,
} from './scenarios/score.js';
export type { SeriesCsvScorer, SeriesRow } from './series/csv.js';
export {
  createSeriesCsvScorer,
  formatScoredRow,
  parseSeriesLine,
  parseTimestamp,
  SCORED_HEADER,
  SeriesCsvError,
} from './series/csv.js';
export type { LikelihoodOptions, LikelihoodState } from './series/likelihood.js';
export {
  DEFAULT_LIKELIHOOD_OPTIONS,
  likelihoodInit,
  likelihoodStep,
  logTail,
  normalUpperTail,
} from './series/likelihood.js';
export type { SeriesScorer, SeriesScorerOptions, SeriesScorerState } from './series/scorer.js';
export { createSeriesScorer, DEFAULT_SERIES_SCORER_OPTIONS } from './series/scorer.js';
export type { ShapeOptions, ShapeState } from './series/shape.js';
export { DEFAULT_SHAPE_OPTIONS, shapeInit, shapeStep } from './series/shape.js';
export { jensenShannon, psi } from './stats/divergence.js';
export type { LevelParams, LevelState, Seasonality } from './stats/level.js';
export { alphaForHalfLife, levelExpected, levelInit, levelLearn, levelSigma, levelZ } from './stats/level.js';
export type { RateParams, RateState } from './stats/rate.js';
export { rateExpected, rateInit, rateLearn, rateZ } from './stats/rate.js';
export { excessScore } from './stats/score.js';
