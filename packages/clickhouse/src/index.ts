export type { Rejected } from './bisect.js';
export { isolateRejected } from './bisect.js';
export type { SqlExecutor } from './client.js';
export { clickhouseExecutor, createClickHouseClient, serverVersion } from './client.js';
export type { ClickHouseConfig, ClickHouseConfigInput } from './config.js';
export {
  clickhouseConfigFromEnv,
  clickhouseConfigSchema,
  DEFAULT_CLICKHOUSE_URL,
  parseClickHouseConfig,
  resolveClickHousePassword,
} from './config.js';
export type { SqlTarget } from './executor.js';
export { toExecutor } from './executor.js';
export { assertIdentifier, isIdentifier, qualifiedTable } from './identifiers.js';
export type { AuditEntry, NotificationRecord } from './incident-rows.js';
export { auditEntryToRow, DELIVERY_TABLES, incidentToRow, notificationToRow } from './incident-rows.js';
export type { ClusterTarget } from './migrations/cluster.js';
export { clusterStatements, LOCAL_TABLE_SUFFIX } from './migrations/cluster.js';
export type { Decision, Migration, RecordedMigration, RecordedStatus } from './migrations/parse.js';
export { decide, isMigrationFileName, orderMigrations, parseMigration } from './migrations/parse.js';
export type {
  MigrateOptions,
  MigrateResult,
  MigrationOutcome,
  MigrationReport,
} from './migrations/runner.js';
export { DEFAULT_MIGRATION_VARIABLES, loadMigrations, MigrationError, migrate } from './migrations/runner.js';
export type { AnalystQuery } from './queries.js';
export { loadAnalystQueries, parseAnalystQuery, runAnalystQuery } from './queries.js';
export type { BackoffSettings, ClickHouseFailure, ErrorClass } from './retry.js';
export {
  backoffDelayMs,
  classifyClickHouseError,
  clickhouseErrorCode,
  DATA_CLICKHOUSE_CODES,
  describeClickHouseError,
  OPERATOR_CLICKHOUSE_CODES,
  RETRYABLE_CLICKHOUSE_CODES,
} from './retry.js';
export { REVIEW_TABLE, reviewItemToRow, rowToReviewItem } from './review-rows.js';
export {
  alertToRow,
  eventToRow,
  rowToWindowAggregate,
  TABLES,
  WINDOW_AGGREGATE_COLUMNS,
  windowAggregateToRow,
  windowTableOf,
} from './rows.js';
export type {
  ClickHouseSinkOptions,
  SinkBlock,
  SinkListener,
  SinkSettings,
  SinkSettingsInput,
  SinkStats,
} from './sink.js';
export { ClickHouseSink, sinkSettingsSchema } from './sink.js';
export type { SqlVariables } from './sql.js';
export { compareVersions, parseVersion, placeholders, renderSql, splitStatements } from './sql.js';
