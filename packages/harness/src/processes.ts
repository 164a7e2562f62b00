import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Pipeline services as real child processes (`node packages/cli/dist/main.js run <service>`), under a
 * small supervisor that behaves like systemd or Kubernetes: a process that exits without being asked to
 * is started again (after a short, growing back-off) and the restart is counted. The harness can also
 * kill a process on purpose (SIGKILL, then start it again) or stop it for good (SIGTERM). The fault suite
 * kills, rescales and restarts services this way; the benchmarks measure each one's CPU and memory.
 */

/** The repository root (this file is packages/harness/{src,dist}/processes.*). */
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const CLI_MAIN = join(REPO_ROOT, 'packages', 'cli', 'dist', 'main.js');

/**
 * Variables a child inherits from this process; everything else the services read is set explicitly. The
 * cluster suite (test/cluster) sets the replication and the ClickHouse cluster of every service this way.
 */
const INHERITED_ENV = [
  'PATH',
  'HOME',
  'LANG',
  'TZ',
  'TMPDIR',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'KAFKA_REPLICATION_FACTOR',
  'KAFKA_MIN_INSYNC_REPLICAS',
  'CLICKHOUSE_CLUSTER',
];

export interface ExitRecord {
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** true: the harness asked for it (kill or stop); false: the process died on its own. */
  readonly requested: boolean;
  readonly atMs: number;
}

export interface SupervisedProcessOptions {
  /** For logs and reports, e.g. `aggregator#1`. */
  readonly name: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** The script node runs; default the built CLI of this checkout. */
  readonly script?: string;
  /** stdout and stderr of every incarnation are appended here. */
  readonly logFile: string;
  /** Port of the process's /readyz and /metrics (passed by the caller in args or env). */
  readonly opsPort?: number;
  /** First back-off after an unexpected exit; doubles up to 10 s while the process keeps failing. */
  readonly restartDelayMs?: number;
  /**
   * false: an unexpected exit is final (a benchmark's measurement must fail, not go on with a new
   * process). Default true.
   */
  readonly restart?: boolean;
  /** Options of node itself, before the script (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
}

/** CPU time and memory of a live process (Linux /proc). */
export interface ProcessUsage {
  /** User + system CPU seconds since it started. */
  readonly cpuSeconds: number;
  readonly rssBytes: number;
  /** Peak resident memory so far (VmHWM). */
  readonly peakRssBytes: number;
}

/** The kernel's clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
const CLOCK_TICKS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One supervised service: at most one live child at a time. */
export class SupervisedProcess {
  readonly name: string;
  /** Unexpected exits that the supervisor answered with a restart. */
  crashRestarts = 0;
  /** Deliberate kills followed by a restart (`killAndRestart`). */
  kills = 0;
  readonly exits: ExitRecord[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<ExitRecord> | undefined;
  private requested = false;
  private stopped = false;
  private backoffMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private startedAtMs = 0;

  constructor(private readonly options: SupervisedProcessOptions) {
    this.name = options.name;
    this.backoffMs = options.restartDelayMs ?? 1000;
    mkdirSync(dirname(options.logFile), { recursive: true });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get opsPort(): number | undefined {
    return this.options.opsPort;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} already runs (pid ${this.pid})`);
    this.stopped = false;
    this.requested = false;
    const env: Record<string, string> = {};
    for (const name of INHERITED_ENV) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
    Object.assign(env, this.options.env);
    const fd = openSync(this.options.logFile, 'a');
    try {
      writeSync(fd, `\n==> ${new Date().toISOString()} start ${this.name}: ${this.options.args.join(' ')}\n`);
      const args = [...(this.options.nodeArgs ?? []), this.options.script ?? CLI_MAIN, ...this.options.args];
      const child = spawn(process.execPath, args, {
        cwd: REPO_ROOT,
        env,
        stdio: ['ignore', fd, fd],
      });
      this.child = child;
      this.startedAtMs = Date.now();
      this.exited = new Promise<ExitRecord>((resolve) => {
        child.once('exit', (code, signal) => {
          const record: ExitRecord = {
            pid: child.pid ?? -1,
            code,
            signal,
            requested: this.requested,
            atMs: Date.now(),
          };
          this.exits.push(record);
          this.note(`pid ${record.pid} exited (code ${code}, signal ${signal})`);
          resolve(record);
          if (!record.requested && !this.stopped && this.options.restart !== false)
            this.scheduleRestart(record);
        });
        child.once('error', () => undefined);
      });
    } finally {
      closeSync(fd);
    }
  }

  /** The supervisor's answer to an unexpected exit: start again, backing off while it keeps failing. */
  private scheduleRestart(record: ExitRecord): void {
    this.crashRestarts++;
    const ranMs = record.atMs - this.startedAtMs;
    // A process that ran for a while gets the short delay again; one that fails at once backs off.
    if (ranMs > 30_000) this.backoffMs = this.options.restartDelayMs ?? 1000;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 10_000);
    this.note(`exited on its own (code ${record.code}, signal ${record.signal}); restart in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped && !this.running) this.start();
    }, delay);
  }

  private note(line: string): void {
    const fd = openSync(this.options.logFile, 'a');
    try {
      writeSync(fd, `==> ${new Date().toISOString()} supervisor: ${this.name} ${line}\n`);
    } finally {
      closeSync(fd);
    }
  }

  private async signalAndWait(signal: NodeJS.Signals, timeoutMs: number): Promise<ExitRecord | undefined> {
    if (this.restartTimer !== undefined) {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
    }
    const child = this.child;
    const exited = this.exited;
    if (child === undefined || exited === undefined || !this.running) return undefined;
    this.requested = true;
    child.kill(signal);
    const outcome = await Promise.race([exited, sleep(timeoutMs).then(() => undefined)]);
    if (outcome !== undefined) return outcome;
    this.note(`did not exit within ${timeoutMs} ms of ${signal}; SIGKILL`);
    child.kill('SIGKILL');
    return exited;
  }

  /** SIGKILL (no chance to flush or commit), then a new incarnation with the same environment. */
  async killAndRestart(): Promise<ExitRecord | undefined> {
    this.note('SIGKILL by the harness, then restart');
    const record = await this.signalAndWait('SIGKILL', 10_000);
    this.kills++;
    this.start();
    return record;
  }

  /** Stops for good: `signal` (SIGTERM: graceful), SIGKILL after `timeoutMs`. No restart. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 40_000): Promise<ExitRecord | undefined> {
    this.stopped = true;
    this.note(`${signal} by the harness (stop for good)`);
    return this.signalAndWait(signal, timeoutMs);
  }

  /** CPU time and memory of the live child, or null when none runs. */
  usage(): ProcessUsage | null {
    const pid = this.pid;
    if (pid === undefined || !this.running) return null;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The fields after the command name (which may hold spaces) start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
      return {
        cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS,
        rssBytes: kb('VmRSS') * 1024,
        peakRssBytes: kb('VmHWM') * 1024,
      };
    } catch {
      return null;
    }
  }

  /** The last `chars` characters of the process's log (for an error message). */
  logTail(chars = 4000): string {
    try {
      return readFileSync(this.options.logFile, 'utf8').slice(-chars);
    } catch {
      return '';
    }
  }

  /**
   * Waits until /readyz answers 200. Throws, with the end of the log, when `timeoutMs` passes first or
   * when the process exited and will not be restarted.
   */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await this.isReady()) return;
      if (!this.running && this.restartTimer === undefined)
        throw new Error(`${this.name} exited (${this.describeLastExit()}): ${this.logTail()}`);
      await sleep(200);
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms: ${this.logTail()}`);
  }

  /** Throws, with the end of the log, when the process exited without being asked to and is not restarted. */
  assertAlive(): void {
    if (!this.running && !this.stopped && this.restartTimer === undefined && this.exits.length > 0)
      throw new Error(`${this.name} exited (${this.describeLastExit()}): ${this.logTail()}`);
  }

  private describeLastExit(): string {
    const last = this.exits[this.exits.length - 1];
    return last === undefined ? 'never started' : `code ${last.code}, signal ${last.signal}`;
  }

  /** /readyz answers 200: consuming, partitions assigned. */
  async isReady(): Promise<boolean> {
    if (this.options.opsPort === undefined || !this.running) return false;
    try {
      const response = await fetch(`http://127.0.0.1:${this.options.opsPort}/readyz`, {
        signal: AbortSignal.timeout(2000),
      });
      return response.status === 200;
    } catch {
      return false;
    }
  }

  /** The Prometheus text of /metrics, or null when the process does not answer. */
  async metrics(): Promise<string | null> {
    if (this.options.opsPort === undefined || !this.running) return null;
    try {
      const response = await fetch(`http://127.0.0.1:${this.options.opsPort}/metrics`, {
        signal: AbortSignal.timeout(3000),
      });
      return response.status === 200 ? await response.text() : null;
    } catch {
      return null;
    }
  }

  /** Kills the live child without waiting (process exit hook). */
  killNow(): void {
    this.stopped = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    if (this.running) this.child?.kill('SIGKILL');
  }
}

/** The sum of a metric's samples whose labels include `labels` (Prometheus text format). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | null {
  let total: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (match === null || match[1] !== name) continue;
    const found = new Map<string, string>();
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      found.set(pair[1]!, pair[2]!);
    }
    if (Object.entries(labels).every(([key, value]) => found.get(key) === value)) {
      total = (total ?? 0) + Number(match[3]);
    }
  }
  return total;
}

/** A TCP port nobody listens on right now (the kernel picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Every process of a test run, so that they are counted, reported and never left behind. */
export class Supervisor {
  readonly processes: SupervisedProcess[] = [];
  private readonly onExit = () => {
    for (const p of this.processes) p.killNow();
  };

  constructor() {
    process.once('exit', this.onExit);
  }

  add(options: SupervisedProcessOptions): SupervisedProcess {
    const supervised = new SupervisedProcess(options);
    this.processes.push(supervised);
    return supervised;
  }

  /** Starts a `aiops run <service>` process with its own ops port; `index` tells instances apart. */
  async spawnService(
    service: string,
    index: number,
    env: Readonly<Record<string, string>>,
    logDir: string,
    script: string = CLI_MAIN,
    options: Pick<SupervisedProcessOptions, 'restart' | 'nodeArgs'> = {},
  ): Promise<SupervisedProcess> {
    const opsPort = await freePort();
    const supervised = this.add({
      name: `${service}#${index}`,
      args: ['run', service, '--ops-port', String(opsPort)],
      env,
      logFile: join(logDir, `${service}-${index}.log`),
      opsPort,
      script,
      ...options,
    });
    supervised.start();
    return supervised;
  }

  live(): SupervisedProcess[] {
    return this.processes.filter((p) => p.running);
  }

  /**
   * Stops every process (SIGTERM, SIGKILL after the timeout), all at once. `aiops run` stops its services
   * at once but its process lingers until the shutdown deadline (30 s) passes; a harness that has read
   * its results can give it less time.
   */
  async stopAll(timeoutMs = 40_000): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop('SIGTERM', timeoutMs)));
    process.removeListener('exit', this.onExit);
  }

  /** `name: restarts` for each process, e.g. for a report line. */
  restartSummary(): { crashRestarts: number; kills: number; byProcess: string } {
    let crashRestarts = 0;
    let kills = 0;
    const parts: string[] = [];
    for (const p of this.processes) {
      crashRestarts += p.crashRestarts;
      kills += p.kills;
      if (p.crashRestarts > 0 || p.kills > 0)
        parts.push(`${p.name} crash×${p.crashRestarts} kill×${p.kills}`);
    }
    return { crashRestarts, kills, byProcess: parts.join(', ') || '-' };
  }
}
