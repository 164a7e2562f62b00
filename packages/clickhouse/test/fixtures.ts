import type { Alert, TelemetryEvent, WindowAggregate } from '@aiops/contract';
import { telemetryEvent, windowAggregate } from '@aiops/testkit';
import { alertToRow, eventToRow, TABLES, windowAggregateToRow, windowTableOf } from '../src/rows.js';

/**
 * A small, known dataset for the three tables, shared by the chDB test (packages/clickhouse/test) and the
 * integration test against the real server (test/integration/clickhouse-migrations.test.ts). Times sit
 * just after the start of an hour two hours ago, so the analyst queries' "last N days" filters keep them
 * and hour/day groupings are unambiguous.
 */
export function fixtureBase(nowMs: number = Date.now()): number {
  return Math.floor(nowMs / 3_600_000) * 3_600_000 - 2 * 3_600_000;
}

export function event(
  overrides: Partial<TelemetryEvent> & Pick<TelemetryEvent, 'event_id' | 'timestamp'>,
): TelemetryEvent {
  return telemetryEvent({
    tenant_id: 't1',
    application: 'chat',
    environment: 'prod',
    duration_ms: null,
    time_to_first_token_ms: null,
    input_tokens: null,
    output_tokens: null,
    cost_usd: null,
    cost_source: null,
    ...overrides,
  });
}

export function window(
  overrides: Partial<WindowAggregate> & Pick<WindowAggregate, 'window_start' | 'window_end'>,
): WindowAggregate {
  return windowAggregate({
    tenant_id: 't1',
    application: 'chat',
    environment: 'prod',
    provider: 'openai',
    model: 'gpt-4o',
    operation: 'chat',
    ...overrides,
  });
}

export function alert(overrides: Partial<Alert> & Pick<Alert, 'alert_id' | 'status' | 'started_at'>): Alert {
  return {
    fingerprint: `fp-${overrides.alert_id}`,
    severity: 'warning',
    detector: 'latency_spike',
    tenant_id: 't1',
    application: 'chat',
    environment: 'prod',
    provider: 'openai',
    model: 'gpt-4o',
    operation: 'chat',
    window_start: overrides.started_at - 60_000,
    window_end: overrides.started_at,
    observed: 1,
    expected: 0.5,
    threshold: 0.8,
    score: 0.9,
    resolved_at: null,
    summary: 'p95 latency doubled',
    evidence: {},
    notified_at: overrides.started_at,
    ...overrides,
  };
}

export interface Dataset {
  readonly base: number;
  /** Inserted in this order; each entry is one INSERT (so duplicates land in separate parts). */
  readonly inserts: ReadonlyArray<{ table: string; rows: Record<string, unknown>[] }>;
}

export function knownDataset(nowMs: number = Date.now()): Dataset {
  const base = fixtureBase(nowMs);
  const at = (seconds: number) => base + seconds * 1000;
  const e1 = event({
    event_id: 'e1',
    timestamp: at(10) + 123,
    duration_ms: 100,
    cost_usd: 0.01,
    cost_source: 'reported',
    prompt_name: 'greet',
    prompt_version: '1',
    scores: { relevance: 0.8, toxicity: 0.1 },
    input_tokens: 100,
    output_tokens: 50,
    attributes: { region: 'eu', 'user.tier': 'pro' },
    guardrail_flags: ['pii'],
    feedback: 1,
  });
  const events = [
    e1,
    event({
      event_id: 'e2',
      timestamp: at(20),
      status: 'error',
      error_type: 'rate_limit',
      duration_ms: 300,
      cost_usd: 0.02,
      cost_source: 'price_table',
      prompt_name: 'greet',
      prompt_version: '1',
      scores: { relevance: 0.6 },
      input_tokens: 10,
      output_tokens: 0,
    }),
    event({
      event_id: 'e3',
      timestamp: at(30),
      provider: 'anthropic',
      model: 'claude-sonnet',
      duration_ms: 90,
      cost_source: 'unpriced',
      prompt_name: 'greet',
      prompt_version: '2',
      scores: { relevance: 1 },
    }),
    event({
      event_id: 'e4',
      timestamp: at(40),
      tenant_id: 't2',
      application: 'search',
      duration_ms: 50,
      cost_usd: 0.5,
      cost_source: 'reported',
    }),
  ];
  const minute = 60_000;
  const windows = [
    window({
      window_start: base,
      window_end: base + minute,
      revision: 0,
      events: 2,
      errors: 1,
      errors_by_type: { rate_limit: 1 },
      latency_count: 2,
      latency_p95_ms: 250,
      quality: { relevance: { count: 2, sum: 1.4, histogram: [0, 0, 0, 0, 0, 0, 1, 0, 1, 0] } },
      quality_mean: 0.7,
      latency_sketch: new Uint8Array([1, 2, 3, 250]),
      cost_usd: 0.03,
    }),
    window({
      window_start: base,
      window_end: base + minute,
      revision: 1,
      events: 3,
      errors: 1,
      errors_by_type: { rate_limit: 1 },
      latency_count: 3,
      latency_p95_ms: 280,
      late_events: 1,
      correction_event_id: null,
      cost_usd: 0.04,
    }),
    window({
      window_start: base,
      window_end: base + minute,
      provider: 'anthropic',
      model: 'claude-sonnet',
      events: 1,
      latency_count: 1,
      latency_p95_ms: 90,
      guardrail_flags: { pii: 1 },
    }),
    // A larger window size in the same table: the analyst queries must not double count it.
    window({
      window_start: base,
      window_end: base + 5 * minute,
      events: 100,
      errors: 50,
      latency_count: 100,
      latency_p95_ms: 999,
    }),
  ];
  const started = at(60);
  const alerts = [
    alert({ alert_id: 'a1', status: 'firing', started_at: started, notified_at: started }),
    // A repeat notification of the same incident: the later notified_at wins.
    alert({
      alert_id: 'a1',
      status: 'firing',
      started_at: started,
      notified_at: started + minute,
      score: 0.95,
    }),
    alert({
      alert_id: 'a1',
      status: 'resolved',
      started_at: started,
      resolved_at: started + 5 * minute,
      notified_at: started + 5 * minute,
    }),
    alert({
      alert_id: 'a2',
      status: 'firing',
      started_at: started,
      detector: 'error_rate',
      severity: 'critical',
      score: 0.7,
      evidence: { error_rate: '0.33' },
    }),
  ];
  const ingested = base + 3_600_000;
  return {
    base,
    inserts: [
      { table: TABLES.events, rows: events.map((e) => eventToRow(e, ingested)) },
      // A replay of e1: same event_id, same timestamp, later ingestion.
      { table: TABLES.events, rows: [eventToRow(e1, ingested + 5000)] },
      { table: TABLES.windowAggregates, rows: windows.slice(0, 1).map(windowAggregateToRow) },
      { table: TABLES.windowAggregates, rows: windows.slice(1).map(windowAggregateToRow) },
      { table: TABLES.alerts, rows: alerts.slice(0, 1).map(alertToRow) },
      { table: TABLES.alerts, rows: alerts.slice(1).map(alertToRow) },
      // A replay of every alert row.
      { table: TABLES.alerts, rows: alerts.map(alertToRow) },
    ],
  };
}

type Row = Record<string, unknown>;

const num = (value: unknown): number => Number(value);

/**
 * Asserts, engine-independently, what each analyst query returns on `knownDataset`. Returns a list of
 * problems (empty when all is well) so that the two test files report the same way.
 */
export function checkAnalystResults(results: Readonly<Record<string, Row[]>>): Record<string, unknown> {
  const pick = (name: string, where: (row: Row) => boolean): Row | undefined => results[name]?.find(where);
  const cost = results.cost_by_tenant_app_day ?? [];
  const t1 = pick('cost_by_tenant_app_day', (r) => r.tenant_id === 't1' && r.application === 'chat');
  const t2 = pick('cost_by_tenant_app_day', (r) => r.tenant_id === 't2');
  const openaiP95 = pick('p95_latency_by_model_hour', (r) => r.provider === 'openai');
  const claudeP95 = pick('p95_latency_by_model_hour', (r) => r.provider === 'anthropic');
  const openaiErrors = pick('error_rate_by_provider', (r) => r.provider === 'openai');
  const v1 = pick('quality_trend_by_prompt_version', (r) => r.version === '1' && r.evaluator === 'relevance');
  const v1tox = pick(
    'quality_trend_by_prompt_version',
    (r) => r.version === '1' && r.evaluator === 'toxicity',
  );
  const v2 = pick('quality_trend_by_prompt_version', (r) => r.version === '2' && r.evaluator === 'relevance');
  const latency = pick('top_alerts', (r) => r.detector === 'latency_spike');
  const errorRate = pick('top_alerts', (r) => r.detector === 'error_rate');
  return {
    costRows: cost.length,
    t1: t1 && {
      events: num(t1.event_count),
      cost: num(t1.total_cost_usd),
      estimated: num(t1.estimated_events),
      unpriced: num(t1.unpriced_events),
      input: num(t1.total_input_tokens),
    },
    t2: t2 && { events: num(t2.event_count), cost: num(t2.total_cost_usd) },
    p95Rows: results.p95_latency_by_model_hour?.length,
    openaiP95: openaiP95 && {
      events: num(openaiP95.event_count),
      samples: num(openaiP95.latency_samples),
      p95: num(openaiP95.p95_ms_weighted),
    },
    claudeP95: claudeP95 && num(claudeP95.p95_ms_weighted),
    errorRows: results.error_rate_by_provider?.length,
    openaiErrors: openaiErrors && {
      events: num(openaiErrors.event_count),
      errors: num(openaiErrors.error_count),
      rate: num(openaiErrors.error_rate),
    },
    qualityRows: results.quality_trend_by_prompt_version?.length,
    v1: v1 && { count: num(v1.score_count), mean: num(v1.mean_score), min: num(v1.min_score) },
    v1tox: v1tox && num(v1tox.mean_score),
    v2: v2 && num(v2.mean_score),
    alertRows: results.top_alerts?.length,
    latency: latency && {
      incidents: num(latency.incidents),
      open: num(latency.open_incidents),
      maxScore: num(latency.max_score),
      resolvedSeconds: num(latency.resolved_seconds),
    },
    errorRate: errorRate && { incidents: num(errorRate.incidents), open: num(errorRate.open_incidents) },
  };
}

/** What `checkAnalystResults` must return on `knownDataset`. */
export const EXPECTED_ANALYST_RESULTS = {
  costRows: 2,
  t1: { events: 3, cost: 0.03, estimated: 1, unpriced: 1, input: 110 },
  t2: { events: 1, cost: 0.5 },
  p95Rows: 2,
  openaiP95: { events: 3, samples: 3, p95: 280 },
  claudeP95: 90,
  errorRows: 2,
  openaiErrors: { events: 3, errors: 1, rate: 0.333333 },
  qualityRows: 3,
  v1: { count: 2, mean: 0.7, min: 0.6 },
  v1tox: 0.1,
  v2: 1,
  alertRows: 2,
  latency: { incidents: 1, open: 0, maxScore: 0.95, resolvedSeconds: 300 },
  errorRate: { incidents: 1, open: 1 },
};

/**
 * Late corrections next to their window (tenant `late-t`): two revisions of the window, correction c1
 * written twice (the aggregator replayed it) and correction c2. Inserted, then read back with FINAL.
 */
export async function lateCorrectionsReadBack(
  insert: (table: string, rows: Record<string, unknown>[]) => Promise<void>,
  query: (sql: string) => Promise<Record<string, unknown>[]>,
  database: string,
): Promise<{ rows: number; events: number; errors: number; corrections: string[] }> {
  const at = { tenant_id: 'late-t', window_start: fixtureBase(), window_end: fixtureBase() + 60_000 };
  const correction = (id: string) =>
    window({ ...at, events: 1, errors: 1, late_events: 1, correction_event_id: id });
  // As the writer does: each to its table (windowTableOf), the replayed correction in a later insert.
  const write = async (windows: WindowAggregate[]) => {
    for (const w of windows) await insert(`${database}.${windowTableOf(w)}`, [windowAggregateToRow(w)]);
  };
  await write([
    window({ ...at, revision: 0, events: 2 }),
    window({ ...at, revision: 1, events: 3 }),
    correction('c1'),
  ]);
  await write([correction('c1'), correction('c2')]);
  const [totals] = await query(
    `SELECT count() AS n, sum(events) AS events, sum(errors) AS errors,
       arraySort(groupArrayIf(id, id != '')) AS corrections
     FROM (SELECT events, errors, '' AS id FROM ${database}.window_aggregates FINAL WHERE tenant_id = 'late-t'
           UNION ALL
           SELECT events, errors, correction_event_id AS id FROM ${database}.window_late_corrections FINAL
           WHERE tenant_id = 'late-t')`,
  );
  return {
    rows: Number(totals!.n),
    events: Number(totals!.events),
    errors: Number(totals!.errors),
    corrections: (totals!.corrections as string[]).map(String),
  };
}

/** What lateCorrectionsReadBack must read: the latest revision (3 events) and each correction once. */
export const EXPECTED_LATE_CORRECTIONS = { rows: 3, events: 5, errors: 2, corrections: ['c1', 'c2'] };
