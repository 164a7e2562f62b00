import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, ScenarioPipeline } from '@aiops/cli';
import { type BacktestReport, ENGINE_DETECTORS } from '@aiops/detectors';
import { createSimulation } from '@aiops/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseUrl, kafkaBrokers } from '../setup/endpoints.js';
import { pastMorningStart } from '../support/simulation.js';

const HOUR = 3_600_000;

/** Two hours of event time from a past morning: labelled incidents, the same every run. */
function simulation() {
  const startMs = pastMorningStart(2 * HOUR);
  return createSimulation({ seed: 42, startMs, durationMs: 2 * HOUR, eventsPerMinute: 200 });
}

describe('aiops backtest against a simulated run through the real pipeline', () => {
  const sim = simulation();
  const dir = mkdtempSync(join(tmpdir(), 'aiops-backtest-'));
  let pipeline: ScenarioPipeline;

  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const env = {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      CLICKHOUSE_URL: clickhouseUrl(),
      CLICKHOUSE_DATABASE: pipeline.database,
    };
    const code = await runCli(['node', 'aiops', 'backtest', ...args], {
      env,
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    return { code, out, err };
  };
  const rulesFile = (name: string, rules: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(rules));
    return file;
  };
  const period = () => [
    '--from',
    String(sim.options.startMs),
    '--to',
    String(sim.options.endMs),
    '--partitions',
    String(pipeline.partitions),
  ];

  beforeAll(async () => {
    pipeline = new ScenarioPipeline({
      env: { KAFKA_BROKERS: kafkaBrokers().join(','), CLICKHOUSE_URL: clickhouseUrl() },
      prefix: 'it_backtest',
      rules: {},
      logLevel: process.env.TEST_LOG_LEVEL ?? 'fatal',
    });
    await pipeline.start();
    await pipeline.produce(sim);
    await pipeline.sendSentinels(sim.options.endMs);
    await pipeline.drain(sim.options.endMs, 240_000);
  }, 300_000);

  afterAll(async () => {
    await pipeline?.stop({ cleanup: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('with the live rules over the closed period it gives exactly the live detector’s alerts', async () => {
    const began = performance.now();
    const { code, out, err } = await cli(['--rules', rulesFile('live.json', {}), ...period(), '--json']);
    const tookMs = Math.round(performance.now() - began);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const report = JSON.parse(out.join('\n')) as BacktestReport;
    // What the detector published in the period, one per (alert id, status), as the alerts table keeps it;
    // the agent monitor's alerts on the same topic are out of a window replay's scope.
    const live = new Set(
      pipeline.alerts
        .filter((a) => {
          if (!ENGINE_DETECTORS.includes(a.detector)) return false;
          const at = a.status === 'resolved' ? a.resolved_at! : a.started_at;
          return at >= sim.options.startMs && at <= sim.options.endMs;
        })
        .map((a) => `${a.alert_id}/${a.status}`),
    );
    expect(live.size).toBeGreaterThan(3);
    expect(report.windows).toBeGreaterThan(1000);
    expect(report.failed).toBe(0);
    expect(report.totals).toEqual({ added: 0, removed: 0, unchanged: live.size });
    const unchanged = Object.values(report.detectors).flatMap((d) =>
      d.unchanged.map((a) => `${a.alert_id}/${a.status}`),
    );
    expect(new Set(unchanged)).toEqual(live);
    // For the record (under load: shared machine): windows replayed, notifications compared, wall time.
    console.log(JSON.stringify({ windows: report.windows, notifications: live.size, tookMs }));
  });

  it('candidate rules: what they would not have fired is removed, per detector, in the text report too', async () => {
    const json = await cli([
      '--rules',
      rulesFile('quiet.json', { latency: { enabled: false } }),
      ...period(),
      '--json',
    ]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out.join('\n')) as BacktestReport;
    expect(report.totals.added).toBe(0);
    expect(report.totals.removed).toBeGreaterThan(0);
    for (const [name, diff] of Object.entries(report.detectors))
      if (diff.removed.length > 0) expect(name).toBe('latency');

    const text = await cli([
      '--rules',
      rulesFile('quiet.json', { latency: { enabled: false } }),
      ...period(),
    ]);
    expect(text.code).toBe(0);
    expect(text.out[1]).toBe(
      `candidate vs current: +0 added, -${report.totals.removed} removed, ${report.totals.unchanged} unchanged`,
    );
    expect(text.out.some((l) => /^latency: \+0 -[1-9]/.test(l))).toBe(true);
  });

  it('a bad rules file or period is refused with an error naming the key', async () => {
    const bad = await cli([
      '--rules',
      rulesFile('bad.json', { latency: { z_threshold: 'high' } }),
      ...period(),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err.join('\n')).toContain('latency.z_threshold');
    const unknown = await cli(['--rules', rulesFile('unknown.json', { latncy: {} }), ...period()]);
    expect(unknown.code).toBe(2);
    expect(unknown.err.join('\n')).toContain('latncy: unknown key');
    const backwards = await cli([
      '--rules',
      rulesFile('ok.json', {}),
      '--from',
      String(sim.options.endMs),
      '--to',
      String(sim.options.startMs),
    ]);
    expect(backwards.code).toBe(2);
    expect(backwards.err.join('\n')).toContain('--to must be after --from');
  });
});
