import { readFileSync } from 'node:fs';
import {
  clickhouseConfigFromEnv,
  clickhouseExecutor,
  createClickHouseClient,
  rowToWindowAggregate,
  type SqlExecutor,
  TABLES,
  WINDOW_AGGREGATE_COLUMNS,
} from '@aiops/clickhouse';
import { seriesKey } from '@aiops/contract';
import { errorMessage } from '@aiops/core';
import {
  type BacktestAlert,
  type BacktestReport,
  backtestAlertOf,
  DetectionConfigError,
  diffBacktest,
  formatBacktest,
  parseDetectionConfig,
  replayWindows,
} from '@aiops/detectors';
import { partitionForKey } from '@aiops/kafka';
import { parseDuration } from '@aiops/simulator';
import type { Command } from 'commander';
import { asUsage, type CliCommand, type CliContext, CliError, EXIT, intOption } from '../command.js';

interface BacktestFlags {
  rules?: string;
  from?: string;
  to?: string;
  tenant?: string;
  lookback: string;
  tickStep?: number;
  windowsKey?: string;
  partitions?: number;
  windowSize?: number;
  json?: boolean;
}

/** An ISO date-time or epoch ms. */
function parseTime(name: string, text: string | undefined): number {
  if (text === undefined) throw new CliError(`${name} <time> is required`, EXIT.usage);
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new CliError(`${name} must be an ISO date-time or epoch ms; got ${text}`, EXIT.usage);
  return ms;
}

/** The candidate rules: a JSON file in the detector's rules format (DETECTION_RULES_FILE), validated. */
export function readRulesFile(file: string | undefined): unknown {
  if (file === undefined) throw new CliError('--rules <file> is required', EXIT.usage);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read rules file ${file}: ${errorMessage(error)}`, EXIT.usage);
  }
  let rules: unknown;
  try {
    rules = JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`rules file ${file} is not valid JSON: ${errorMessage(error)}`, EXIT.usage);
  }
  try {
    parseDetectionConfig(rules);
  } catch (error) {
    if (error instanceof DetectionConfigError)
      throw new CliError(`rules file ${file}: ${error.message}`, EXIT.usage);
    throw error;
  }
  return rules;
}

const quoted = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

interface AlertRow {
  alert_id: string;
  status: 'firing' | 'resolved';
  detector: string;
  severity: string;
  tenant_id: string | null;
  summary: string;
  at_s: number | string;
}

export interface BacktestRequest {
  readonly rules: unknown;
  readonly fromMs: number;
  readonly toMs: number;
  readonly tenant?: string;
  /** Windows this far before `fromMs` are replayed too (baselines warm up); their alerts are not reported. */
  readonly lookbackMs: number;
  readonly tickStepMs: number;
  /** How the aggregator keyed the windows topic (WINDOWS_KEY) and its partitions: one engine per partition. */
  readonly windowsKey: 'tenant' | 'series';
  readonly partitions: number;
  /** The window size the detector judges (DETECTOR_WINDOW_SIZE_MS): other sizes (hourly rollups) are not replayed. */
  readonly windowSizeMs: number;
}

/**
 * Reads the period's windows (latest revisions, event-time order) and the live alerts from ClickHouse,
 * replays the windows with the candidate rules, and compares.
 */
export async function runBacktest(executor: SqlExecutor, database: string, request: BacktestRequest) {
  const tenant = request.tenant === undefined ? '' : ` AND tenant_id = ${quoted(request.tenant)}`;
  const startS = Math.floor(Math.max(0, request.fromMs - request.lookbackMs) / 1000);
  const endS = Math.floor(request.toMs / 1000);
  const rows = await executor.queryRows(
    `SELECT ${WINDOW_AGGREGATE_COLUMNS} FROM ${database}.${TABLES.windowAggregates} FINAL WHERE window_size_s = ${Math.round(request.windowSizeMs / 1000)} AND window_end >= toDateTime(${startS}) AND window_end <= toDateTime(${endS})${tenant} ORDER BY window_end, window_start`,
  );
  const windows = rows.map(rowToWindowAggregate);
  const partitionOf = new Map<string, number>();
  const replay = replayWindows(request.rules, windows, {
    tickStepMs: request.tickStepMs,
    untilMs: request.toMs,
    partitionOf: (window) => {
      const key = request.windowsKey === 'tenant' ? window.tenant_id : seriesKey(window);
      let partition = partitionOf.get(key);
      if (partition === undefined) {
        partition = partitionForKey(key, request.partitions);
        partitionOf.set(key, partition);
      }
      return partition;
    },
  });
  const live = await executor.queryRows<AlertRow>(
    `SELECT alert_id, status, detector, severity, tenant_id, summary,
       toUInt32(if(status = 'resolved', ifNull(resolved_at, notified_at), started_at)) AS at_s
     FROM ${database}.${TABLES.alerts} FINAL WHERE 1${tenant}`,
  );
  const current: BacktestAlert[] = live.map((r) => ({ ...r, at_s: Number(r.at_s) }));
  return diffBacktest(current, replay.alerts.map(backtestAlertOf), {
    fromMs: request.fromMs,
    toMs: request.toMs,
    windows: windows.length,
    failed: replay.failed,
  });
}

function registerBacktest(program: Command, context: CliContext): void {
  program
    .command('backtest')
    .description(
      'replay stored window aggregates with candidate rules and compare with the alerts the live rules fired',
    )
    .option('--rules <file>', 'candidate rules: JSON in the detector rules format (required)')
    .option('--from <time>', 'start of the period: ISO date-time or epoch ms (required)')
    .option('--to <time>', 'end of the period: ISO date-time or epoch ms (required)')
    .option('--tenant <id>', 'only this tenant')
    .option('--lookback <duration>', 'history before --from replayed to warm the baselines', '24h')
    .option(
      '--tick-step <ms>',
      'the detector absence-check step (default $DETECTOR_TICK_STEP_MS or 10000)',
      intOption('--tick-step'),
    )
    .option(
      '--windows-key <key>',
      'how the aggregator keyed the windows topic: tenant | series (default $WINDOWS_KEY or tenant)',
    )
    .option(
      '--partitions <n>',
      'windows topic partitions (default $TOPIC_PARTITIONS or 6)',
      intOption('--partitions'),
    )
    .option(
      '--window-size <ms>',
      'the window size the detector judges (default $DETECTOR_WINDOW_SIZE_MS or 60000)',
      intOption('--window-size'),
    )
    .option('--json', 'the report as one JSON document (for CI)')
    .action(async (flags: BacktestFlags) => {
      const rules = readRulesFile(flags.rules);
      const fromMs = parseTime('--from', flags.from);
      const toMs = parseTime('--to', flags.to);
      if (toMs <= fromMs) throw new CliError('--to must be after --from', EXIT.usage);
      const lookbackMs = flags.lookback === '0' ? 0 : asUsage(() => parseDuration(flags.lookback));
      const tickStepMs = flags.tickStep ?? Number(context.env.DETECTOR_TICK_STEP_MS ?? 10_000);
      if (!Number.isSafeInteger(tickStepMs) || tickStepMs <= 0)
        throw new CliError(`DETECTOR_TICK_STEP_MS must be a positive integer; got ${tickStepMs}`, EXIT.usage);
      const windowsKey = flags.windowsKey ?? context.env.WINDOWS_KEY ?? 'tenant';
      if (windowsKey !== 'tenant' && windowsKey !== 'series')
        throw new CliError(`--windows-key must be tenant or series; got ${windowsKey}`, EXIT.usage);
      const partitions = flags.partitions ?? Number(context.env.TOPIC_PARTITIONS ?? 6);
      if (!Number.isSafeInteger(partitions) || partitions <= 0)
        throw new CliError(`TOPIC_PARTITIONS must be a positive integer; got ${partitions}`, EXIT.usage);
      const windowSizeMs = flags.windowSize ?? Number(context.env.DETECTOR_WINDOW_SIZE_MS ?? 60_000);
      if (!Number.isSafeInteger(windowSizeMs) || windowSizeMs < 1000 || windowSizeMs % 1000 !== 0)
        throw new CliError(
          `DETECTOR_WINDOW_SIZE_MS must be a whole number of seconds in ms; got ${windowSizeMs}`,
          EXIT.usage,
        );
      const config = clickhouseConfigFromEnv(context.env);
      const client = createClickHouseClient(config);
      let report: BacktestReport;
      try {
        report = await runBacktest(clickhouseExecutor(client), config.database, {
          rules,
          fromMs,
          toMs,
          lookbackMs,
          tickStepMs,
          windowsKey,
          partitions,
          windowSizeMs,
          ...(flags.tenant === undefined ? {} : { tenant: flags.tenant }),
        });
      } finally {
        await client.close();
      }
      if (flags.json) context.out(JSON.stringify(report));
      else for (const line of formatBacktest(report)) context.out(line);
    });
}

export const backtestCommand: CliCommand = { name: 'backtest', register: registerBacktest };
