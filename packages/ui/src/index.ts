export type {
  AckBody,
  GroupQuery,
  IncidentsQuery,
  OverviewQuery,
  SeriesQuery,
  TimeRange,
  WeekQuery,
} from './api.js';
export {
  ackBodySchema,
  BadRequest,
  groupQuerySchema,
  incidentsQuerySchema,
  LABEL_PATTERN,
  MAX_RANGE_MS,
  overviewQuerySchema,
  parseRequest,
  RANGE_PRESETS,
  resolveRange,
  searchParamsObject,
  seriesQuerySchema,
  weekQuerySchema,
} from './api.js';
export { bundleWeb } from './bundle.js';
export type { UiConfig } from './config.js';
export { uiConfigFromEnv, uiConfigSchema } from './config.js';
export type { DashboardScope } from './dashboard.js';
export { Dashboard, ROLLUP_SETTLE_MS, UnknownTenant } from './dashboard.js';
export type { EndpointTiming } from './measure.js';
export { seriesParams, timeEndpoints } from './measure.js';
export { num } from './numbers.js';
export type { GroupLabels, QueryScope, SeriesLabels, WindowSegment } from './queries.js';
export {
  alertsByIdSql,
  bucketSeconds,
  groupAlertsSql,
  groupWindowsSql,
  incidentSql,
  incidentsSql,
  literal,
  MIN_ROLLUP_WINDOWS,
  openIncidentsSql,
  overviewByAppModelSql,
  overviewScoresSql,
  overviewTimelineSql,
  promptVersionsSql,
  rollupPresentSql,
  seconds,
  seriesAlertsSql,
  seriesListSql,
  seriesWindowsSql,
  tenantsSql,
  weekByApplicationSql,
  windowSegments,
} from './queries.js';
export type { DashboardReader } from './reader.js';
export { openDashboardReader } from './reader.js';
export type { WeeklyApplication, WeeklyReport, WeekMetrics, WeekRow } from './report.js';
export { BETTER, change, compareWeeks, renderWeeklyReportHtml, weekRowSchema } from './report.js';
export type { UiServer, UiServerOptions } from './server.js';
export { startUiServer, WEB_DIR } from './server.js';
