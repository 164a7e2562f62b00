import { type Alert, alertCodec } from '@aiops/contract';
import { seededRandom } from '@aiops/core';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Consumer, Message } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../setup/endpoints.js';
import type { RawEvent } from '../support/events.js';
import { produce, testKafka } from '../support/kafka.js';
import { TestPipeline, waitFor } from '../support/pipeline.js';

/**
 * Per-tenant event-time clocks against the real broker and ClickHouse, with the pipeline running on a
 * live tenant. Times are event times in minutes after `base`; "arrival" is the order in which the
 * producer sends (the live tenant's clock).
 *  - live: in step with arrival; a latency incident at 35–43 min (the control).
 *  - lagging: every event arrives 3 min after it happened; the same incident at 35–43 min.
 *  - backfill: appears at arrival 20 min with 2 h of history, then goes live; an incident at 44–50 min.
 *  - stopping: in step from −15 until 30 min, then sends nothing (no peers required for its no-data alert).
 */
const MINUTE = 60_000;
const LAG = 3 * MINUTE;
const END = 58;
const BACKFILL_AT = 20;
const STOP_AT = 30;

const rules = { overrides: [{ match: { tenant_id: 'stopping' }, outage: { require_peers: false } }] };

interface Sent {
  arrival: number;
  event: RawEvent;
}

function series(tenant: string, model: string) {
  return {
    tenant_id: tenant,
    application: 'assistant',
    environment: 'production',
    provider: 'openai',
    model,
    operation: 'chat',
  };
}

/** Two series per tenant, one event each every 2 s of event time in [fromMs, toMs). */
function traffic(
  tenant: string,
  fromMs: number,
  toMs: number,
  arrivalOf: (timestamp: number) => number,
  incident: { from: number; to: number } | null,
  seed: number,
): Sent[] {
  const random = seededRandom(seed);
  const out: Sent[] = [];
  let n = 0;
  for (let t = fromMs; t < toMs; t += 2_000) {
    for (const model of ['gpt-4o', 'gpt-4o-mini']) {
      const spike = incident !== null && model === 'gpt-4o' && t >= incident.from && t < incident.to;
      const duration = Math.round((700 + random() * 200) * (spike ? 6 : 1));
      out.push({
        arrival: arrivalOf(t),
        event: {
          event_id: `${tenant}-${seed}-${n++}`,
          event_type: 'llm_call',
          timestamp: t + Math.floor(random() * 1_000),
          ...series(tenant, model),
          status: 'ok',
          duration_ms: duration,
          time_to_first_token_ms: Math.round(duration * 0.3),
          input_tokens: 500,
          output_tokens: 100,
          cost_usd: 0.001,
        },
      });
    }
  }
  return out;
}

function decode(message: { value: Buffer | null }): Alert {
  return alertCodec.decode(message.value!);
}

describe('per-tenant clocks through the real pipeline', () => {
  const base = Math.floor((Date.now() - 6 * 3_600_000) / MINUTE) * MINUTE;
  const at = (minutes: number) => base + minutes * MINUTE;
  const same = (t: number) => t;
  const sent: Sent[] = [
    ...traffic('live', at(0), at(END), same, { from: at(35), to: at(43) }, 1),
    ...traffic('lagging', at(-3), at(END - 3), (t) => t + LAG, { from: at(35), to: at(43) }, 2),
    // History all arrives at once when the tenant is onboarded, then it goes live.
    ...traffic('backfill', at(BACKFILL_AT - 120), at(BACKFILL_AT), () => at(BACKFILL_AT), null, 3),
    ...traffic('backfill', at(BACKFILL_AT), at(END), same, { from: at(44), to: at(50) }, 4),
    // Warm (30 windows learned) well before it stops.
    ...traffic('stopping', at(-15), at(STOP_AT), same, null, 5),
  ]
    .map((s, index) => ({ s, index }))
    .sort((a, b) => a.s.arrival - b.s.arrival || a.index - b.index)
    .map(({ s }) => s);
  const countOf = (tenant: string) => sent.filter((s) => s.event.tenant_id === tenant).length;

  let pipeline: TestPipeline;
  let ch: ClickHouseClient;
  let reader: Consumer;
  const alerts: Alert[] = [];

  /** Sends everything that arrives before `untilMinutes`, from where the previous call stopped. */
  let cursor = 0;
  const sendUntil = async (untilMinutes: number) => {
    const messages: Message[] = [];
    while (cursor < sent.length && sent[cursor]!.arrival < at(untilMinutes)) {
      const { event } = sent[cursor++]!;
      messages.push({ key: event.event_id, value: JSON.stringify(event) });
    }
    await produce(pipeline.topics.raw, messages);
  };

  const seen = () =>
    alerts.map(
      (a) => `${a.tenant_id}/${a.model}/${a.detector}/${a.status}@${(a.window_end - base) / MINUTE}`,
    );
  const latencyFirings = (tenant: string) =>
    alerts.filter(
      (a) =>
        a.tenant_id === tenant && a.detector === 'latency' && a.status === 'firing' && a.model === 'gpt-4o',
    );

  beforeAll(async () => {
    pipeline = new TestPipeline({ partitions: 3, rules });
    await pipeline.startAll();
    ch = pipeline.clickhouse();
    reader = testKafka().consumer({ groupId: uniqueName('it-alerts'), maxWaitTimeInMs: 100 });
    await reader.connect();
    await reader.subscribe({ topic: pipeline.topics.alerts, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        alerts.push(decode(message));
      },
    });
    await pipeline.waitReady();
  }, 120_000);
  afterAll(async () => {
    await reader?.disconnect();
    await pipeline?.stopAll();
    await ch?.close();
  });

  it('(b) a tenant 3 minutes late is detected 3 minutes later, at the same event time, and never called silent', {
    timeout: 300_000,
  }, async () => {
    // Up to 38 min of arrival the live incident (35–43) has lasted the 2 min it must before firing; the
    // lagging tenant's copy of it has only just begun to arrive.
    await sendUntil(38);
    await waitFor(() => latencyFirings('live').length > 0, 120_000, 'the live tenant’s latency alert');
    const control = latencyFirings('live')[0]!;
    expect(latencyFirings('lagging')).toEqual([]);
    // 3.5 more minutes of arrival: the lagging tenant's data catches up with the control's firing point.
    await sendUntil(41.5);
    await waitFor(() => latencyFirings('lagging').length > 0, 120_000, 'the lagging tenant’s latency alert');
    const lagging = latencyFirings('lagging')[0]!;
    // Judged at the same event time as the control: the only delay is the tenant's own lag.
    expect(lagging.window_end).toBe(control.window_end);
    expect(lagging.started_at).toBe(control.started_at);
  });

  it('(a)(c) backfill counted and learned without paging; a stopped tenant still gets its no-data alert', {
    timeout: 300_000,
  }, async () => {
    await sendUntil(END + 1);
    // (c) The tenant that stopped at 25 min: both its series are called silent.
    await waitFor(
      () => alerts.filter((a) => a.tenant_id === 'stopping' && a.detector === 'outage').length >= 2,
      180_000,
      'the stopped tenant’s no-data alerts',
    ).catch((error: Error) => {
      throw new Error(`${error.message}; alerts so far: ${seen().join(', ')}`);
    });
    // (a) The backfilled tenant's live incident fires, once, on baselines learned from its history
    // (its 24 live windows alone are fewer than the 30 a baseline needs).
    await waitFor(
      () => latencyFirings('backfill').length > 0,
      180_000,
      'the backfilled tenant’s latency alert',
    );
    // Every event of these tenants is in exactly one 1-minute window (the lagging one: see the next test).
    const expected = new Map(['live', 'backfill', 'stopping'].map((t) => [t, countOf(t)]));
    const counted = async () => {
      const rs = await ch.query({
        query: `SELECT tenant_id, toUInt64(sum(events)) AS events FROM ${pipeline.database}.window_aggregates FINAL
                WHERE window_size_s = 60 GROUP BY tenant_id ORDER BY tenant_id`,
        format: 'JSONEachRow',
      });
      const rows = (await rs.json()) as Array<{ tenant_id: string; events: string }>;
      return new Map(
        rows.filter((r) => r.tenant_id !== 'lagging').map((r) => [r.tenant_id, Number(r.events)]),
      );
    };
    await waitFor(
      async () => JSON.stringify([...(await counted())].sort()) === JSON.stringify([...expected].sort()),
      180_000,
      `window_aggregates to count ${JSON.stringify([...expected])}`,
    ).catch(async (error: Error) => {
      const late = (await pipeline.metrics.lateEvents.get()).values;
      throw new Error(
        `${error.message}; counted ${JSON.stringify([...(await counted())])}, late ${JSON.stringify(late)}`,
      );
    });
    const lateEvents = (await pipeline.metrics.lateEvents.get()).values.reduce((sum, v) => sum + v.value, 0);

    // The incident fires once: each latency condition it raised (p95, p99, …) notifies firing once, all
    // within the incident.
    const backfillFirings = latencyFirings('backfill');
    expect(new Set(backfillFirings.map((a) => a.alert_id)).size, seen().join(', ')).toBe(
      backfillFirings.length,
    );
    for (const alert of backfillFirings) {
      expect(alert.started_at).toBeGreaterThanOrEqual(at(44));
      expect(alert.started_at).toBeLessThan(at(50));
    }
    // No backfilled window paged.
    const fromHistory = alerts.filter((a) => a.tenant_id === 'backfill' && a.window_end <= at(BACKFILL_AT));
    expect(fromHistory).toEqual([]);
    // (b) No one but the stopped tenant was called silent.
    const noData = alerts.filter((a) => a.detector === 'outage' && a.status === 'firing');
    expect(new Set(noData.map((a) => a.tenant_id))).toEqual(new Set(['stopping']));
    // Each incident fired once.
    for (const tenant of ['live', 'lagging']) {
      const firings = latencyFirings(tenant);
      expect(new Set(firings.map((a) => a.alert_id)).size).toBe(firings.length);
    }
    console.log(
      JSON.stringify({
        sent: Object.fromEntries(expected),
        windows: Object.fromEntries(await counted()),
        lateEvents,
        alerts: alerts.map(
          (a) => `${a.tenant_id}/${a.model}/${a.detector}/${a.status}@${(a.window_end - base) / MINUTE}`,
        ),
      }),
    );
  });

  // Once a defect: a few dozen of the 3-minute-late tenant's 3,480 events (27–58 in three runs) were
  // dead-lettered as late_event when three raw partitions were drained unevenly (a partition's watermark
  // ran ahead of the tenant's records in another). They are now counted: within the allowed lateness as
  // revisions, past it as late corrections of their own (correction_event_id), never dead-lettered.
  it('(b) every event of the 3-minute-late tenant is counted, late or not', {
    timeout: 200_000,
  }, async () => {
    const lagging = async () => {
      const rs = await ch.query({
        // A window's count: its latest revision plus its late corrections.
        query: `SELECT toUInt64(sum(events)) AS events FROM (
                  SELECT events FROM ${pipeline.database}.window_aggregates FINAL
                  WHERE window_size_s = 60 AND tenant_id = 'lagging'
                  UNION ALL
                  SELECT events FROM ${pipeline.database}.window_late_corrections FINAL
                  WHERE window_size_s = 60 AND tenant_id = 'lagging')`,
        format: 'JSONEachRow',
      });
      return Number(((await rs.json()) as Array<{ events: string }>)[0]?.events ?? 0);
    };
    await waitFor(
      async () => (await lagging()) === countOf('lagging'),
      60_000,
      'the lagging tenant’s events',
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${await lagging()} of ${countOf('lagging')}`);
    });
    const late = (await pipeline.metrics.lateEvents.get()).values;
    expect(late.filter((v) => v.labels.outcome === 'dead_lettered')).toEqual([]);
    console.log(JSON.stringify({ lagging: countOf('lagging'), late }));
  });
});
