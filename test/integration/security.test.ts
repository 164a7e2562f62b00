import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createClickHouseClient,
  loadMigrations,
  migrate,
  parseClickHouseConfig,
  renderSql,
  serverVersion,
} from '@aiops/clickhouse';
import { alertCodec, eventCodec, hashUserId, parseSeriesKey } from '@aiops/contract';
import { REPO_ROOT } from '@aiops/harness';
import type { RunningService } from '@aiops/kafka';
import { createLogger } from '@aiops/ops';
import {
  FOLDED_MODEL_ATTRIBUTE,
  OTHER,
  startValidator,
  validatorConfigSchema,
} from '@aiops/service-validator';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseUrl, kafkaBrokers } from '../setup/endpoints.js';
import { metricBy, metricSum, topicCount } from '../support/fuzz.js';
import { consumeUntil, header, produce, testKafka } from '../support/kafka.js';
import { TestPipeline, waitFor } from '../support/pipeline.js';

/**
 * Security and denial-of-service guards on the real broker and ClickHouse: user_id is stored only as
 * an HMAC, a tenant exploding its model names is folded into `__other__` with one warning alert,
 * ClickHouse refuses a wrong password and the analyst user cannot write.
 */

const SALT = 'security-test-salt-42';
const LIMIT = 20;
const NOW = Date.now();

function event(fields: Record<string, unknown>): Buffer {
  return Buffer.from(
    JSON.stringify({
      event_type: 'llm_call',
      timestamp: NOW - 60_000,
      application: 'bot',
      provider: 'openai',
      operation: 'chat',
      duration_ms: 300,
      input_tokens: 50,
      output_tokens: 10,
      ...fields,
    }),
  );
}

async function rows<T>(ch: ClickHouseClient, query: string): Promise<T[]> {
  const rs = await ch.query({ query, format: 'JSONEachRow' });
  return (await rs.json()) as T[];
}

describe('privacy and per-tenant cardinality limits, end to end', () => {
  const pipeline = new TestPipeline({ partitions: 3 });
  let validator: RunningService;
  let ch: ClickHouseClient;

  beforeAll(async () => {
    validator = await startValidator(
      validatorConfigSchema.parse({
        kafka: { brokers: kafkaBrokers(), clientId: pipeline.id },
        topics: pipeline.topics,
        partitions: 3,
        groupId: `${pipeline.id}-validator`,
        userIdSalt: SALT,
        maxSeriesPerTenant: LIMIT,
      }),
      createLogger({ service: 'it-security', level: process.env.TEST_LOG_LEVEL ?? 'warn' }),
      pipeline.metrics,
    );
    await pipeline.start('writer');
    ch = pipeline.clickhouse();
    await waitFor(() => validator.isReady(), 60_000, 'validator ready');
    await pipeline.waitReady();
  });
  afterAll(async () => {
    await validator?.stop(20_000);
    await pipeline.stopAll();
    await ch?.close();
  });

  it('stores user_id only as HMAC-SHA256(salt, user_id), never the raw value', async () => {
    const users = ['alice@example.com', 'bob@example.com', 'user-12345'];
    await produce(
      pipeline.topics.raw,
      users.map((user_id, i) => ({
        value: event({ event_id: `u-${i}`, tenant_id: 'privacy', model: 'm', user_id }),
      })),
    );
    await waitFor(
      async () =>
        (await rows(ch, `SELECT 1 FROM ${pipeline.database}.events FINAL WHERE tenant_id = 'privacy'`))
          .length === 3,
      60_000,
      'privacy rows',
    );
    const stored = await rows<{ event_id: string; user_id: string }>(
      ch,
      `SELECT event_id, user_id FROM ${pipeline.database}.events FINAL WHERE tenant_id = 'privacy' ORDER BY event_id`,
    );
    expect(stored.map((r) => r.user_id)).toEqual(users.map((u) => hashUserId(u, SALT)));
    for (const [i, row] of stored.entries()) {
      expect(row.user_id).toMatch(/^[0-9a-f]{64}$/);
      expect(row.user_id).not.toContain(users[i]!);
    }
    // Nowhere in the stored row either.
    const whole = await rows<Record<string, unknown>>(
      ch,
      `SELECT * FROM ${pipeline.database}.events FINAL WHERE tenant_id = 'privacy'`,
    );
    for (const user of users) expect(JSON.stringify(whole)).not.toContain(user);
  });

  it('folds a tenant exploding its model names into __other__, with one warning alert per period', {
    timeout: 120_000,
  }, async () => {
    const exploding = Array.from({ length: 200 }, (_, i) => ({
      value: event({ event_id: `x-${i}`, tenant_id: 'exploder', model: `model-${i}` }),
    }));
    const calm = Array.from({ length: 30 }, (_, i) => ({
      value: event({ event_id: `c-${i}`, tenant_id: 'calm', model: `model-${i % 5}` }),
    }));
    await produce(pipeline.topics.raw, [...exploding, ...calm]);
    // A second wave within the same period: folded too, no second alert.
    await produce(
      pipeline.topics.raw,
      Array.from({ length: 50 }, (_, i) => ({
        value: event({ event_id: `y-${i}`, tenant_id: 'exploder', model: `late-model-${i}` }),
      })),
    );
    const expectedEvents = 3 + 200 + 30 + 50;
    const events = await consumeUntil(pipeline.topics.events, (m) => m.length >= expectedEvents, 60_000);
    const decoded = events.map((m) => ({ key: m.key!.toString(), event: eventCodec.decode(m.value!) }));
    const exploder = decoded.filter((d) => d.event.tenant_id === 'exploder');
    const folded = exploder.filter((d) => d.event.model === OTHER);
    expect(exploder).toHaveLength(250);
    // LIMIT distinct models kept; every other one folded, with its original model kept as an attribute.
    expect(new Set(exploder.filter((d) => d.event.model !== OTHER).map((d) => d.event.model)).size).toBe(
      LIMIT,
    );
    expect(folded).toHaveLength(250 - LIMIT);
    for (const d of folded) {
      expect(d.event.attributes[FOLDED_MODEL_ATTRIBUTE]).toMatch(/^(late-)?model-\d+$/);
      expect(parseSeriesKey(d.key).model).toBe(OTHER); // re-keyed: one Kafka key for the folded series
      expect(d.event.operation).toBe('chat');
    }
    expect(decoded.filter((d) => d.event.tenant_id === 'calm' && d.event.model === OTHER)).toEqual([]);

    const all = await consumeUntil(pipeline.topics.alerts, (m) => m.length >= 1, 30_000);
    // Every input is handled by now (all events were read back): the topic holds that one alert only.
    expect(await topicCount(testKafka(), pipeline.topics.alerts)).toBe(1);
    const alert = alertCodec.decode(all[0]!.value!);
    expect(alert).toMatchObject({
      detector: 'cardinality',
      severity: 'warning',
      status: 'firing',
      tenant_id: 'exploder',
      threshold: LIMIT,
    });
    expect(alert.summary).toContain(`more than ${LIMIT} distinct series within 1 h`);
    expect(header(all[0]!, 'aiops.alert.detector')).toBe('cardinality');

    expect(await metricBy(pipeline.metrics.seriesFolded, 'level', { service: 'validator' })).toEqual(
      new Map([['model', 250 - LIMIT]]),
    );
    expect(await metricSum(pipeline.metrics.alerts, { service: 'validator', detector: 'cardinality' })).toBe(
      1,
    );

    // The warehouse sees the folded series and the alert (the writer reads the alerts topic too).
    await waitFor(
      async () =>
        (
          await rows<{ n: string }>(
            ch,
            `SELECT count() AS n FROM ${pipeline.database}.events FINAL WHERE tenant_id = 'exploder' AND model = '${OTHER}'`,
          )
        )[0]?.n === String(250 - LIMIT),
      60_000,
      'folded rows',
    );
    const stored = await rows<{ n: string; originals: string }>(
      ch,
      `SELECT count() AS n, uniqExact(attributes.value[indexOf(attributes.key, '${FOLDED_MODEL_ATTRIBUTE}')]) AS originals
       FROM ${pipeline.database}.events FINAL WHERE tenant_id = 'exploder' AND model = '${OTHER}'`,
    );
    expect(stored[0]).toEqual({ n: String(250 - LIMIT), originals: String(250 - LIMIT) });
    await waitFor(
      async () =>
        (await rows(ch, `SELECT 1 FROM ${pipeline.database}.alerts FINAL WHERE detector = 'cardinality'`))
          .length === 1,
      60_000,
      'alert row',
    );
  });
});

describe('ClickHouse credentials', () => {
  it('refuses a wrong password with a readable error', async () => {
    const url = new URL(clickhouseUrl());
    const client = createClickHouseClient(
      parseClickHouseConfig({
        url: `${url.protocol}//${url.host}`,
        username: url.username || 'default',
        password: 'wrong-password',
      }),
    );
    try {
      await expect(client.query({ query: 'SELECT 1', format: 'JSONEachRow' })).rejects.toThrow(
        /Wrong password for user|Authentication failed|password is incorrect/,
      );
    } finally {
      await client.close();
    }
  });

  it('the analyst user reads but cannot write or change the schema', async (context) => {
    const url = new URL(clickhouseUrl());
    const analyst = createClickHouseClient(
      parseClickHouseConfig({ url: `${url.protocol}//${url.host}`, username: 'analyst' }),
    );
    try {
      const probe = await analyst
        .query({ query: 'SELECT 1 AS one', format: 'JSONEachRow' })
        .catch((e: Error) => e);
      if (probe instanceof Error && /Unknown user|not found/i.test(probe.message)) {
        // Only the local stack's users.xml defines `analyst`; other servers get the role of migration 0008.
        context.skip();
      }
      expect(await (probe as Awaited<ReturnType<typeof analyst.query>>).json()).toEqual([{ one: 1 }]);
      await expect(
        analyst.command({ query: 'CREATE DATABASE aiops_analyst_must_not_create' }),
      ).rejects.toThrow(/readonly/i);
      await expect(
        analyst.command({
          query: 'CREATE TABLE default.aiops_analyst_must_not_create (x UInt8) ENGINE = Memory',
        }),
      ).rejects.toThrow(/readonly/i);
    } finally {
      await analyst.close();
    }
  });
});

describe('per-tenant row policies (migration 0009)', () => {
  const dir = join(REPO_ROOT, 'schemas', 'clickhouse', 'migrations');

  it('parses with a current ClickHouse grammar (chDB 26: EXPLAIN AST of every statement)', async () => {
    const { Session } = await import('chdb');
    const migration = (await loadMigrations(dir)).find((m) => m.name === 'row_policies');
    expect(migration?.requires).toBe('20.5');
    expect(migration?.guard).toMatch(/system\.user_directories/);
    const work = mkdtempSync(join(tmpdir(), 'aiops-0009-'));
    const session = new Session(work);
    try {
      for (const statement of migration!.statements) {
        const sql = renderSql(statement, { database: 'aiops' });
        expect(session.query(`EXPLAIN AST ${sql}`, 'TSV').length, sql).toBeGreaterThan(0);
      }
      expect(migration!.statements).toHaveLength(10);
    } finally {
      session.cleanup();
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('is recorded as skipped, with its reason, on a server without SQL access control', async () => {
    const database = `it_rp_${Date.now().toString(36)}`;
    const client = createClickHouseClient(parseClickHouseConfig({ url: clickhouseUrl(), database }));
    try {
      const version = await serverVersion(client);
      const result = await migrate(client, { dir, database });
      const report = result.migrations.find((m) => m.name === 'row_policies');
      if (Number.parseInt(version, 10) < 20) {
        expect(report).toMatchObject({
          outcome: 'skipped',
          reason: `requires server 20.5, server is ${version}`,
        });
      } else {
        expect(report?.outcome).toMatch(/applied|skipped/);
      }
    } finally {
      await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
      await client.close();
    }
  });
});
