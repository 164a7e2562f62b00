import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_MAIN, freePort, metricValue, REPO_ROOT } from '@aiops/harness';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaBrokers, uniqueName } from '../setup/endpoints.js';
import { produce, testKafka } from '../support/kafka.js';
import { waitFor } from '../support/pipeline.js';

/**
 * The ops endpoints of a real `aiops run validator` process: /healthz, /readyz once consuming, Prometheus
 * /metrics with the consumed, dead-letter (by reason) and consumer lag series, then SIGTERM → exit 0
 * within the shutdown deadline, offsets committed.
 */

const PARTITIONS = 2;
const SHUTDOWN_DEADLINE_MS = 10_000;

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) });
  return { status: response.status, body: await response.text() };
}

function event(id: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      event_id: id,
      event_type: 'llm_call',
      timestamp: new Date(Date.now() - 5000).toISOString(),
      tenant_id: 'acme',
      application: 'ops-test',
      provider: 'openai',
      model: 'gpt-4o',
      duration_ms: 420,
      input_tokens: 100,
      output_tokens: 20,
    }),
  );
}

describe('aiops run validator: ops endpoints and graceful shutdown', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('serves /healthz, /readyz and /metrics, counts what it did, and exits 0 on SIGTERM', {
    timeout: 120_000,
  }, async () => {
    expect(existsSync(CLI_MAIN), `${CLI_MAIN} is missing: run npx tsc -b first`).toBe(true);
    const prefix = uniqueName('it-ops');
    const topics = { raw: `${prefix}.raw`, events: `${prefix}.events`, dlq: `${prefix}.dlq` };
    const groupId = `${prefix}-validator`;
    const opsPort = await freePort();
    const logDir = join(REPO_ROOT, '.aiops', 'test-results', 'metrics');
    mkdirSync(logDir, { recursive: true });
    const logFile = join(logDir, `${prefix}.log`);
    const fd = openSync(logFile, 'a');
    const started = spawn(process.execPath, [CLI_MAIN, 'run', 'validator'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', fd, fd],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        KAFKA_BROKERS: kafkaBrokers().join(','),
        TOPIC_RAW: topics.raw,
        TOPIC_EVENTS: topics.events,
        TOPIC_DLQ: topics.dlq,
        TOPIC_ALERTS: `${prefix}.alerts`,
        TOPIC_PARTITIONS: String(PARTITIONS),
        VALIDATOR_GROUP_ID: groupId,
        USER_ID_SALT: 'ops-test-salt-0001',
        OPS_PORT: String(opsPort),
        SHUTDOWN_DEADLINE_MS: String(SHUTDOWN_DEADLINE_MS),
        LOG_LEVEL: 'info',
      },
    });
    child = started;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>(
      (resolve) => started.once('exit', (code, signal) => resolve({ code, signal, atMs: Date.now() })),
    );

    // Live first, ready once the consumer group is joined.
    await waitFor(async () => (await get(opsPort, '/healthz')).status === 200, 30_000, '/healthz');
    await waitFor(async () => (await get(opsPort, '/readyz')).status === 200, 60_000, '/readyz');
    expect((await get(opsPort, '/readyz')).body).toBe('ready\n');
    expect((await get(opsPort, '/nope')).status).toBe(404);

    const good = Array.from({ length: 40 }, (_, i) => ({ value: event(`${prefix}-${i}`), partition: i % 2 }));
    const bad = [
      ...Array.from({ length: 5 }, (_, i) => ({ value: Buffer.from(`{"event_id": "x${i}",`), partition: 0 })),
      ...Array.from({ length: 3 }, () => ({ value: Buffer.from([0x07, 0x01, 0x02]), partition: 1 })),
      ...Array.from({ length: 2 }, (_, i) => ({
        value: Buffer.from(JSON.stringify({ event_id: `n${i}`, timestamp: 1, tenant_id: 't' })),
        partition: 1,
      })),
    ];
    await produce(topics.raw, [...good, ...bad]);

    const series = { service: 'validator' };
    let text = '';
    await waitFor(
      async () => {
        const scraped = await get(opsPort, '/metrics');
        text = scraped.body;
        return (
          metricValue(text, 'aiops_messages_consumed_total', { ...series, topic: topics.raw }) === 50 &&
          metricValue(text, 'aiops_messages_produced_total', { ...series, topic: topics.events }) === 40
        );
      },
      60_000,
      'the counters to reach the input',
    );
    const scrape = await get(opsPort, '/metrics');
    expect(scrape.status).toBe(200);
    text = scrape.body;
    expect(text).toContain('# TYPE aiops_dead_letters_total counter');
    expect(metricValue(text, 'aiops_dead_letters_total', { ...series, reason: 'invalid_json' })).toBe(5);
    expect(metricValue(text, 'aiops_dead_letters_total', { ...series, reason: 'bad_magic' })).toBe(3);
    expect(metricValue(text, 'aiops_dead_letters_total', { ...series, reason: 'schema_violation' })).toBe(2);
    expect(metricValue(text, 'aiops_dead_letters_total', series)).toBe(10);
    // Consumer lag per partition: every partition's gauge is there and the backlog is drained.
    expect(text).toContain('# TYPE aiops_consumer_lag_messages gauge');
    for (let p = 0; p < PARTITIONS; p++) {
      expect(
        metricValue(text, 'aiops_consumer_lag_messages', {
          ...series,
          topic: topics.raw,
          partition: String(p),
        }),
        `lag of partition ${p}`,
      ).toBe(0);
    }
    expect(metricValue(text, 'aiops_batch_handle_seconds_count', series)).toBeGreaterThan(0);
    expect(metricValue(text, 'aiops_consumer_paused', series)).toBe(0);
    // Default process metrics are on for a real process.
    expect(metricValue(text, 'aiops_process_resident_memory_bytes')).toBeGreaterThan(0);

    // Everything read is committed while it runs (offsets follow durable output).
    const committedEqualsEnd = async (): Promise<boolean> => {
      const admin = testKafka().admin();
      await admin.connect();
      try {
        const committed = await admin.fetchOffsets({ groupId, topics: [topics.raw] });
        const high = await admin.fetchTopicOffsets(topics.raw);
        const byPartition = new Map(high.map((h) => [h.partition, h.high]));
        return committed[0]!.partitions.every((p) => p.offset === byPartition.get(p.partition));
      } finally {
        await admin.disconnect();
      }
    };
    await waitFor(committedEqualsEnd, 30_000, 'offsets committed up to the end of the input');

    // Graceful shutdown: SIGTERM → stop fetching, flush, commit, exit 0 within the deadline.
    const signalledAt = Date.now();
    started.kill('SIGTERM');
    const exit = await Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no exit within the deadline')), SHUTDOWN_DEADLINE_MS + 10_000),
      ),
    ]);
    const log = readFileSync(logFile, 'utf8');
    const stoppedLine = log.split('\n').find((line) => line.includes('"msg":"stopped"'));
    const stoppedAt = stoppedLine
      ? Date.parse((JSON.parse(stoppedLine) as { time: string }).time)
      : Number.NaN;
    console.log(
      `[metrics] validator stopped ${stoppedAt - signalledAt} ms after SIGTERM and exited with ${exit.code} ` +
        `${exit.atMs - signalledAt} ms after it (shutdown deadline ${SHUTDOWN_DEADLINE_MS} ms)`,
    );
    expect(exit).toMatchObject({ code: 0, signal: null });
    // Within the deadline (plus process start-up slack). The work itself takes well under a second.
    expect(stoppedAt - signalledAt).toBeLessThan(SHUTDOWN_DEADLINE_MS);
    expect(exit.atMs - signalledAt).toBeLessThan(SHUTDOWN_DEADLINE_MS + 5000);
    expect(log).toContain('"msg":"shutting down"');
    expect(log).toContain('"msg":"stopped"');
    expect(log).not.toContain('ops-test-salt-0001');

    // And still after the shutdown: a restart would not replay anything.
    expect(await committedEqualsEnd()).toBe(true);
  });
});
