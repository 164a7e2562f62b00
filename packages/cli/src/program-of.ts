import { Command, CommanderError } from 'commander';
import { type CliCommand, type CliContext, CliError, EXIT } from './command.js';

/**
 * The program over a given list of commands (program.ts passes all of them). main.ts passes only
 * score-series when that is the command run: it is a streaming tool, often run once per file in a loop, and
 * it needs none of the Kafka, ClickHouse and UI modules the other commands load (most of a second of CPU).
 */
export function buildProgramOf(commands: readonly CliCommand[], context: CliContext): Command {
  const program = new Command('aiops')
    .description('AI-operations telemetry pipeline: local stack, migrations, services and tools')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.out(text.trimEnd()),
      writeErr: (text) => context.err(text.trimEnd()),
    });
  const seen = new Set<string>();
  for (const command of commands) {
    if (seen.has(command.name)) throw new Error(`two CLI commands are named ${command.name}`);
    seen.add(command.name);
    command.register(program, context);
  }
  return program;
}

/** Runs the CLI and returns the exit code (never calls process.exit, so it can be tested). */
export async function runCliOf(
  commands: readonly CliCommand[],
  argv: readonly string[],
  context: CliContext,
): Promise<number> {
  const program = buildProgramOf(commands, context);
  try {
    await program.parseAsync([...argv]);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander; their text is already printed.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      context.err(`aiops: ${error.message}`);
      return error.exitCode;
    }
    context.err(`aiops: ${error instanceof Error ? error.message : String(error)}`);
    if (context.env.AIOPS_DEBUG && error instanceof Error && error.stack) context.err(error.stack);
    return EXIT.failure;
  }
}
