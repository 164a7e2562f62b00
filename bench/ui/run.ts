/**
 * `bash scripts/bench.sh ui [--days 7] [--rate 60/min] [--requests 20] [--keep]`.
 * The dashboard's endpoints on N days of demo data: a seeded simulation (every incident scenario) goes
 * through the pipeline's functional cores offline (bench/scenarios/offline.ts: validator normalisation,
 * the aggregator's WindowOperator at 1 min and 1 h, the detection engine, the prompt monitor), its events,
 * windows, alerts and prompt-version aggregates are inserted with the writer's row mappings into a database
 * of its own, and each API endpoint of two real dashboard servers (read as the analyst user) is timed over
 * the whole range: one reading minute windows only, one with the hourly rollup, one after the other.
 * Prints one line per endpoint with both.
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  alertToRow,
  clickhouseConfigFromEnv,
  clickhouseExecutor,
  createClickHouseClient,
  eventToRow,
  migrate,
  windowAggregateToRow,
} from '@aiops/clickhouse';
import { createLogger } from '@aiops/ops';
import { PromptMonitor, promptMonitorOptionsSchema, promptVersionAggregateToRow } from '@aiops/prompts';
import { createSimulation, parseRate } from '@aiops/simulator';
import {
  Dashboard,
  openDashboardReader,
  seriesParams,
  startUiServer,
  timeEndpoints,
  uiConfigFromEnv,
} from '@aiops/ui';
import { feedMonitor, runOffline } from '../scenarios/offline.js';

const DAY = 86_400_000;
const MIGRATIONS = fileURLToPath(new URL('../../../schemas/clickhouse/migrations/', import.meta.url));

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const days = Number(flag('days', '7'));
const rate = parseRate(flag('rate', '60/min'));
const requests = Number(flag('requests', '20'));
const keep = process.argv.includes('--keep');
const database = `bench_ui_${Date.now().toString(36)}`;
const env = { ...process.env, CLICKHOUSE_DATABASE: database };
const client = createClickHouseClient(clickhouseConfigFromEnv(env));
const sql = clickhouseExecutor(client);
const logger = createLogger({ service: 'bench-ui', level: 'warn', destination: process.stderr });

await migrate(client, { dir: MIGRATIONS, database });
const endMs = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000;
const simulation = createSimulation({
  seed: 7,
  startMs: endMs - days * DAY,
  durationMs: days * DAY,
  eventsPerMinute: rate,
});

// Rows are inserted in batches as the offline run produces them (inserts overlap the aggregation).
const pending: Promise<void>[] = [];
const batches: Record<string, Record<string, unknown>[]> = {
  events: [],
  window_aggregates: [],
  alerts: [],
  prompt_version_aggregates: [],
};
const flush = (table: string, min: number) => {
  const rows = batches[table] ?? [];
  if (rows.length < min) return;
  batches[table] = [];
  pending.push(sql.insertRows(`${database}.${table}`, rows));
};
const add = (table: string, row: Record<string, unknown>) => {
  batches[table]?.push(row);
  flush(table, 50_000);
};
const loadStarted = Date.now();
const offline = runOffline(simulation, {
  windowMs: 60_000,
  // The aggregator as WINDOW_SIZES_MS=60000,3600000 configures it: hourly windows for the dashboard too.
  rollupWindowMs: 3_600_000,
  onEvent: (event) => add('events', eventToRow(event, Date.now())),
  onWindow: (window) => add('window_aggregates', windowAggregateToRow(window)),
  onAlert: (alert) => add('alerts', alertToRow(alert)),
});
// The prompt monitor's per-version aggregates, as the prompt-monitor service would write them.
const promptOptions = promptMonitorOptionsSchema.parse({});
const promptMonitor = new PromptMonitor(promptOptions);
let promptAggregates = 0;
feedMonitor(
  simulation,
  {
    process: (event, wallNowMs) => promptMonitor.process(event, wallNowMs),
    advance: () => {
      const output = promptMonitor.advance();
      promptAggregates += output.aggregates.length;
      for (const aggregate of output.aggregates)
        add('prompt_version_aggregates', promptVersionAggregateToRow(aggregate));
      return output;
    },
  },
  { userIdSalt: 'bench-ui-salt', nowMs: endMs, closeAfterMs: promptOptions.retireAfterMs + 10 * 60_000 },
  () => undefined,
);
for (const table of Object.keys(batches)) flush(table, 1);
await Promise.all(pending);
process.stderr.write(
  `loaded ${offline.events} events, ${offline.windows} windows, ${offline.alerts.length} alerts, ${promptAggregates} prompt-version aggregates (${days} d) into ${database} in ${((Date.now() - loadStarted) / 1000).toFixed(0)} s\n`,
);

const config = uiConfigFromEnv(env, { port: 0 });
const reader = await openDashboardReader(env, config, logger);
// The same endpoints twice on the same data: reading minute windows only, and with the hourly rollup.
const servers = await Promise.all(
  [0, 3600].map((rollupWindowSizeS) =>
    startUiServer({
      dashboard: new Dashboard(reader.executor, { database, windowSizeS: 60, rollupWindowSizeS }),
      host: '127.0.0.1',
      port: 0,
      logger,
    }),
  ),
);
const [series] = await sql.queryRows<Record<string, string>>(
  `SELECT tenant_id, application, environment, provider, model, operation FROM ${database}.window_aggregates
   GROUP BY tenant_id, application, environment, provider, model, operation ORDER BY count() DESC LIMIT 1`,
);
const labels = new URLSearchParams({ range: '7d', ...seriesParams(series ?? {}) });
const endpoints = [
  'api/overview?range=7d',
  `api/overview?range=7d&tenant=${series?.tenant_id}`,
  'api/series?range=7d',
  `api/series/windows?${labels}`,
  'api/incidents?range=7d',
  'api/prompts?range=7d',
  'api/report/week',
];
console.log(
  `dashboard endpoints on ${days} days of demo data (${offline.events} events, ${offline.windows} windows of 1 min and 1 h; ClickHouse read as ${reader.user}; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}):`,
);
// One after the other, never side by side: each is timed on an otherwise idle server, both after an
// untimed pass over every endpoint (so neither is the one that warms ClickHouse's caches).
for (const server of servers) await timeEndpoints(server.url, endpoints, 2);
const minuteOnly = await timeEndpoints(servers[0]!.url, endpoints, requests);
const withRollup = await timeEndpoints(servers[1]!.url, endpoints, requests);
for (const [i, t] of withRollup.entries()) {
  const fine = minuteOnly[i]!;
  const oneTenant = t.path.startsWith('api/overview') && t.path.includes('tenant=');
  console.log(
    `  ${t.path.split('?')[0]}${oneTenant ? ' (one tenant)' : ''}: p50 ${t.p50Ms.toFixed(0)} ms, p95 ${t.p95Ms.toFixed(0)} ms ` +
      `(minute windows only: p50 ${fine.p50Ms.toFixed(0)}, p95 ${fine.p95Ms.toFixed(0)})`,
  );
}
process.stdout.write(
  `load average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
);
for (const server of servers) await server.close();
await reader.close();
if (!keep) await sql.command(`DROP DATABASE ${database}`);
await client.close();
