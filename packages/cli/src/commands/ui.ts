import { writeFile } from 'node:fs/promises';
import { createLogger } from '@aiops/ops';
import {
  Dashboard,
  openDashboardReader,
  renderWeeklyReportHtml,
  startUiServer,
  type UiConfig,
  type UiServer,
  uiConfigFromEnv,
} from '@aiops/ui';
import type { Command } from 'commander';
import { asUsage, type CliCommand, type CliContext, CliError, EXIT, intOption } from '../command.js';
import { connect } from '../people.js';
import { actOnIncident } from './incidents.js';

export interface RunningUi {
  readonly url: string;
  readonly readAs: string;
  close(): Promise<void>;
}

/**
 * The dashboard on ClickHouse (read as the analyst user where the server has it) with acknowledgement
 * through `aiops incidents ack`'s path (Kafka incident action + audit log, written as the pipeline's
 * user). Used by `aiops ui`, `aiops demo --keep-running` and the browser tests.
 */
export async function startUi(
  env: Readonly<Record<string, string | undefined>>,
  config: UiConfig,
  logLevel = 'warn',
): Promise<RunningUi> {
  const logger = createLogger({ service: 'aiops-ui', level: logLevel, destination: process.stderr });
  const reader = await openDashboardReader(env, config, logger);
  const people = await connect(env, 'ui');
  let server: UiServer;
  try {
    server = await startUiServer({
      dashboard: new Dashboard(reader.executor, {
        database: reader.database,
        windowSizeS: config.windowSizeS,
        rollupWindowSizeS: config.rollupWindowSizeS,
      }),
      acknowledge: async (id, body) => {
        await actOnIncident(people, { id, kind: 'ack', by: body.by, to: null, note: body.note ?? null });
      },
      host: config.host,
      port: config.port,
      logger,
    });
  } catch (error) {
    await reader.close();
    await people.close();
    throw new CliError(`cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
  }
  return {
    url: server.url,
    readAs: reader.user,
    close: async () => {
      await server.close();
      await reader.close();
      await people.close();
    },
  };
}

async function ui(flags: { host?: string; port?: number }, context: CliContext): Promise<void> {
  const config = asUsage(() => uiConfigFromEnv(context.env, { host: flags.host, port: flags.port }));
  const running = await startUi(context.env, config);
  context.out(`aiops ui: ${running.url} (ClickHouse read as ${running.readAs}); Ctrl-C stops`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await running.close();
}

async function report(
  flags: { week?: boolean; out: string; tenant?: string },
  context: CliContext,
): Promise<void> {
  if (!flags.week) throw new CliError('say which report: --week', EXIT.usage);
  const config = asUsage(() => uiConfigFromEnv(context.env));
  const logger = createLogger({ service: 'aiops-report', level: 'error', destination: process.stderr });
  const reader = await openDashboardReader(context.env, config, logger);
  try {
    const dashboard = new Dashboard(reader.executor, {
      database: reader.database,
      windowSizeS: config.windowSizeS,
      rollupWindowSizeS: config.rollupWindowSizeS,
    });
    const week = await dashboard.week({ tenant: flags.tenant }).catch((error: Error) => {
      throw new CliError(error.message);
    });
    await writeFile(flags.out, renderWeeklyReportHtml(week, Date.now()));
    context.out(`weekly report (${week.applications.length} applications) written to ${flags.out}`);
  } finally {
    await reader.close();
  }
}

export function registerUi(program: Command, context: CliContext): void {
  program
    .command('ui')
    .description(
      'the dashboard: overview, series, incidents, prompt versions, weekly report (http://127.0.0.1:8080)',
    )
    .option('--host <host>', 'address to listen on (UI_HOST; default 127.0.0.1)')
    .option('--port <port>', 'port (UI_PORT; default 8080)', intOption('--port'))
    .action((flags: { host?: string; port?: number }) => ui(flags, context));
}

export function registerReport(program: Command, context: CliContext): void {
  program
    .command('report')
    .description('write a report as one static HTML file (to attach to an email)')
    .option('--week', 'this week against last week, per application')
    .option('--tenant <tenant>', 'one tenant only')
    .option('--out <file>', 'where to write it', 'aiops-weekly-report.html')
    .action((flags: { week?: boolean; out: string; tenant?: string }) => report(flags, context));
}

export const uiCommand: CliCommand = { name: 'ui', register: registerUi };
export const reportCommand: CliCommand = { name: 'report', register: registerReport };
