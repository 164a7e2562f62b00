import { runCli, ScenarioPipeline } from '@aiops/cli';
import { rowToReviewItem } from '@aiops/clickhouse';
import { waitFor } from '@aiops/harness';
import { readTopicToEnd } from '@aiops/kafka';
import { parseReviewConfig, type ReviewItem, reviewItemCodec, reviewReason } from '@aiops/review';
import { createSimulation } from '@aiops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseUrl, kafkaBrokers } from '../setup/endpoints.js';
import { pastMorningStart } from '../support/simulation.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const CAP = 25;
const REVIEW = { cap_per_tenant: CAP, cap_window_ms: HOUR };

/** 40 minutes from 08:00 UTC of the latest day it has ended (one cap window), a bad deploy at 08:15–08:30. */
function simulation() {
  const startMs = pastMorningStart(HOUR);
  return createSimulation({
    seed: 11,
    startMs,
    durationMs: 40 * MINUTE,
    eventsPerMinute: 400,
    warmupMs: 10 * MINUTE,
    scenarios: [{ kind: 'low_score_burst', startMs: startMs + 15 * MINUTE, durationMs: 15 * MINUTE }],
  });
}

describe('review queue through the real pipeline: route, cap, resolve → audit row', () => {
  const sim = simulation();
  let pipeline: ScenarioPipeline;
  /** What the router must have seen: per tenant, the events that qualify for review. */
  const qualifying = new Map<string, number>();
  const config = parseReviewConfig(REVIEW);
  for (const event of sim.events()) {
    if (reviewReason(config, event) === null) continue;
    qualifying.set(event.tenant_id, (qualifying.get(event.tenant_id) ?? 0) + 1);
  }
  const expectedQueued = [...qualifying.values()].reduce((sum, q) => sum + Math.min(CAP, q), 0);

  const env = () => ({ ...pipeline.harness.serviceEnv(), CLICKHOUSE_URL: clickhouseUrl() });
  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['node', 'aiops', 'review', ...args], {
      env: env(),
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    return { code, out, err };
  };
  const query = async <T>(sql: string): Promise<T[]> => {
    const client = pipeline.harness.clickhouse();
    try {
      return (await (await client.query({ query: sql, format: 'JSONEachRow' })).json()) as T[];
    } finally {
      await client.close();
    }
  };
  const items = async (): Promise<ReviewItem[]> =>
    (await query<Record<string, unknown>>(`SELECT * FROM ${pipeline.database}.review_items FINAL`)).map(
      rowToReviewItem,
    );

  beforeAll(async () => {
    pipeline = new ScenarioPipeline({
      env: { KAFKA_BROKERS: kafkaBrokers().join(','), CLICKHOUSE_URL: clickhouseUrl() },
      prefix: 'it_review',
      review: REVIEW,
      logLevel: process.env.TEST_LOG_LEVEL ?? 'fatal',
    });
    await pipeline.start();
    await pipeline.harness.start('reviewer');
    await pipeline.harness.waitReady();
    await pipeline.produce(sim);
    await waitFor(async () => (await items()).length >= expectedQueued, 180_000, 'the review items');
  }, 300_000);

  afterAll(async () => {
    await pipeline?.harness.stop('reviewer');
    await pipeline?.stop({ cleanup: true });
  });

  it('routes low scores, negative feedback and guardrail blocks; caps each tenant, counting what it drops', async () => {
    const globex = qualifying.get('globex') ?? 0;
    // The bad deploy floods globex's queue far past its cap; the other tenants stay under theirs.
    expect(globex).toBeGreaterThan(2 * CAP);
    const stored = await items();
    expect(stored).toHaveLength(expectedQueued);
    const perTenant = new Map<string, number>();
    for (const item of stored) perTenant.set(item.tenant_id, (perTenant.get(item.tenant_id) ?? 0) + 1);
    for (const [tenant, q] of qualifying) expect(perTenant.get(tenant) ?? 0, tenant).toBe(Math.min(CAP, q));
    expect(new Set(stored.map((i) => i.reason))).toEqual(
      new Set(['low_score', 'negative_feedback', 'guardrail_block']),
    );
    for (const item of stored) {
      expect(item.status).toBe('open');
      if (item.reason === 'low_score') {
        expect(item.scores[item.evaluator!]!).toBeLessThan(item.threshold!);
        expect(item.prompt_version).not.toBeNull();
      }
      if (item.event_type !== 'guardrail') expect(item.trace_id).not.toBeNull();
    }
    // Dropped items are counted: queued + capped = what qualified.
    const counts = new Map<string, number>();
    for (const v of (await pipeline.metrics.reviewItems.get()).values)
      counts.set(String(v.labels.outcome), v.value);
    const total = [...qualifying.values()].reduce((a, b) => a + b, 0);
    expect(counts.get('queued')).toBe(expectedQueued);
    expect(counts.get('capped')).toBe(total - expectedQueued);
    expect(counts.get('capped')).toBeGreaterThanOrEqual(globex - CAP);
    // The review topic is keyed by trace id.
    const keys: string[] = [];
    await readTopicToEnd(pipeline.harness.kafka('review-reader'), pipeline.topics.review, (m) => {
      const item = reviewItemCodec.decode(m.value!);
      keys.push(`${m.key?.toString()}=${item.trace_id ?? item.event_id}`);
    });
    expect(keys.length).toBeGreaterThanOrEqual(expectedQueued);
    for (const k of keys) expect(k.split('=')[0]).toBe(k.split('=')[1]);
  });

  it('`aiops review list` filters by tenant and reason, and refuses a bad reason', async () => {
    const list = await cli(['list', '--tenant', 'globex', '--reason', 'low_score', '--json']);
    expect(list.code).toBe(0);
    const listed = list.out.map((l) => JSON.parse(l) as ReviewItem);
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((i) => i.tenant_id === 'globex' && i.reason === 'low_score')).toBe(true);
    const text = await cli(['list', '--tenant', 'globex']);
    expect(text.code).toBe(0);
    expect(text.out[0]).toMatch(/^ID\s+EVENT TIME \(UTC\)\s+STATUS\s+REASON/);
    const bad = await cli(['list', '--reason', 'boring']);
    expect(bad.code).toBe(2);
    expect(bad.err.join('\n')).toContain(
      '--reason must be one of low_score, negative_feedback, guardrail_block',
    );
  });

  it('`aiops review resolve` publishes the resolution (compacted topic), the writer stores it, the audit log has it', async () => {
    const [target] = (await items()).filter((i) => i.tenant_id === 'globex' && i.reason === 'low_score');
    const id = target!.item_id;

    expect((await cli(['resolve', id, '--verdict', 'bad'])).code).toBe(2);
    const badVerdict = await cli(['resolve', id, '--by', 'dana', '--verdict', 'maybe']);
    expect(badVerdict.code).toBe(2);
    expect(badVerdict.err.join('\n')).toContain('--verdict must be one of ok, bad; got maybe');
    const unknown = await cli(['resolve', 'rv-nope', '--by', 'dana', '--verdict', 'ok']);
    expect(unknown.code).toBe(1);
    expect(unknown.err.join('\n')).toContain('no review item rv-nope');

    const ok = await cli([
      'resolve',
      id,
      '--by',
      'dana',
      '--verdict',
      'bad',
      '--note',
      'hallucinated a flag',
    ]);
    expect(ok.err).toEqual([`review item ${id} resolved by dana: bad`]);
    expect(ok.code).toBe(0);

    await waitFor(
      async () => (await items()).find((i) => i.item_id === id)?.status === 'reviewed',
      60_000,
      'the writer to store the resolution',
    );
    const reviewed = (await items()).find((i) => i.item_id === id)!;
    expect(reviewed).toMatchObject({
      ...target,
      status: 'reviewed',
      reviewer: 'dana',
      verdict: 'bad',
      note: 'hallucinated a flag',
      reviewed_at: expect.any(Number),
    });
    const audit = await query<{
      actor: string;
      action: string;
      target: string;
      after: string;
      comment: string;
    }>(
      `SELECT actor, action, target, after, comment FROM ${pipeline.database}.audit_log WHERE target = '${id}'`,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: 'dana',
      action: 'review.resolve',
      comment: 'hallucinated a flag',
    });
    expect(JSON.parse(audit[0]!.after)).toMatchObject({ status: 'reviewed', verdict: 'bad' });

    const resolutions: string[] = [];
    await readTopicToEnd(
      pipeline.harness.kafka('resolutions-reader'),
      pipeline.topics.reviewResolutions,
      (m) => resolutions.push(m.key!.toString()),
    );
    expect(resolutions).toEqual([id]);
    const admin = pipeline.harness.kafka('admin').admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({
        resources: [{ type: 2, name: pipeline.topics.reviewResolutions, configNames: ['cleanup.policy'] }],
        includeSynonyms: false,
      });
      expect(described.resources[0]!.configEntries[0]!.configValue).toBe('compact');
    } finally {
      await admin.disconnect();
    }

    const again = await cli(['resolve', id, '--by', 'eve', '--verdict', 'ok']);
    expect(again.code).toBe(1);
    expect(again.err.join('\n')).toContain('already reviewed by dana (bad)');
  });
});
