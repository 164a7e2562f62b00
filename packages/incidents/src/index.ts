export type { IncidentText } from './describe.js';
export { describeIncident } from './describe.js';
export type { IncidentChange, IncidentEngineSnapshot } from './engine.js';
export { IncidentEngine, incidentChangeSchema, incidentEngineSnapshotSchema } from './engine.js';
export type { FiringAlert } from './inhibit.js';
export { isInhibited } from './inhibit.js';
export type { Labels } from './labels.js';
export { alertLabels, DETECTOR_FAMILIES, detectorFamily, formatLabels, seriesIdentity } from './labels.js';
export { formatMatcher, matches, matchesAll } from './matchers.js';
export type {
  Incident,
  IncidentAction,
  IncidentActionKind,
  IncidentsConfig,
  IncidentsConfigInput,
  InhibitRule,
  Matcher,
  MatcherOp,
  Notification,
  NotificationKind,
  RouteConfig,
  Silence,
} from './model.js';
export {
  DEFAULT_GROUP_BY,
  DEFAULT_GROUP_INTERVAL_MS,
  DEFAULT_GROUP_WAIT_MS,
  DEFAULT_INHIBIT_RULES,
  DEFAULT_REPEAT_INTERVAL_MS,
  DEFAULT_RESOLVED_RETENTION_MS,
  INCIDENT_ACTION_KINDS,
  incidentActionSchema,
  incidentSchema,
  incidentsConfigSchema,
  inhibitRuleSchema,
  MATCHER_OPS,
  matcherInputSchema,
  matcherSchema,
  NOTIFICATION_KINDS,
  notificationSchema,
  parseMatcher,
  routeConfigSchema,
  SERIES_LABELS,
  silenceSchema,
} from './model.js';
export type { AlertReplay } from './replay.js';
export { replayAlerts } from './replay.js';
export type { Route } from './routing.js';
export { allRoutes, compileRoutes, groupLabelsOf, matchRoutes } from './routing.js';
export { silenceActive, silenceOver, silencesMuting } from './silences.js';
