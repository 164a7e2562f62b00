import type { Command } from 'commander';

/**
 * One `aiops` sub-command. Each lives in its own file under commands/ and is listed once in
 * commands/index.ts; `register` adds it (and its options and action) to the program.
 */
export interface CliCommand {
  /** The top-level word (`stack`, `migrate`, `run`...), unique. */
  readonly name: string;
  register(program: Command, context: CliContext): void;
}

/** What a command may touch besides its arguments, so tests can capture output and pass an environment. */
export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  out(line: string): void;
  err(line: string): void;
}

export const processContext: CliContext = {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Exit codes every command shares. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** `stack status`: something is not running. */
  notRunning: 3,
} as const;

/** An error whose message is meant for the user as is (no stack trace), with the exit code to use. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
  }
}

/** Runs `read` (parsing flags); whatever it throws becomes a usage error (exit 2) with its message. */
export function asUsage<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), EXIT.usage);
  }
}

/** Parses a port or other positive integer option, with a readable error. */
export function intOption(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed <= 0)
      throw new CliError(`${name} must be a positive integer; got ${value}`, EXIT.usage);
    return parsed;
  };
}

/** Collects repeated `--var key=value` options into an object. */
export function keyValueOption(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const index = value.indexOf('=');
  if (index <= 0) throw new CliError(`expected key=value; got ${value}`, EXIT.usage);
  return { ...previous, [value.slice(0, index)]: value.slice(index + 1) };
}
