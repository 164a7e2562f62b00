import {
  clickhouseConfigFromEnv,
  clickhouseExecutor,
  createClickHouseClient,
  type SqlExecutor,
} from '@aiops/clickhouse';
import { errorMessage } from '@aiops/core';
import type { Logger } from '@aiops/ops';
import type { UiConfig } from './config.js';

export interface DashboardReader {
  readonly executor: SqlExecutor;
  readonly database: string;
  /** The ClickHouse user the dashboard reads as. */
  readonly user: string;
  close(): Promise<void>;
}

/**
 * The dashboard's ClickHouse connection: the read-only analyst user where the server has it, otherwise
 * (a server without that user, e.g. a container) the pipeline's own user, said in a warning. Either
 * way the credentials stay in this process; the browser only sees the API's JSON.
 */
export async function openDashboardReader(
  env: Readonly<Record<string, string | undefined>>,
  config: UiConfig,
  logger: Logger,
): Promise<DashboardReader> {
  const pipeline = clickhouseConfigFromEnv(env, { application: 'aiops-ui' });
  if (config.clickhouseUser !== '' && config.clickhouseUser !== pipeline.username) {
    const analyst = createClickHouseClient({
      ...pipeline,
      username: config.clickhouseUser,
      password: config.clickhousePassword,
      passwordFile: undefined,
    });
    const executor = clickhouseExecutor(analyst);
    try {
      await executor.queryRows('SELECT 1 AS ok');
      return {
        executor,
        database: pipeline.database,
        user: config.clickhouseUser,
        close: () => analyst.close(),
      };
    } catch (error) {
      await analyst.close();
      logger.warn(
        { user: config.clickhouseUser, err: errorMessage(error) },
        `cannot read as ClickHouse user ${config.clickhouseUser}; reading as the pipeline's user ${pipeline.username}`,
      );
    }
  }
  const client = createClickHouseClient(pipeline);
  return {
    executor: clickhouseExecutor(client),
    database: pipeline.database,
    user: pipeline.username,
    close: () => client.close(),
  };
}
