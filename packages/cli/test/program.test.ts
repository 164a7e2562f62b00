import { describe, expect, it } from 'vitest';
import { type CliContext, CliError, EXIT, intOption, keyValueOption } from '../src/command.js';
import { commands } from '../src/commands/index.js';
import { buildProgram, runCli } from '../src/program.js';

function capture(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const context: CliContext = { env, out: (line) => out.push(line), err: (line) => err.push(line) };
  return { context, out, err };
}

const argv = (...args: string[]) => ['node', 'aiops', ...args];

describe('the aiops program', () => {
  it('registers every command of commands/index.ts once', () => {
    const names = buildProgram(capture().context).commands.map((c) => c.name());
    expect(names).toEqual(commands.map((c) => c.name));
    expect(names).toEqual(expect.arrayContaining(['stack', 'migrate']));
    expect(new Set(names).size).toBe(names.length);
  });

  it('has stack up, status, down and env', () => {
    const stack = buildProgram(capture().context).commands.find((c) => c.name() === 'stack')!;
    expect(stack.commands.map((c) => c.name())).toEqual(['up', 'status', 'down', 'env']);
  });

  it('prints help with exit code 0', async () => {
    const { context, out } = capture();
    expect(await runCli(argv('--help'), context)).toBe(EXIT.ok);
    expect(out.join('\n')).toContain('migrate');
  });

  it('answers an unknown command or a bad option with a usage error (exit 2)', async () => {
    const unknown = capture();
    expect(await runCli(argv('nope'), unknown.context)).toBe(EXIT.usage);
    expect(unknown.err.join('\n')).toMatch(/unknown command/);
    const badPort = capture();
    expect(await runCli(argv('stack', 'status', '--kafka-port', 'x'), badPort.context)).toBe(EXIT.usage);
    expect(badPort.err.join('\n')).toMatch(/--kafka-port must be a positive integer/);
  });

  it('prints a readable error and exit 1 when a command fails', async () => {
    const { context, err } = capture({ CLICKHOUSE_URL: 'not a url' });
    expect(await runCli(argv('migrate'), context)).toBe(EXIT.failure);
    expect(err.join('\n')).toMatch(/^aiops: invalid ClickHouse settings/);
    expect(err.join('\n')).not.toMatch(/\n\s+at /);
  });
});

describe('option parsers', () => {
  it('parse integers and key=value pairs, refusing nonsense with a usage error', () => {
    expect(intOption('--port')('42')).toBe(42);
    expect(() => intOption('--port')('4.2')).toThrow(CliError);
    expect(keyValueOption('a=1', keyValueOption('b=x=y'))).toEqual({ a: '1', b: 'x=y' });
    try {
      keyValueOption('novalue');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(EXIT.usage);
    }
  });
});
