export type {
  Alert,
  AlertSeverity,
  AlertStatus,
  CostSource,
  EventStatus,
  EventType,
  ScoreAggregate,
  Series,
  SeriesDimension,
  TelemetryEvent,
  WindowAggregate,
} from './types.js';
export {
  ALERT_SEVERITIES,
  ALERT_STATUSES,
  COST_SOURCES,
  EVENT_STATUSES,
  EVENT_TYPES,
  SCORE_HISTOGRAM_BINS,
  SERIES_DIMENSIONS,
} from './types.js';
