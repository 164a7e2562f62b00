import type { Command } from 'commander';
import { type CliContext, processContext } from './command.js';
import { commands } from './commands/index.js';
import { buildProgramOf, runCliOf } from './program-of.js';

export function buildProgram(context: CliContext = processContext): Command {
  return buildProgramOf(commands, context);
}

/** Runs the CLI and returns the exit code (never calls process.exit, so it can be tested). */
export async function runCli(argv: readonly string[], context: CliContext = processContext): Promise<number> {
  return runCliOf(commands, argv, context);
}
