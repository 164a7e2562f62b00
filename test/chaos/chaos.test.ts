import { existsSync } from 'node:fs';
import { parseDetectionConfig } from '@aiops/detectors';
import { CLI_MAIN } from '@aiops/harness';
import { parseDuration } from '@aiops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkNotifications,
  compareRuns,
  formatReports,
  type RunReport,
  type RunSnapshot,
} from './compare.js';
import { FAULT_SCRIPTS, type FaultOutcome, mb, parseFaults, type RunKind } from './faults.js';
import { CHAOS_IDLE_TIMEOUT_MS, ChaosRun, type ChaosSettings, sweepLeftovers } from './run.js';
import { type ChaosEndpoints, chaosStackDown, chaosStackUp } from './stack.js';
import { buildChaosStream, type ChaosStream } from './stream.js';

/**
 * Fault tests (issue 5): one fixed, seeded stream through the real services (child processes) on a
 * broker and a server of the suite's own; a fault-free run first, then one run per fault, each compared
 * with the fault-free one. See test/chaos/README.md for what each fault does and the knobs.
 */

const env: Readonly<Record<string, string | undefined>> = process.env;
const TARGET_EVENTS = Number(env.CHAOS_EVENTS ?? 200_000);
const FAULTS = parseFaults(env.CHAOS_FAULTS);
const SETTINGS: ChaosSettings = {
  partitions: Number(env.CHAOS_PARTITIONS ?? 3),
  idleTimeoutMs: CHAOS_IDLE_TIMEOUT_MS,
  drainTimeoutMs: Number(env.CHAOS_DRAIN_TIMEOUT_MS ?? 10 * 60_000),
  keepData: env.CHAOS_KEEP === '1',
  cliMain: env.CHAOS_CLI ?? CLI_MAIN,
};
/** The detector runs with the default rules: a firing may repeat after this much event time. */
const REPEAT_INTERVAL_MS = parseDetectionConfig({}).lifecycle.repeat_interval_ms;

describe('chaos: the pipeline under faults gives the fault-free results', () => {
  let endpoints: ChaosEndpoints;
  let stream: ChaosStream;
  let baseline: RunSnapshot | undefined;
  const reports: RunReport[] = [];
  const suiteStarted = Date.now();

  beforeAll(async () => {
    if (!existsSync(SETTINGS.cliMain))
      throw new Error(`${SETTINGS.cliMain} is missing: build first (npx tsc -b)`);
    const up = await chaosStackUp();
    endpoints = up.endpoints;
    console.log(
      `[chaos] own stack: Kafka ${up.report.kafka.action} at ${endpoints.kafkaBrokers}, ClickHouse ` +
        `${up.report.clickhouse.action} at ${endpoints.clickhouseUrl} (${(up.report.durationMs / 1000).toFixed(1)} s)`,
    );
    if (!SETTINGS.keepData)
      console.log(`[chaos] removed leftovers of earlier runs: ${await sweepLeftovers(endpoints)}`);
    const began = Date.now();
    stream = buildChaosStream({
      seed: Number(env.CHAOS_SEED ?? 42),
      targetEvents: TARGET_EVENTS,
      durationMs: parseDuration(env.CHAOS_DURATION ?? '4h'),
      nowMs: Date.now(),
      endsBeforeNowMs: 20 * 60_000,
      format: env.CHAOS_FORMAT === 'avro' ? 'avro' : 'json',
      outOfOrderMs: 2000,
      duplicateRate: 0.01,
      rawKey: env.CHAOS_RAW_KEY === 'event' ? 'event' : 'series',
      partitions: SETTINGS.partitions,
    });
    console.log(
      `[chaos] stream: ${stream.messages.length} messages (${stream.windowedEvents - stream.sentinels.length} distinct events, ` +
        `${stream.duplicates} duplicates) + ${stream.sentinels.length} sentinels + ${stream.closers.length} closers, raw key ${stream.options.rawKey}, ${stream.series} series, ` +
        `${new Date(stream.startMs).toISOString()} → ${new Date(stream.endMs).toISOString()}, ` +
        `${stream.eventsPerMinute.toFixed(0)}/min, ${stream.labels.length} labelled incidents, ` +
        `faults: ${FAULTS.join(', ') || 'none'} (built in ${((Date.now() - began) / 1000).toFixed(1)} s)`,
    );
  });

  afterAll(async () => {
    if (reports.length > 0) {
      console.log(
        `[chaos] ${TARGET_EVENTS} events target, ${((Date.now() - suiteStarted) / 1000).toFixed(0)} s in all`,
      );
      for (const line of formatReports(reports)) console.log(`[chaos] ${line}`);
    }
    if (env.CHAOS_KEEP_STACK !== '1' && endpoints !== undefined) await chaosStackDown();
  });

  /** Runs the fault script on a fresh pipeline, drains it, reads it, compares it with the baseline. */
  async function execute(kind: RunKind): Promise<{ report: RunReport; outcome: FaultOutcome }> {
    const run = new ChaosRun(kind, endpoints, stream, SETTINGS);
    try {
      await run.start();
      const outcome = await FAULT_SCRIPTS[kind](run);
      const drain = await run.drain();
      const readStarted = Date.now();
      const snapshot = await run.snapshot();
      run.log(`read ClickHouse and the alerts topic in ${((Date.now() - readStarted) / 1000).toFixed(1)} s`);
      const report: RunReport = {
        name: kind,
        wallSeconds: run.elapsedSeconds(),
        drainSeconds: drain.seconds,
        drained: drain.drained,
        snapshot,
        notificationsCheck: checkNotifications(snapshot.notifications, REPEAT_INTERVAL_MS),
        comparison: baseline === undefined || kind === 'baseline' ? null : compareRuns(baseline, snapshot),
        restarts: run.restartSummary(),
        notes: run.notes,
      };
      reports.push(report);
      printReport(report, outcome);
      return { report, outcome };
    } finally {
      const closeStarted = Date.now();
      await run.close();
      run.log(`stopped and cleaned up in ${((Date.now() - closeStarted) / 1000).toFixed(1)} s`);
    }
  }

  it('baseline: without faults, every event is counted once and alerts fire', async () => {
    const { report } = await execute('baseline');
    const s = report.snapshot;
    expect(report.drained, 'pipeline drained').toBe(true);
    expect(s.events.final).toBe(stream.uniqueEvents);
    expect(s.events.distinctIds).toBe(stream.uniqueEvents);
    expect(s.windows.size).toBeGreaterThan(stream.series);
    // Every event in exactly one window per size: the stream's disorder is within the aggregator's bound,
    // so nothing may be dropped as too late.
    expect(s.deadLetters.late_event ?? 0, 'events dead-lettered as too late').toBe(0);
    for (const [size, total] of Object.entries(s.windowEventTotals)) {
      expect(total, `sum(events) over ${size}s windows`).toBe(stream.windowedEvents);
    }
    expect(s.alerts.size, 'the incidents make alerts fire').toBeGreaterThan(0);
    expect(report.notificationsCheck.duplicates).toBe(0);
    expect(report.notificationsCheck.earlyRepeats).toBe(0);
    expect(report.restarts.crashRestarts).toBe(0);
    baseline = s;
  });

  for (const fault of FAULTS) {
    it(`${fault}: same events, windows and alerts as the fault-free run`, async () => {
      if (baseline === undefined) throw new Error('the baseline run failed; nothing to compare with');
      const { report, outcome } = await execute(fault);
      const c = report.comparison!;
      // Soft: every difference of the run is reported, not only the first.
      expect.soft(report.drained, 'pipeline drained').toBe(true);
      expect.soft(c.eventsDelta, 'events FINAL minus baseline').toBe(0);
      expect.soft(c.eventsEqual, 'same event ids and columns').toBe(true);
      for (const [size, total] of Object.entries(report.snapshot.windowEventTotals)) {
        expect.soft(total, `sum(events) over ${size}s windows`).toBe(stream.windowedEvents);
      }
      expect
        .soft(
          { missing: c.windows.missing, extra: c.windows.extra, differing: c.windows.differing },
          'window_aggregates FINAL',
        )
        .toEqual({ missing: 0, extra: 0, differing: 0 });
      expect
        .soft(
          { missing: c.alerts.missing, extra: c.alerts.extra, differing: c.alerts.differing },
          'alerts FINAL',
        )
        .toEqual({ missing: 0, extra: 0, differing: 0 });
      expect.soft(c.historiesDiffering, 'alert_ids whose notification history differs').toBe(0);
      // The validator is exactly-once: a crash re-sends nothing the aggregator could find too late. Such
      // an event would now be a late correction (window_late_corrections: an `extra` window row above),
      // and one older than LATE_CORRECTION_MAX_AGE_MS a `late_event` dead letter here.
      expect.soft(report.snapshot.deadLetters.late_event ?? 0, 'events dead-lettered as too late').toBe(0);
      expect.soft(report.notificationsCheck.duplicates, 'notifications published twice').toBe(0);
      expect.soft(report.notificationsCheck.earlyRepeats, 'firings repeated before the interval').toBe(0);
      if (fault === 'clickhouse') {
        // Backpressure, not a crash: the writer waited with bounded memory and caught up.
        expect.soft(outcome.writerCrashes, 'writer restarts while ClickHouse was down').toBe(0);
        expect.soft(outcome.writerRss?.peak ?? Number.POSITIVE_INFINITY).toBeLessThan(1024 * 1024 * 1024);
      }
    });
  }
});

function printReport(report: RunReport, outcome: FaultOutcome): void {
  const s = report.snapshot;
  const c = report.comparison;
  const lines = [
    `${report.name}: ${report.wallSeconds.toFixed(0)} s (drain ${report.drainSeconds.toFixed(0)} s, ${report.drained ? 'drained' : 'NOT drained'})`,
    `  events FINAL ${s.events.final} (inserted ${s.events.inserted}, distinct ids ${s.events.distinctIds})` +
      (c ? `, vs baseline: Δ ${c.eventsDelta}, ${c.eventsEqual ? 'identical' : 'DIFFERENT'}` : ''),
    `  window_aggregates FINAL ${s.windows.size} (inserted ${s.windowsInserted}, sum(events) by size ` +
      `${JSON.stringify(s.windowEventTotals)})` +
      (c
        ? `, vs baseline: missing ${c.windows.missing}, extra ${c.windows.extra}, differing ${c.windows.differing}, ` +
          `float-ulp only ${c.windows.floatOnly}, other revision ${c.windows.informational.revision ?? 0}, ` +
          `other late_events ${c.windows.informational.late_events ?? 0}`
        : ''),
    `  alerts FINAL ${s.alerts.size} rows` +
      (c
        ? `, vs baseline: missing ${c.alerts.missing}, extra ${c.alerts.extra}, differing ${c.alerts.differing} ` +
          `(by detector ${JSON.stringify(c.alertsByDetector)})`
        : ''),
    `  alerts topic: ${report.notificationsCheck.notifications} notifications, ${report.notificationsCheck.alertIds} alert_ids, ` +
      `${report.notificationsCheck.firing} firing, duplicates ${report.notificationsCheck.duplicates}, ` +
      `early repeats ${report.notificationsCheck.earlyRepeats}` +
      (c ? `, histories differing from baseline ${c.historiesDiffering}` : ''),
    `  dead letters: ${JSON.stringify(s.deadLetters)}`,
    `  restarts: supervisor ${report.restarts.crashRestarts}, harness kills ${report.restarts.kills} (${report.restarts.byProcess})`,
  ];
  if (outcome.writerRss) {
    lines.push(
      `  writer while ClickHouse was down: RSS ${mb(outcome.writerRss.before)} → peak ${mb(outcome.writerRss.peak)} → ` +
        `${mb(outcome.writerRss.after)}, paused ${outcome.writerPaused}, lag ${outcome.writerLag?.atStop} → ${outcome.writerLag?.atRestart}`,
    );
  }
  for (const example of [
    ...(c?.windows.examples ?? []),
    ...(c?.alerts.examples ?? []),
    ...(c?.historyExamples ?? []),
    ...report.notificationsCheck.examples,
  ]) {
    lines.push(`  e.g. ${example}`);
  }
  for (const line of lines) console.log(`[chaos] ${line}`);
}
