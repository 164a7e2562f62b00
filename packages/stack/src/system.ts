import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The first executable named `name` on PATH (plus the sbin folders, which root's PATH may lack). */
export function findExecutable(
  name: string,
  extraDirs: readonly string[] = ['/usr/sbin', '/usr/local/sbin', '/sbin'],
): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Runs a command to completion without blocking the event loop (so one service can start while another
 * resolves its jars); rejects with the end of its output on failure.
 */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: Buffer[] = [];
    const stdout: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      output.push(chunk);
      stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.once('error', (error) => reject(new Error(`cannot run ${command}: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) {
        resolve(Buffer.concat(stdout).toString('utf8'));
        return;
      }
      const tail = Buffer.concat(output).toString('utf8').trim().split('\n').slice(-40).join('\n');
      reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}:\n${tail}`));
    });
  });
}

/**
 * Installs Debian/Ubuntu packages with apt-get (non-interactive). Only as root; otherwise the error says
 * exactly what to run.
 */
export async function aptInstall(packages: readonly string[], why: string): Promise<void> {
  const command = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages.join(' ')}`;
  if (!isRoot()) {
    throw new Error(`${why}. Install it first (as root): ${command}`);
  }
  if (findExecutable('apt-get') === null) {
    throw new Error(
      `${why}, and apt-get is not available to install it; install ${packages.join(', ')} yourself`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update'], { env });
  await run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { env });
}
