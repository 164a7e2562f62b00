import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClickHouseClient, parseClickHouseConfig } from '@aiops/clickhouse';
import { eventCodec } from '@aiops/contract';
import { REPO_ROOT } from '@aiops/harness';
import { createPipelineMetrics, type OpsServer, startOpsServer } from '@aiops/ops';
import { startWriter, writerConfigSchema } from '@aiops/service-writer';
import { renderClickHouseUsers, type StackOptionsInput, stackDown, stackStatus, stackUp } from '@aiops/stack';
import { telemetryEvent } from '@aiops/testkit';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseUrl, kafkaBrokers, uniqueName } from '../setup/endpoints.js';
import { capturedLogger } from '../support/dedicated-broker.js';
import { metricSum, topicCount } from '../support/fuzz.js';
import { produce, testKafka } from '../support/kafka.js';
import { waitFor } from '../support/pipeline.js';

/**
 * An operator's mistake stops the writer instead of costing data (issue 10, item 1). The writer's
 * ClickHouse password is changed mid-stream on a dedicated ClickHouse 18.16 (started by packages/stack
 * on its own ports and data dir: the shared server's users are never touched), then restored; a table
 * is renamed away and back on the shared server, in a database of this test's own. Each time the writer
 * pauses (not ready on /readyz, aiops_sink_blocked, one error line), and once fixed every event is in
 * `events` with no dead letter.
 */

const env: Readonly<Record<string, string | undefined>> = process.env;
const DATA_DIR = env.AIOPS_WRITER_AUTH_STACK_DIR ?? join(REPO_ROOT, '.aiops', 'writer-auth');
const HTTP_PORT = Number(env.AIOPS_WRITER_AUTH_CLICKHOUSE_HTTP_PORT ?? 28623);
const TCP_PORT = Number(env.AIOPS_WRITER_AUTH_CLICKHOUSE_TCP_PORT ?? 29623);
const DEDICATED_URL = `http://127.0.0.1:${HTTP_PORT}`;
// A throwaway user of a loopback test server.
const WRITER = { username: 'rotating_writer', password: 'writer-pw-before-rotation' };
const BLOCKED_RETRY_MS = 500;
const PARTITIONS = 3;

function stackOptions(): StackOptionsInput {
  return {
    dataDir: DATA_DIR,
    clickhouseHttpPort: HTTP_PORT,
    clickhouseTcpPort: TCP_PORT,
    // Only ClickHouse is dedicated; Kafka is the shared broker (external: never started or stopped here).
    kafkaBrokers: kafkaBrokers().join(','),
    clickhouseUsers: [WRITER],
    installMissing: false,
  };
}

/** users.d file packages/stack renders for clickhouseUsers; 18.16 reloads it when it changes. */
const USERS_FILE = join(DATA_DIR, 'clickhouse', 'users.d', 'password-users.xml');

function setWriterPassword(password: string): void {
  const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
  writeFileSync(USERS_FILE, renderClickHouseUsers([{ username: WRITER.username, password }], sha256Hex), {
    mode: 0o600,
  });
}

async function count(client: ClickHouseClient, table: string): Promise<number> {
  const rs = await client.query({ query: `SELECT count() AS n FROM ${table} FINAL`, format: 'JSONEachRow' });
  return Number(((await rs.json()) as Array<{ n: string }>)[0]?.n);
}

async function passwordWorks(password: string): Promise<boolean> {
  const probe = createClickHouseClient(
    parseClickHouseConfig({ url: DEDICATED_URL, username: WRITER.username, password }),
  );
  try {
    await probe.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((rs) => rs.json());
    return true;
  } catch {
    return false;
  } finally {
    await probe.close();
  }
}

/** A writer on its own topics and database, with an ops server for /readyz and a captured log. */
async function startBlockableWriter(
  clickhouse: { url: string; username?: string; password?: string },
  id = uniqueName('it-blocked'),
) {
  const topics = { events: `${id}.events`, dlq: `${id}.dlq` };
  const database = id.replaceAll('-', '_');
  const captured = capturedLogger('it-writer-blocked', 'info');
  const metrics = createPipelineMetrics({ defaultMetrics: false });
  const writer = await startWriter(
    writerConfigSchema.parse({
      kafka: { brokers: kafkaBrokers(), clientId: id },
      clickhouse: { ...clickhouse, database },
      topics: {
        raw: `${id}.raw`,
        events: topics.events,
        dlq: topics.dlq,
        windows: `${id}.windows`,
        alerts: `${id}.alerts`,
      },
      groupId: `${id}-writer`,
      partitions: PARTITIONS,
      tables: ['events'],
      sink: { maxBatchDelayMs: 200, blockedRetryDelayMs: BLOCKED_RETRY_MS },
    }),
    captured.logger,
    metrics,
  );
  const ops = await startOpsServer({ port: 0, registry: metrics.registry, isReady: () => writer.isReady() });
  const readyz = async () => (await fetch(`http://127.0.0.1:${ops.port}/readyz`)).status;
  let next = 0;
  const send = async (n: number) => {
    const messages = Array.from({ length: n }, () => {
      const i = next++;
      const event = telemetryEvent({ event_id: `${id}-${i}`, timestamp: Date.now() - i * 100 });
      return { key: `k${i}`, value: eventCodec.encode(event, 'avro'), partition: i % PARTITIONS };
    });
    await produce(topics.events, messages);
  };
  /** Error-level lines of the writer's log, and its "resumed" lines. */
  const logLevels = () => ({
    errors: captured.lines.filter((line) => line.includes('"level":50')),
    resumed: captured.lines.filter((line) => line.includes('resumed')),
  });
  return { id, topics, database, metrics, writer, ops, readyz, send, sent: () => next, logLevels };
}

type BlockableWriter = Awaited<ReturnType<typeof startBlockableWriter>>;

async function stopWriter(w: BlockableWriter | undefined, ops?: OpsServer): Promise<void> {
  if (w === undefined) return;
  await w.writer.stop(20_000);
  await (ops ?? w.ops).close();
}

/** Waits until the writer is blocked for `reason`: not ready, on /readyz too, and the metric says so. */
async function waitBlocked(w: BlockableWriter, reason: string): Promise<void> {
  await waitFor(
    async () =>
      !w.writer.isReady() && (await metricSum(w.metrics.sinkBlocked, { service: 'writer', reason })) === 1,
    60_000,
    `writer blocked by ${reason}`,
  );
  expect(await w.readyz()).toBe(503);
}

async function assertNothingDeadLettered(w: BlockableWriter): Promise<void> {
  expect(await metricSum(w.metrics.deadLettered, { service: 'writer' })).toBe(0);
  expect(await topicCount(testKafka(), w.topics.dlq)).toBe(0);
}

describe('the writer pauses on an operator error and resumes with nothing lost', () => {
  describe('password rotated on a dedicated ClickHouse 18.16', () => {
    let w: BlockableWriter | undefined;
    let observer: ClickHouseClient | undefined;

    beforeAll(async () => {
      // A server left by an interrupted run still has its users file: stop it and start afresh.
      await stackDown(stackOptions(), ['clickhouse'], {});
      const report = await stackUp(stackOptions(), {});
      expect(report.clickhouse.action).toBe('started');
      expect(existsSync(USERS_FILE)).toBe(true);
      // The observer is the dedicated server's own `default` user, never the one being rotated.
      observer = createClickHouseClient(parseClickHouseConfig({ url: DEDICATED_URL }));
    }, 150_000);

    afterAll(async () => {
      try {
        await stopWriter(w);
        await observer?.close();
      } finally {
        await stackDown(stackOptions(), ['clickhouse'], {});
        const after = await stackStatus(stackOptions(), {});
        expect(after.clickhouse.state).toBe('stopped');
      }
    }, 90_000);

    it('wrong password mid-stream → paused, not ready, one error line; restored → every event stored, 0 dead letters', {
      timeout: 180_000,
    }, async () => {
      w = await startBlockableWriter({
        url: DEDICATED_URL,
        username: WRITER.username,
        password: WRITER.password,
      });
      const table = `${w.database}.events`;
      const client = observer!;
      await waitFor(() => w!.writer.isReady(), 60_000, 'writer ready');
      await w.send(200);
      await waitFor(async () => (await count(client, table)) === 200, 60_000, 'first 200 events');
      expect(await w.readyz()).toBe(200);

      // The operator rotates the password in ClickHouse but not in the writer's secret.
      setWriterPassword('writer-pw-after-rotation');
      await waitFor(
        async () => !(await passwordWorks(WRITER.password)),
        30_000,
        'the server to reload users',
      );
      await w.send(300);
      await waitBlocked(w, 'WRONG_PASSWORD');
      // Several slow retries happen while blocked: still one error line, nothing dead-lettered or stored.
      await new Promise((resolve) => setTimeout(resolve, 5 * BLOCKED_RETRY_MS));
      expect(await count(client, table)).toBe(200);
      await assertNothingDeadLettered(w);
      const blocked = w.logLevels();
      expect(blocked.errors).toHaveLength(1);
      expect(blocked.errors[0]).toMatch(/"reason":"WRONG_PASSWORD"/);
      expect(blocked.errors[0]).toMatch(/Wrong password for user rotating_writer/);

      // More traffic while blocked waits in Kafka.
      await w.send(100);
      setWriterPassword(WRITER.password);
      await waitFor(async () => (await count(client, table)) === w!.sent(), 60_000, 'every event stored');
      await waitFor(() => w!.writer.isReady(), 30_000, 'writer ready again');
      expect(await w.readyz()).toBe(200);
      expect(await metricSum(w.metrics.sinkBlocked, { service: 'writer' })).toBe(0);
      await assertNothingDeadLettered(w);
      const after = w.logLevels();
      expect(after.errors).toHaveLength(1);
      expect(after.resumed.length).toBeGreaterThanOrEqual(1);
      expect(after.resumed[0]).toMatch(/"level":30/);
      const ids = await client.query({
        query: `SELECT uniqExact(event_id) AS ids FROM ${table} FINAL`,
        format: 'JSONEachRow',
      });
      expect(await ids.json()).toEqual([{ ids: String(w.sent()) }]);
    });
  });

  describe('table dropped on the shared server (its own database)', () => {
    let w: BlockableWriter | undefined;
    let client: ClickHouseClient | undefined;

    afterAll(async () => {
      await stopWriter(w);
      if (w && client) await client.command({ query: `DROP DATABASE IF EXISTS ${w.database}` });
      await client?.close();
    });

    it('UNKNOWN_TABLE → paused; the table is back → resumes, every event stored, 0 dead letters', {
      timeout: 180_000,
    }, async () => {
      w = await startBlockableWriter({ url: clickhouseUrl() });
      client = createClickHouseClient(parseClickHouseConfig({ url: clickhouseUrl() }));
      const ch = client;
      const table = `${w.database}.events`;
      await waitFor(() => w!.writer.isReady(), 60_000, 'writer ready');
      await w.send(100);
      await waitFor(async () => (await count(ch, table)) === 100, 60_000, 'first 100 events');

      // An operator moves the table away (a botched migration, a DROP on the wrong server).
      await ch.command({ query: `RENAME TABLE ${table} TO ${w.database}.events_away` });
      await w.send(150);
      await waitBlocked(w, 'UNKNOWN_TABLE');
      await assertNothingDeadLettered(w);
      expect(w.logLevels().errors).toHaveLength(1);

      await ch.command({ query: `RENAME TABLE ${w.database}.events_away TO ${table}` });
      await waitFor(async () => (await count(ch, table)) === w!.sent(), 60_000, 'every event stored');
      await waitFor(() => w!.writer.isReady(), 30_000, 'writer ready again');
      await assertNothingDeadLettered(w);
      expect(w.logLevels().errors).toHaveLength(1);
    });

    it('stopped while blocked: stops promptly, commits nothing, and a restarted writer stores every event', {
      timeout: 180_000,
    }, async () => {
      const first = await startBlockableWriter({ url: clickhouseUrl() });
      const ch = client!;
      const table = `${first.database}.events`;
      try {
        await waitFor(() => first.writer.isReady(), 60_000, 'writer ready');
        await first.send(50);
        await waitFor(async () => (await count(ch, table)) === 50, 60_000, 'first 50 events');
        await ch.command({ query: `RENAME TABLE ${table} TO ${first.database}.events_away` });
        await first.send(80);
        await waitBlocked(first, 'UNKNOWN_TABLE');
        const stopping = Date.now();
        await first.writer.stop(20_000);
        const stopMs = Date.now() - stopping;
        console.log(`[writer-blocked] stopped while blocked in ${stopMs} ms`);
        expect(stopMs).toBeLessThan(10_000);
        await assertNothingDeadLettered(first);
      } finally {
        await first.ops.close();
      }
      // The operator fixes the table and restarts the writer: it replays from the last commit.
      await ch.command({ query: `RENAME TABLE ${first.database}.events_away TO ${table}` });
      const second = await startBlockableWriter({ url: clickhouseUrl() }, first.id);
      try {
        await waitFor(async () => (await count(ch, table)) === first.sent(), 60_000, 'every event stored');
        await assertNothingDeadLettered(second);
      } finally {
        await stopWriter(second);
        await ch.command({ query: `DROP DATABASE IF EXISTS ${first.database}` });
      }
    });
  });
});
