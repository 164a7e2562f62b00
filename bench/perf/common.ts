import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import kafkajs, { type Admin, type Kafka } from 'kafkajs';

const { Kafka: KafkaClient, logLevel } = kafkajs;

/** The repository root (bench/dist/perf → ../../..). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = join(ROOT, 'packages', 'cli', 'dist', 'main.js');
export const RESULTS_DIR = join(ROOT, 'bench', 'results');

export interface Endpoints {
  readonly brokers: string[];
  readonly clickhouseUrl: string;
}

export function endpoints(env: NodeJS.ProcessEnv = process.env): Endpoints {
  return {
    brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:19092')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    clickhouseUrl: env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123',
  };
}

export function kafkaClient(brokers: string[], clientId: string): Kafka {
  return new KafkaClient({ clientId, brokers, logLevel: logLevel.NOTHING, requestTimeout: 60_000 });
}

/** Sum of the high watermarks of a topic's partitions (= messages, on a topic nothing deletes). */
export async function topicEnd(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

export async function topicExists(admin: Admin, topic: string): Promise<boolean> {
  return (await admin.listTopics()).includes(topic);
}

/** Sum of a group's committed offsets on a topic (-1 = none counts as 0). */
export async function groupCommitted(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  let sum = 0;
  for (const p of entry?.partitions ?? []) sum += Math.max(0, Number(p.offset));
  return sum;
}

/** CPU seconds (user + system) and RSS of a process from /proc. */
export interface ProcSample {
  readonly cpuSeconds: number;
  readonly rssBytes: number;
  /** Peak RSS so far (VmHWM). */
  readonly peakRssBytes: number;
}

const CLOCK_TICKS = 100;

export function sampleProc(pid: number): ProcSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return {
      cpuSeconds: (utime + stime) / CLOCK_TICKS,
      rssBytes: kb('VmRSS') * 1024,
      peakRssBytes: kb('VmHWM') * 1024,
    };
  } catch {
    return null;
  }
}

/** Reads one Prometheus counter (summed over the label sets that contain every `labels` pair). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    if (!Object.entries(labels).every(([k, v]) => rest.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export async function scrape(port: number): Promise<string> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
    return response.ok ? await response.text() : '';
  } catch {
    return '';
  }
}

/** A pipeline service in a child process of its own (`aiops run <name>`), so CPU and RSS are its alone. */
export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly opsPort: number;
  readonly exited: Promise<number | null>;
  stderrTail(): string;
  stop(): Promise<void>;
}

export function startService(name: string, env: NodeJS.ProcessEnv, opsPort: number): ServiceProcess {
  const child = spawn(process.execPath, [CLI, 'run', name, '--ops-port', String(opsPort)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, OPS_PORT: String(opsPort) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4000);
  });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return {
    name,
    child,
    opsPort,
    exited,
    stderrTail: () => tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Measurements are taken: a graceful stop (group leave, flush) would only cost wall time here.
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(3_000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Polls until the service's /readyz answers 200 (group joined, partitions assigned). */
export async function waitReady(service: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) {
      throw new Error(`${service.name} exited (${service.child.exitCode}): ${service.stderrTail()}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${service.opsPort}/readyz`, {
        signal: AbortSignal.timeout(2000),
      });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${service.name} not ready after ${timeoutMs} ms: ${service.stderrTail()}`);
}

export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function round(value: number | null, digits = 0): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function fileExists(path: string): boolean {
  return existsSync(path);
}

/** Progress lines go to stderr so stdout stays the report. */
export function say(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
