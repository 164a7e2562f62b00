import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  type DemoNotifier,
  demoNotifierTopics,
  type RunningUi,
  ScenarioPipeline,
  startDemoNotifier,
  startUi,
} from '@aiops/cli';
import { clickhouseConfigFromEnv, clickhouseExecutor, createClickHouseClient } from '@aiops/clickhouse';
import { createSimulation } from '@aiops/simulator';
import { ensureChromium } from '@aiops/stack';
import { bundleWeb, seriesParams, timeEndpoints, uiConfigFromEnv } from '@aiops/ui';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseUrl, kafkaBrokers } from '../setup/endpoints.js';

/**
 * The dashboard in a real headless Chromium (Debian's package, installed with apt-get when missing, as
 * the stack installs clickhouse-server; driven by playwright-core, no browser download), after a seeded
 * simulation through the real pipeline (@aiops/harness via ScenarioPipeline) and the notifier. Screenshots
 * go to .aiops/ui-screenshots/ (git-ignored).
 */

// The functions given to page.evaluate run in the page; the tests are type-checked without the DOM library.
// biome-ignore lint/suspicious/noExplicitAny: page-side globals, typed loosely on purpose
declare const document: any;
declare const window: { devicePixelRatio: number };

const MINUTE = 60_000;
const SCREENSHOTS = join(process.cwd(), '.aiops', 'ui-screenshots');

// 100 min of event time ending about now: 45 min of quiet baseline, a latency spike at +55 min for 15 min,
// and a cost runaway from +82 min to the end, so one incident is still open when the run ends.
const end = Math.floor(Date.now() / MINUTE) * MINUTE - 2 * MINUTE;
const start = end - 100 * MINUTE;
const simulation = createSimulation({
  seed: 17,
  startMs: start,
  durationMs: end - start,
  eventsPerMinute: 220,
  scenarios: [
    { kind: 'latency_spike', startMs: start + 55 * MINUTE, durationMs: 15 * MINUTE },
    { kind: 'cost_runaway', startMs: start + 82 * MINUTE, durationMs: 18 * MINUTE },
  ],
});
const range = { range: 'custom', from: String(start - 10 * MINUTE), to: String(end + 10 * MINUTE) };
const rangeQuery = new URLSearchParams(range).toString();

describe('aiops ui in headless Chromium', () => {
  let pipeline: ScenarioPipeline;
  let people: DemoNotifier;
  let ui: RunningUi;
  let browser: Browser;
  let page: Page;
  let sql: ReturnType<typeof clickhouseExecutor>;
  let closeSql: () => Promise<void>;
  let env: Record<string, string>;

  beforeAll(async () => {
    const { executablePath } = await ensureChromium();
    await bundleWeb();
    mkdirSync(SCREENSHOTS, { recursive: true });
    const base = { KAFKA_BROKERS: kafkaBrokers().join(','), CLICKHOUSE_URL: clickhouseUrl() };
    pipeline = new ScenarioPipeline({
      env: base,
      prefix: 'it_ui',
      logLevel: process.env.TEST_LOG_LEVEL ?? 'fatal',
    });
    await pipeline.start();
    const logs = new PassThrough();
    logs.resume();
    people = await startDemoNotifier(pipeline, base, logs, 'fatal', () => undefined);
    await pipeline.produce(simulation);
    await pipeline.sendSentinels(simulation.options.endMs);
    await pipeline.drain(simulation.options.endMs, 180_000);
    await people.settle(22_000, 60_000);

    const topics = demoNotifierTopics(pipeline.id);
    env = {
      ...base,
      CLICKHOUSE_DATABASE: pipeline.database,
      TOPIC_SILENCES: topics.silences,
      TOPIC_INCIDENT_ACTIONS: topics.incidentActions,
      TOPIC_DELIVERY_DLQ: topics.deliveryDlq,
      TOPIC_NOTIFIER_STATE: topics.notifierState,
    };
    ui = await startUi(env, uiConfigFromEnv(env, { port: 0 }), 'fatal');
    const client = createClickHouseClient(clickhouseConfigFromEnv(env));
    sql = clickhouseExecutor(client);
    closeSql = () => client.close();
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({
      viewport: { width: 1280, height: 1000 },
      locale: 'en-US',
      timezoneId: 'UTC',
    });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    await closeSql?.();
    await people?.stop(true);
    await pipeline?.stop({ cleanup: true });
  });

  async function open(hash: string, route: string): Promise<void> {
    await page.goto(`${ui.url}#/${hash}`);
    await page.waitForFunction((name) => document.body.dataset.loaded === name, route, { timeout: 30_000 });
    expect(await page.locator('[data-error]').count(), (await page.locator('main').textContent()) ?? '').toBe(
      0,
    );
  }

  /** Non-background pixels of a chart's canvas, and the colour at a point. */
  function canvasStats(chartId: string) {
    return page.evaluate((id) => {
      const canvas = document.querySelector(`[data-chart="${id}"] canvas`);
      const ctx = canvas.getContext('2d');
      const { width, height } = canvas as { width: number; height: number };
      const data = ctx.getImageData(0, 0, width, height).data as Uint8ClampedArray;
      const dpr = window.devicePixelRatio;
      let drawn = 0;
      // The highest point drawn in the p95 colour (#0969da), in CSS px.
      let topBlue: { x: number; y: number } | null = null;
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          const i = (y * width + x) * 4;
          if ((data[i + 3] ?? 0) > 0) drawn++;
          const [r, g, b] = [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0];
          if (topBlue === null && b > 180 && r < 60 && g > 80 && g < 130)
            topBlue = { x: x / dpr, y: y / dpr };
        }
      const markers = JSON.parse(canvas.dataset.markers ?? '[]') as {
        from: number;
        x: number;
        x_to: number;
        left: number;
        label: string;
      }[];
      const pixel = (cssX: number, cssY: number) => {
        const i = (Math.round(cssY * dpr) * width + Math.round(cssX * dpr)) * 4;
        return [data[i], data[i + 1], data[i + 2], data[i + 3]];
      };
      // The share of the marker's column (the plot's middle 60 %) drawn in red: the series' lines may
      // cross the marker anywhere, a spike right at it most of all, so one sampled pixel proves nothing.
      const markerRed = markers.map((m) => {
        let red = 0;
        let rows = 0;
        for (let cssY = (height / dpr) * 0.2; cssY < (height / dpr) * 0.8; cssY += 1, rows++) {
          const [r = 0, g = 0, b = 0] = pixel(m.left + m.x + 0.5, cssY);
          if (r > 150 && g < 120 && b < 120) red++;
        }
        return rows === 0 ? 0 : red / rows;
      });
      return {
        drawn,
        total: width * height,
        topBlue,
        markers,
        markerRed,
        points: Number(canvas.dataset.points),
      };
    }, chartId);
  }

  it('overview: totals equal ClickHouse, charts drew, open incidents on top, time zone shown', async () => {
    await open(`overview?${rangeQuery}`, 'overview');
    await page.screenshot({ path: join(SCREENSHOTS, 'overview.png'), fullPage: true });
    const shown = Number(
      ((await page.locator('[data-total="events"] b').textContent()) ?? '').replace(/[^0-9]/g, ''),
    );
    // The same totals, asked of ClickHouse directly.
    const from = Number(range.from) / 1000;
    const to = Number(range.to) / 1000;
    const [expected] = await sql.queryRows<{ events: string; cost: number; tokens: string }>(
      `SELECT sum(events) AS events, sum(cost_usd) AS cost, sum(input_tokens + output_tokens) AS tokens
       FROM ${pipeline.database}.window_aggregates FINAL
       WHERE window_size_s = 60 AND window_start >= toDateTime(${from}) AND window_start < toDateTime(${to})`,
    );
    expect(shown).toBeGreaterThan(10_000);
    expect(shown).toBe(Number(expected?.events));
    const digits = async (key: string) =>
      Number(((await page.locator(`[data-total="${key}"] b`).textContent()) ?? '').replace(/[^0-9.]/g, ''));
    expect(await digits('tokens')).toBe(Number(expected?.tokens));
    expect(await digits('cost_per_hour')).toBeCloseTo(Number(expected?.cost) / ((to - from) / 3600), 2);
    expect(await page.locator('#groups tr').count()).toBeGreaterThan(2);
    const traffic = await canvasStats('traffic');
    expect(traffic.drawn / traffic.total).toBeGreaterThan(0.01);
    expect(await page.locator('#tz').textContent()).toContain('UTC');
    const [firing] = await sql.queryRows<{ n: string }>(
      `SELECT count() AS n FROM ${pipeline.database}.incidents FINAL WHERE status = 'firing'`,
    );
    expect(Number(firing?.n)).toBeGreaterThan(0);
    expect(await page.locator('#open-incidents a').count()).toBe(Number(firing?.n));
    // Live: the overview redraws itself every 10 s.
    const drawnAt = await page.evaluate(() => Number(document.body.dataset.updatedAt));
    await page.waitForFunction((before) => Number(document.body.dataset.updatedAt) > before, drawnAt, {
      timeout: 15_000,
    });
  });

  it('an empty range explains what to do', async () => {
    const before = {
      range: 'custom',
      from: String(start - 3 * 3_600_000),
      to: String(start - 2 * 3_600_000),
    };
    await open(`overview?${new URLSearchParams(before)}`, 'overview');
    expect(await page.locator('[data-empty="events"]').textContent()).toContain('npm run demo');
    expect(await page.locator('[data-total="events"] b').textContent()).toBe('0');
  });

  it('series: draws the latency spike with its alert marker where the alert fired', async () => {
    // The p95 alert, the one whose span the p95 line is checked against (the p99 and TTFT alerts of the same
    // spike fire together with it but may resolve earlier; picking among them by time alone was a coin toss).
    const [alert] = await sql.queryRows<Record<string, string>>(
      `SELECT alert_id, tenant_id, application, environment, provider, model, operation,
              toUInt32(min(started_at)) AS fired_at
       FROM ${pipeline.database}.alerts FINAL WHERE detector LIKE 'latency%' AND isNotNull(model)
         AND evidence.value[indexOf(evidence.key, 'metric')] = 'p95'
       GROUP BY alert_id, tenant_id, application, environment, provider, model, operation
       ORDER BY fired_at, alert_id LIMIT 1`,
    );
    expect(alert, 'the latency spike raised a latency alert').toBeDefined();
    const a = alert as Record<string, string>;
    const spike = simulation.scenarios.find((s) => s.kind === 'latency_spike');
    expect(Number(a.fired_at) * 1000).toBeGreaterThanOrEqual((spike?.startMs ?? 0) - 2 * MINUTE);
    expect(Number(a.fired_at) * 1000).toBeLessThanOrEqual(spike?.endMs ?? 0);
    const labels = new URLSearchParams({ ...range, ...seriesParams(a) });
    await open(`series?${labels}`, 'series');
    await page.screenshot({ path: join(SCREENSHOTS, 'series.png'), fullPage: true });
    expect(await page.locator(`[data-alert="${a.alert_id}"]`).count()).toBe(1);
    const stats = await canvasStats('latency');
    expect(stats.points).toBeGreaterThan(60);
    expect(stats.drawn / stats.total).toBeGreaterThan(0.01);
    const marker = stats.markers.find((m) => m.from === Number(a.fired_at));
    expect(marker, 'a marker at the time the alert fired').toBeDefined();
    // The marker line is drawn in red at that x, down most of the plot's height.
    expect(stats.markerRed[stats.markers.indexOf(marker as (typeof stats.markers)[number])]).toBeGreaterThan(
      0.5,
    );
    // The p95 line peaks inside the alert's span: its highest pixel lies between fired and resolved.
    const m = marker as (typeof stats.markers)[number];
    expect(stats.topBlue).not.toBeNull();
    const top = stats.topBlue as { x: number; y: number };
    expect(top.x).toBeGreaterThanOrEqual(m.left + m.x - 40);
    expect(top.x).toBeLessThanOrEqual(m.left + m.x_to + 5);
  });

  it('incidents: lists every incident of the range; acknowledging from the page records the person', async () => {
    await open(`incidents?${rangeQuery}`, 'incidents');
    const [count] = await sql.queryRows<{ n: string }>(
      `SELECT count() AS n FROM ${pipeline.database}.incidents FINAL`,
    );
    expect(Number(count?.n)).toBeGreaterThan(0);
    expect(await page.locator('#incidents tr[data-incident]').count()).toBe(Number(count?.n));
    await page.screenshot({ path: join(SCREENSHOTS, 'incidents.png'), fullPage: true });

    // The cost runaway's incident (the agent monitor's per-trace alerts may keep others open too).
    const costAlerts = new Set(
      (
        await sql.queryRows<{ alert_id: string }>(
          `SELECT DISTINCT alert_id FROM ${pipeline.database}.alerts FINAL WHERE detector = 'cost'`,
        )
      ).map((r) => r.alert_id),
    );
    const openIncidents = await sql.queryRows<{ incident_id: string; firing_alert_ids: string[] }>(
      `SELECT incident_id, firing_alert_ids FROM ${pipeline.database}.incidents FINAL WHERE status = 'firing'`,
    );
    const firing = openIncidents.find((i) => i.firing_alert_ids.some((id) => costAlerts.has(id)));
    expect(firing, 'the cost runaway keeps one incident open').toBeDefined();
    const id = firing?.incident_id ?? '';
    await open(`incident?id=${id}`, 'incident');
    expect(await page.locator('#members tr').count()).toBeGreaterThan(1);
    const windows = await canvasStats('incident-cost');
    expect(windows.points).toBeGreaterThan(30);
    expect(windows.drawn / windows.total).toBeGreaterThan(0.01);
    expect(windows.markers.length).toBeGreaterThan(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'incident.png'), fullPage: true });
    await page.fill('#ack-by', 'dana');
    await page.fill('#ack-note', 'looking at it');
    await page.click('#ack');
    await page.waitForFunction(() => (document.getElementById('ack-result')?.textContent ?? '') !== '');
    expect(await page.locator('#ack-result').textContent()).toContain('acknowledged by dana');
    const audit = await sql.queryRows<{ actor: string; action: string; comment: string }>(
      `SELECT actor, action, comment FROM ${pipeline.database}.audit_log WHERE target = '${id}'`,
    );
    expect(audit).toEqual([{ actor: 'dana', action: 'incident.ack', comment: 'looking at it' }]);
  });

  it('prompt versions and the weekly report render', async () => {
    await open(`prompts?${rangeQuery}`, 'prompts');
    expect(await page.locator('table[data-prompt]').count()).toBeGreaterThan(0);
    await open('report', 'report');
    const frame = page.frameLocator('#report');
    const [apps] = await sql.queryRows<{ n: string }>(
      `SELECT uniqExact(application) AS n FROM ${pipeline.database}.window_aggregates FINAL`,
    );
    await expect
      .poll(() => frame.locator('#weekly tr').count(), { timeout: 15_000 })
      .toBe(Number(apps?.n) + 1);
    await page.screenshot({ path: join(SCREENSHOTS, 'report.png'), fullPage: true });
  });

  it('refuses bad input with 400 and a reason', async () => {
    const get = async (query: string) => {
      const response = await fetch(`${ui.url}api/overview?${query}`);
      return { status: response.status, body: (await response.json()) as { error: string } };
    };
    expect(await get('range=2h')).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('range must be 1h, 24h, 7d or custom') },
    });
    expect(await get('range=custom&from=2000&to=1000')).toMatchObject({ status: 400 });
    expect(await get(`range=custom&from=${end}&to=${start}`)).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('from must be before to') },
    });
    expect(await get('tenant=nobody')).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('unknown tenant') },
    });
    expect(await get(`tenant=${encodeURIComponent("x' OR 1=1 --")}`)).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('tenant may hold only') },
    });
    const ack = await fetch(`${ui.url}api/incidents/nope/ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(ack.status).toBe(400);
  });

  // Every endpoint answers 200 ten times in a row; the timings are printed for the record with the load
  // average, not asserted (speed is the benchmark's: `bash scripts/bench.sh ui`).
  it('every endpoint answers repeatedly; timings printed with the load average', async () => {
    const [alert] = await sql.queryRows<Record<string, string>>(
      `SELECT tenant_id, application, environment, provider, model, operation FROM ${pipeline.database}.window_aggregates LIMIT 1`,
    );
    const series = new URLSearchParams({ ...range, ...seriesParams(alert ?? {}) });
    const endpoints = [
      `api/overview?${rangeQuery}`,
      `api/series?${rangeQuery}`,
      `api/series/windows?${series}`,
      `api/incidents?${rangeQuery}`,
      `api/prompts?${rangeQuery}`,
      'api/report/week',
    ];
    const timings = await timeEndpoints(ui.url, endpoints, 10);
    expect(timings.map((t) => t.path)).toEqual(endpoints);
    const lines = timings.map(
      (t) => `${t.path.split('?')[0]}: p50 ${t.p50Ms.toFixed(0)} ms, max ${t.maxMs.toFixed(0)} ms`,
    );
    console.log(
      `[ui] endpoint latency on ${simulation.options.durationMs / MINUTE} min of data, load average ${loadavg()[0]?.toFixed(2)} (tests run beside it):\n  ${lines.join('\n  ')}`,
    );
  });
});
