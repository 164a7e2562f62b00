import type { CliCommand } from '../command.js';
import { alertsCommand } from './alerts.js';
import { backtestCommand } from './backtest.js';
import { demoCommand } from './demo.js';
import { incidentsCommand } from './incidents.js';
import { migrateCommand } from './migrate.js';
import { reviewCommand } from './review.js';
import { runCommand } from './run.js';
import { scoreSeriesCommand } from './score-series.js';
import { silenceCommand } from './silence.js';
import { simulateCommand } from './simulate.js';
import { stackCommand } from './stack.js';
import { reportCommand, uiCommand } from './ui.js';

/**
 * Every `aiops` sub-command. To add one: write commands/<name>.ts exporting a CliCommand, then add it
 * here (one import, one entry).
 */
export const commands: readonly CliCommand[] = [
  stackCommand,
  migrateCommand,
  runCommand,
  simulateCommand,
  scoreSeriesCommand,
  alertsCommand,
  silenceCommand,
  incidentsCommand,
  demoCommand,
  backtestCommand,
  reviewCommand,
  uiCommand,
  reportCommand,
];
