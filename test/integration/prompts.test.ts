import { clickhouseExecutor } from '@aiops/clickhouse';
import { type Alert, alertCodec, type TelemetryEvent } from '@aiops/contract';
import { Rng } from '@aiops/core';
import { PROMPT_DETECTORS } from '@aiops/prompts';
import { telemetryEvent } from '@aiops/testkit';
import { Dashboard } from '@aiops/ui';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeUntil, produce, waitCaughtUp } from '../support/kafka.js';
import { TestPipeline, waitFor } from '../support/pipeline.js';

const MINUTE = 60_000;
const T0 = Math.floor((Date.now() - 4 * 3_600_000) / MINUTE) * MINUTE;
const MINUTES = 30;
const NEW_FROM = 10;

/** support-bot on support-answer v7; from minute 10, v8 takes 30 % of the calls and scores 0.15 lower. */
function traffic(): TelemetryEvent[] {
  const rng = new Rng(2026);
  const events: TelemetryEvent[] = [];
  let id = 0;
  const base = { prompt_name: 'support-answer', tenant_id: 'acme', application: 'support-bot' };
  const followUp = {
    duration_ms: null,
    time_to_first_token_ms: null,
    input_tokens: null,
    output_tokens: null,
  };
  for (let minute = 0; minute < MINUTES; minute++) {
    for (let i = 0; i < 100; i++) {
      const at = T0 + minute * MINUTE + Math.floor(rng.next() * MINUTE);
      const version = minute >= NEW_FROM && rng.chance(0.3) ? 'v8' : 'v7';
      events.push(
        telemetryEvent({
          ...base,
          event_id: `prompts-it-${id++}`,
          timestamp: at,
          prompt_version: version,
          duration_ms: Math.round(rng.lognormal(900, 0.5)),
        }),
      );
      if (rng.chance(0.5)) {
        const score = 0.86 - (version === 'v8' ? 0.15 : 0) + 0.07 * rng.normal();
        events.push(
          telemetryEvent({
            ...base,
            ...followUp,
            event_id: `prompts-it-${id++}`,
            event_type: 'evaluation',
            timestamp: at + 3000,
            prompt_version: version,
            scores: { faithfulness: Number(Math.min(1, Math.max(0, score)).toFixed(3)) },
          }),
        );
      }
    }
  }
  return events.sort((a, b) => a.timestamp - b.timestamp);
}

const decodeAlerts = (messages: Awaited<ReturnType<typeof consumeUntil>>): Alert[] =>
  messages.map((m) => alertCodec.decode(m.value!));

describe('prompt monitor against the real broker and ClickHouse', () => {
  let pipeline: TestPipeline;
  let ch: ClickHouseClient;

  beforeAll(async () => {
    pipeline = new TestPipeline({
      partitions: 1,
      promptMonitor: { warmupMs: 5 * MINUTE, maxOutOfOrdernessMs: 1000, allowedLatenessMs: 5000 },
    });
    await pipeline.createTopics();
    await pipeline.startAll(['validator', 'prompt-monitor', 'writer']);
    ch = pipeline.clickhouse();
    await pipeline.waitReady();
  });
  afterAll(async () => {
    await pipeline?.stopAll();
    await ch?.close();
  });

  it('a worse version rolled out through the pipeline fires one prompt_regression, once across a restart mid-comparison, and its aggregates land in ClickHouse', {
    timeout: 300_000,
  }, async () => {
    const events = traffic();
    // An event far ahead closes every window and, v8 gone since, ends the comparison.
    const flush = telemetryEvent({ event_id: 'prompts-it-flush', timestamp: T0 + 3 * 3_600_000 });
    const asMessages = (list: TelemetryEvent[]) =>
      list.map((e) => ({ key: e.event_id, value: Buffer.from(JSON.stringify(e)) }));
    // The monitor is restarted mid-comparison (v8 out for 5 minutes): its state comes back from the
    // changelog, and the regression is still flagged exactly once.
    const restartAt = T0 + (NEW_FROM + 5) * MINUTE;
    await produce(pipeline.topics.raw, asMessages(events.filter((e) => e.timestamp < restartAt)));
    await waitCaughtUp(pipeline.groups.validator, pipeline.topics.raw);
    await waitCaughtUp(pipeline.groups['prompt-monitor'], pipeline.topics.events);
    await pipeline.stop('prompt-monitor');
    await pipeline.start('prompt-monitor');
    await pipeline.waitReady();
    await produce(
      pipeline.topics.raw,
      asMessages([...events.filter((e) => e.timestamp >= restartAt), flush]),
    );
    const alerts = decodeAlerts(
      await consumeUntil(
        pipeline.topics.alerts,
        (m) =>
          decodeAlerts(m).some((a) => a.detector === PROMPT_DETECTORS.regression && a.status === 'resolved'),
        180_000,
      ),
    );
    const firing = alerts.filter((a) => a.status === 'firing');
    expect(firing).toHaveLength(1);
    const alert = firing[0]!;
    expect(alert.detector).toBe(PROMPT_DETECTORS.regression);
    expect(alert).toMatchObject({ tenant_id: 'acme', application: 'support-bot', environment: 'production' });
    expect(alert.evidence).toMatchObject({
      prompt_name: 'support-answer',
      new_version: 'v8',
      old_version: 'v7',
      metric: 'score:faithfulness',
    });
    expect(alert.summary).toMatch(
      /^support-answer v8 is worse than v7 on faithfulness \(0\.7\d vs 0\.8\d, n=/,
    );
    // Flagged within 15 minutes of the rollout.
    expect(alert.window_end - (T0 + NEW_FROM * MINUTE)).toBeLessThanOrEqual(15 * MINUTE);
    const resolved = alerts.filter((a) => a.status === 'resolved');
    expect(resolved.map((a) => a.alert_id)).toEqual([alert.alert_id]);

    // One row per version and window, holding every call.
    const callsOf = (version: string) =>
      events.filter((e) => e.event_type === 'llm_call' && e.prompt_version === version).length;
    let rows: Array<{ prompt_version: string; windows: string; calls: string; evaluations: string }> = [];
    await waitFor(
      async () => {
        const rs = await ch.query({
          query: `SELECT prompt_version, count() AS windows, sum(calls) AS calls, sum(evaluations) AS evaluations
                  FROM ${pipeline.database}.prompt_version_aggregates FINAL
                  WHERE prompt_name = 'support-answer' GROUP BY prompt_version ORDER BY prompt_version`,
          format: 'JSONEachRow',
        });
        rows = (await rs.json()) as typeof rows;
        return (
          rows.length === 2 &&
          Number(rows[0]!.calls) + Number(rows[1]!.calls) === callsOf('v7') + callsOf('v8')
        );
      },
      60_000,
      'prompt_version_aggregates rows',
    );
    // A window per minute with the version's calls or evaluations (an evaluation comes 3 s after its call).
    const windowsOf = (version: string) =>
      new Set(events.filter((e) => e.prompt_version === version).map((e) => Math.floor(e.timestamp / MINUTE)))
        .size;
    expect(windowsOf('v8')).toBeGreaterThanOrEqual(MINUTES - NEW_FROM);
    expect(rows.map((r) => [r.prompt_version, Number(r.windows), Number(r.calls)])).toEqual([
      ['v7', windowsOf('v7'), callsOf('v7')],
      ['v8', windowsOf('v8'), callsOf('v8')],
    ]);
    const evaluations = events.filter((e) => e.event_type === 'evaluation').length;
    expect(rows.reduce((n, r) => n + Number(r.evaluations), 0)).toBe(evaluations);

    // The dashboard's prompt page reads these aggregates (calls per version, the mean score of each
    // version's evaluations), not the raw events.
    const dashboard = new Dashboard(clickhouseExecutor(ch), { database: pipeline.database, windowSizeS: 60 });
    const page = await dashboard.prompts({ range: 'custom', from: T0, to: T0 + (MINUTES + 5) * MINUTE });
    expect(page.source).toBe('prompt_version_aggregates');
    const meanScore = (version: string) => {
      const scores = events
        .filter((e) => e.event_type === 'evaluation' && e.prompt_version === version)
        .map((e) => e.scores.faithfulness!);
      return scores.reduce((a, b) => a + b, 0) / scores.length;
    };
    expect(
      page.versions.map((v) => [v.prompt_name, v.prompt_version, v.events, Number(v.score_mean).toFixed(6)]),
    ).toEqual(['v7', 'v8'].map((v) => ['support-answer', v, callsOf(v), meanScore(v).toFixed(6)]));
  });
});
