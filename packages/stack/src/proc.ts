import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/** A pid that exists and is not a zombie (a zombie answers kill(pid, 0) but runs nothing). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (macOS): kill(pid, 0) is all we know
  }
}

/** The process's command line, or null where /proc is unavailable or the process is gone. */
export function commandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return null;
  }
}

/**
 * True when `pid` is alive and (where /proc tells) runs a command containing `marker`. Guards against
 * a recycled pid: `down` must never signal a process the stack did not start.
 */
export function isOurProcess(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  const cmd = commandLine(pid);
  return cmd === null || cmd.includes(marker);
}

export function readPidFile(path: string): number | null {
  if (!existsSync(path)) return null;
  const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export function writePidFile(path: string, pid: number): void {
  writeFileSync(path, `${pid}\n`);
}

export function removeFile(path: string): void {
  rmSync(path, { force: true });
}

/**
 * Starts a process in its own session (it survives the caller), stdout and stderr appended to `logFile`.
 * Returns its pid; the caller writes the pid file.
 */
export function spawnDetached(
  command: string,
  args: readonly string[],
  options: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv },
): number {
  const fd = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: options.env ?? process.env,
    });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM, then SIGKILL if still alive after `timeoutMs`. Resolves with how it ended. */
export async function stopProcess(pid: number, timeoutMs: number): Promise<'terminated' | 'killed' | 'gone'> {
  if (!isAlive(pid)) return 'gone';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'gone';
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'terminated';
    await sleep(200);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'terminated';
  }
  for (let i = 0; i < 50 && isAlive(pid); i += 1) await sleep(100);
  return 'killed';
}

/**
 * A cross-process lock (an O_EXCL file holding the owner's pid), so that two `stack up` runs at once
 * (two test runs, a test run and a demo) never start a service twice. A lock whose owner died is taken over.
 */
export async function withLock<T>(path: string, timeoutMs: number, body: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readPidFile(path);
      if (owner === null || !isAlive(owner)) {
        removeFile(path);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another stack command (pid ${owner}) holds ${path}`);
      await sleep(250);
    }
  }
  try {
    return await body();
  } finally {
    removeFile(path);
  }
}

/** The pid in `pidFile` if it names a live process of ours (`marker` in its command line); a stale pid file is removed. */
export function livePidFromFile(pidFile: string, marker: string): number | null {
  const pid = readPidFile(pidFile);
  if (pid === null) return null;
  if (isOurProcess(pid, marker)) return pid;
  removeFile(pidFile);
  return null;
}
