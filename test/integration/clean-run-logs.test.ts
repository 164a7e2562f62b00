import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { createClickHouseClient, parseClickHouseConfig } from '@aiops/clickhouse';
import { CLI_MAIN, freePort, REPO_ROOT } from '@aiops/harness';
import { afterAll, describe, expect, it } from 'vitest';
import { clickhouseUrl, kafkaBrokers, uniqueName } from '../setup/endpoints.js';

/**
 * An operator reads error-level lines as "a human must act". A clean run of `aiops run all` on simulated
 * traffic in real time (the detector commits a transaction per batch and per tick, the condition under
 * which kafkajs logged CONCURRENT_TRANSACTIONS at error level ~3 times a second) must log none, and kafkajs
 * must not warn about its partitioner or the idempotent producers' retries.
 */

const run = promisify(execFile);
const id = uniqueName('clean');
const database = id;
let services: ChildProcess | undefined;

afterAll(async () => {
  if (services && services.exitCode === null) {
    services.kill('SIGKILL');
    await once(services, 'exit');
  }
  const client = createClickHouseClient(parseClickHouseConfig({ url: clickhouseUrl(), database: 'system' }));
  await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await client.close();
});

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('a clean run of `aiops run all`', () => {
  it('logs no error-level line and no kafkajs warning', async () => {
    const opsPort = await freePort();
    const env = {
      ...process.env,
      KAFKA_BROKERS: kafkaBrokers().join(','),
      CLICKHOUSE_URL: clickhouseUrl(),
      CLICKHOUSE_DATABASE: database,
      USER_ID_SALT: 'clean-run-salt',
      TOPIC_RAW: `${id}.raw`,
      TOPIC_EVENTS: `${id}.events`,
      TOPIC_DLQ: `${id}.dlq`,
      TOPIC_WINDOWS: `${id}.windows`,
      TOPIC_ALERTS: `${id}.alerts`,
      TOPIC_DETECTOR_STATE: `${id}.state`,
      TOPIC_PARTITIONS: '3',
      VALIDATOR_GROUP_ID: `${id}-validator`,
      AGGREGATOR_GROUP_ID: `${id}-aggregator`,
      WRITER_GROUP_ID: `${id}-writer`,
      DETECTOR_GROUP_ID: `${id}-detector`,
      OPS_PORT: String(opsPort),
      LOG_LEVEL: 'info',
    };
    let output = '';
    services = spawn(process.execPath, [CLI_MAIN, 'run', 'all'], { cwd: REPO_ROOT, env });
    services.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    services.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitFor('the services to be ready', 60_000, async () => {
      const response = await fetch(`http://127.0.0.1:${opsPort}/readyz`).catch(() => null);
      return response?.ok ? true : undefined;
    });

    // 40 s of traffic in real time, a few thousand events (the rate is a daily mean; night hours get less): batches and ticks keep the detector's transactions
    // coming back to back, as in production.
    const simulated = await run(
      process.execPath,
      [
        CLI_MAIN,
        'simulate',
        '--topic',
        `${id}.raw`,
        '--duration',
        '40s',
        '--start',
        'now',
        '--speed',
        '1',
        '--rate',
        '9000/min',
        '--scenarios',
        'none',
        '--progress-every',
        '60s',
      ],
      { cwd: REPO_ROOT, env, timeout: 120_000 },
    );
    const produced = Number(
      /done ([\d,]+) events/.exec(simulated.stdout + simulated.stderr)![1]!.replaceAll(',', ''),
    );
    expect(produced, 'events simulated').toBeGreaterThan(2000);

    const client = createClickHouseClient(parseClickHouseConfig({ url: clickhouseUrl(), database }));
    try {
      await waitFor(`${produced} events in ClickHouse`, 60_000, async () => {
        const result = await client.query({
          query: `SELECT count() AS n FROM ${database}.events`,
          format: 'JSONEachRow',
        });
        const [row] = await result.json<{ n: string }>();
        return Number(row?.n) >= produced ? true : undefined;
      });
    } finally {
      await client.close();
    }

    services.kill('SIGTERM');
    const [code] = (await once(services, 'exit')) as [number | null];
    expect(code).toBe(0);

    const lines = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg?: string; component?: string });
    expect(lines.length).toBeGreaterThan(0);
    const errors = lines.filter((line) => line.level >= 50).map((line) => line.msg);
    expect(errors).toEqual([]);
    const kafkaWarnings = lines
      .filter((line) => line.level >= 40 && line.component === 'kafkajs')
      .map((line) => line.msg);
    expect(kafkaWarnings).toEqual([]);
  });
});
