import { Command, CommanderError } from 'commander';
import { type CliContext, CliError, EXIT, processContext } from './command.js';
import { commands } from './commands/index.js';

export function buildProgram(context: CliContext = processContext): Command {
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
export async function runCli(argv: readonly string[], context: CliContext = processContext): Promise<number> {
  const program = buildProgram(context);
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
