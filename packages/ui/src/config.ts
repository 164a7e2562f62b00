import { parseConfig } from '@aiops/ops';
import { z } from 'zod';

/** `aiops ui` settings; unknown keys refused, a bad value fails the start naming its key. */
export const uiConfigSchema = z
  .object({
    /** Address to listen on; loopback by default (the dashboard has no login of its own). */
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(8080),
    /** The window size the dashboard reads from window_aggregates (seconds). */
    windowSizeS: z.number().int().positive().default(60),
    /**
     * Coarser windows read for the settled whole periods of long ranges when the aggregator writes them
     * (WINDOW_SIZES_MS=60000,3600000); 0 never reads them. See windowSegments in queries.ts.
     */
    rollupWindowSizeS: z.number().int().nonnegative().default(3600),
    /**
     * The ClickHouse user the dashboard reads as: the read-only `analyst` user (local stack users.xml;
     * the analyst role of migration 0008 on 20.5+). '' reads as the pipeline's own user.
     */
    clickhouseUser: z.string().default('analyst'),
    clickhousePassword: z.string().default(''),
  })
  .strict();

export type UiConfig = z.output<typeof uiConfigSchema>;

/** Reads UI_HOST, UI_PORT, UI_WINDOW_SIZE_S, UI_ROLLUP_WINDOW_S, UI_CLICKHOUSE_USER and UI_CLICKHOUSE_PASSWORD. */
export function uiConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  overrides: Partial<z.input<typeof uiConfigSchema>> = {},
): UiConfig {
  const input: Record<string, unknown> = {};
  if (env.UI_HOST) input.host = env.UI_HOST;
  if (env.UI_PORT) input.port = Number(env.UI_PORT);
  if (env.UI_WINDOW_SIZE_S) input.windowSizeS = Number(env.UI_WINDOW_SIZE_S);
  if (env.UI_ROLLUP_WINDOW_S) input.rollupWindowSizeS = Number(env.UI_ROLLUP_WINDOW_S);
  if (env.UI_CLICKHOUSE_USER !== undefined) input.clickhouseUser = env.UI_CLICKHOUSE_USER;
  if (env.UI_CLICKHOUSE_PASSWORD !== undefined) input.clickhousePassword = env.UI_CLICKHOUSE_PASSWORD;
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) input[key] = value;
  return parseConfig(
    uiConfigSchema,
    input,
    'UI settings (UI_HOST, UI_PORT, UI_WINDOW_SIZE_S, UI_ROLLUP_WINDOW_S, UI_CLICKHOUSE_USER)',
  );
}
