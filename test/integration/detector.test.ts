import { type Alert, alertCodec, SERIES_HEADER, seriesKey, windowCodec } from '@aiops/contract';
import { watermarkMarkers } from '@aiops/kafka';
import { DEFAULT_SERIES } from '@aiops/testkit';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Message } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeUntil, header, produce, waitCaughtUp } from '../support/kafka.js';
import { TestPipeline, waitFor } from '../support/pipeline.js';
import { latencyIncident, WINDOW_MS } from '../support/windows.js';

const SERIES = DEFAULT_SERIES;
const SHAPE = { normal: 60, spike: 8, after: 15, factor: 6 };
const PARTITIONS = 3;

/** The windows as one aggregator partition sends them: each followed by its watermark marker. */
function asMessages(windows: ReturnType<typeof latencyIncident>): Message[] {
  return windows.flatMap((w) => [
    { key: w.tenant_id, value: windowCodec.encode(w, 'avro'), headers: { [SERIES_HEADER]: seriesKey(w) } },
    ...watermarkMarkers(PARTITIONS, { source: { id: '0', count: 1 }, watermarkMs: w.window_end }),
  ]);
}

function decodeAlerts(messages: Awaited<ReturnType<typeof consumeUntil>>): Alert[] {
  return messages.map((m) => alertCodec.decode(m.value!));
}

/** The notifications of one kind the topic holds for the latency incident. */
function latencyNotifications(alerts: Alert[], status: 'firing' | 'resolved'): Alert[] {
  return alerts.filter((a) => a.detector === 'latency' && a.status === status && a.model === SERIES.model);
}

/** True once every latency alert that fired has its resolved notification. */
function allResolved(alerts: Alert[]): boolean {
  const firing = new Set(latencyNotifications(alerts, 'firing').map((a) => a.alert_id));
  const resolved = new Set(latencyNotifications(alerts, 'resolved').map((a) => a.alert_id));
  return firing.size > 0 && [...firing].every((id) => resolved.has(id));
}

describe('detector against the real broker', () => {
  const start = Math.floor((Date.now() - 2 * 24 * 3600_000) / WINDOW_MS) * WINDOW_MS;
  const windows = latencyIncident(SERIES, start, SHAPE);
  const spikeStart = start + SHAPE.normal * WINDOW_MS;
  let pipeline: TestPipeline;
  let ch: ClickHouseClient;

  beforeAll(async () => {
    pipeline = new TestPipeline({ partitions: PARTITIONS });
    await pipeline.startAll(['detector', 'writer']);
    ch = pipeline.clickhouse();
    await pipeline.waitReady();
  });
  afterAll(async () => {
    await pipeline?.stopAll();
    await ch?.close();
  });

  it('publishes a firing and later a resolved alert for a latency incident, and survives a restart mid-incident', {
    timeout: 240_000,
  }, async () => {
    const messages = asMessages(windows);
    // Up to the middle of the spike, then restart the detector (state comes back from its checkpoint).
    const cut = (SHAPE.normal + Math.floor(SHAPE.spike / 2)) * (1 + PARTITIONS);
    await produce(pipeline.topics.windows, messages.slice(0, cut));
    // The restart must fall mid-incident: the latency alert has fired (and not resolved) before it.
    const beforeRestart = decodeAlerts(
      await consumeUntil(
        pipeline.topics.alerts,
        (m) => latencyNotifications(decodeAlerts(m), 'firing').length > 0,
        90_000,
      ),
    );
    expect(latencyNotifications(beforeRestart, 'firing').length).toBeGreaterThan(0);
    expect(latencyNotifications(beforeRestart, 'resolved')).toEqual([]);
    await pipeline.stop('detector');
    await pipeline.start('detector');
    await pipeline.waitReady();
    await produce(pipeline.topics.windows, messages.slice(cut));

    const alerts = decodeAlerts(
      await consumeUntil(pipeline.topics.alerts, (m) => allResolved(decodeAlerts(m)), 120_000),
    );
    const firing = latencyNotifications(alerts, 'firing');
    const resolved = latencyNotifications(alerts, 'resolved');
    expect(firing.length).toBeGreaterThan(0);
    expect(resolved.length).toBeGreaterThan(0);
    // Each incident signal fires once and resolves once, restart or not.
    const firingIds = firing.map((a) => a.alert_id);
    expect(new Set(firingIds).size).toBe(firingIds.length);
    expect(new Set(resolved.map((a) => a.alert_id))).toEqual(new Set(firingIds));
    for (const alert of firing) {
      expect(alert.window_start).toBeGreaterThanOrEqual(spikeStart);
      expect(alert.window_start).toBeLessThan(spikeStart + SHAPE.spike * WINDOW_MS);
      expect(alert.observed).toBeGreaterThan(alert.expected);
      expect(alert.summary.length).toBeGreaterThan(20);
      expect(alert.tenant_id).toBe(SERIES.tenant_id);
    }
    for (const alert of resolved) expect(alert.resolved_at).not.toBeNull();

    // The writer stored both notifications of each alert in ClickHouse.
    await waitFor(
      async () => {
        const rs = await ch.query({
          query: `SELECT alert_id, status FROM ${pipeline.database}.alerts FINAL WHERE detector = 'latency'`,
          format: 'JSONEachRow',
        });
        const rows = (await rs.json()) as Array<{ alert_id: string; status: string }>;
        return rows.filter((r) => r.status === 'resolved').length === resolved.length;
      },
      60_000,
      'alerts rows',
    );
  });

  it('publishes nothing new when the same windows are replayed', { timeout: 120_000 }, async () => {
    const before = await consumeUntil(pipeline.topics.alerts, (m) => allResolved(decodeAlerts(m)));
    await produce(pipeline.topics.windows, asMessages(windows));
    // A marker window far ahead proves the replay has been consumed before we count.
    const marker = latencyIncident({ ...SERIES, model: 'marker' }, start + 200 * WINDOW_MS, {
      normal: 1,
      spike: 0,
      after: 0,
      factor: 1,
    });
    await produce(pipeline.topics.windows, asMessages(marker));
    await waitCaughtUp(`${pipeline.id}-detector`, pipeline.topics.windows);
    const after = await consumeUntil(pipeline.topics.alerts, (m) => m.length >= before.length);
    expect(after.length).toBe(before.length);
    expect(after.map((m) => header(m, 'aiops.alert.status'))).toEqual(
      before.map((m) => header(m, 'aiops.alert.status')),
    );
  });

  it('judges only its own window size: hourly windows (for dashboards) are skipped and counted', {
    timeout: 120_000,
  }, async () => {
    // The same latency incident, as hourly windows of a series of its own: judged, it would fire as the
    // minute windows above did; skipped, it must not (its spend would also count twice in its application).
    const HOUR = 3_600_000;
    const hourlyStart = Math.ceil((start + 300 * WINDOW_MS) / HOUR) * HOUR;
    const hourly = latencyIncident({ ...SERIES, model: 'hourly-only' }, hourlyStart, SHAPE).map((w, i) => ({
      ...w,
      window_start: hourlyStart + i * HOUR,
      window_end: hourlyStart + (i + 1) * HOUR,
    }));
    const skippedBefore = await skippedWindows(pipeline);
    const before = await consumeUntil(pipeline.topics.alerts, (m) => allResolved(decodeAlerts(m)));
    await produce(pipeline.topics.windows, asMessages(hourly));
    await waitCaughtUp(`${pipeline.id}-detector`, pipeline.topics.windows);
    expect((await skippedWindows(pipeline)) - skippedBefore).toBe(hourly.length);
    const after = decodeAlerts(await consumeUntil(pipeline.topics.alerts, (m) => m.length >= before.length));
    expect(after.filter((a) => a.model === 'hourly-only')).toEqual([]);
  });
});

/** Windows the detector skipped for their size, from the pipeline's metrics registry. */
async function skippedWindows(pipeline: TestPipeline): Promise<number> {
  const { values } = await pipeline.metrics.windowsSkipped.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}
