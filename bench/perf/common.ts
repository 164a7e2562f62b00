import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@aiops/harness';
import kafkajs, { type Admin, type Kafka } from 'kafkajs';

const { Kafka: KafkaClient, logLevel } = kafkajs;

export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');

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

/** What a helper program (a JVM tool, a measuring child) printed, and how it ended. */
export interface ChildOutput {
  /** Exit code; -1 when it could not be started. */
  readonly code: number | null;
  readonly out: string;
  /** The last 2,000 characters of stderr (or why it could not start). */
  readonly errTail: string;
}

/** Runs a helper program to its end, collecting its stdout; never rejects. */
export function runToEnd(command: string, args: readonly string[]): Promise<ChildOutput> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errTail = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      errTail = (errTail + c.toString()).slice(-2000);
    });
    child.on('error', (error) => resolve({ code: -1, out, errTail: String(error) }));
    child.on('exit', (code) => resolve({ code, out, errTail }));
  });
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
