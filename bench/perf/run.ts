/**
 * `npm run bench`: the pipeline's performance benchmark on the local (or given) Kafka and ClickHouse.
 * Prints every figure with its ratio to the kafkajs client ceiling, writes bench/results/latest.json and
 * appends a dated section to bench/RESULTS.md. See bench/README.md.
 *
 *   node bench/dist/perf/run.js [--events 1000000] [--regenerate] [--only a,b] [--stages a,b] [--no-results-md]
 *   sections: ceilings, stages, e2e, latency, state, score, otlp
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@aiops/harness';
import { createClient } from '@clickhouse/client';
import type { Admin } from 'kafkajs';
import {
  type BrokerCeiling,
  type ClientCeiling,
  measureBrokerCeiling,
  measureClientCeiling,
  measureSinkCeiling,
  type SinkCeiling,
} from './ceilings.js';
import { endpoints, kafkaClient, RESULTS_DIR, round, say } from './common.js';
import { type Dataset, ensureDataset, RAW_TOPICS } from './dataset.js';
import { type LatencyResult, measureLatency } from './latency.js';
import { measureOtlp, type OtlpResult } from './otlp.js';
import { measureScoreSeries, type ScoreSeriesResult } from './score.js';
import {
  BENCH_PREFIX,
  benchPipeline,
  type EndToEndResult,
  progressOf,
  runEndToEnd,
  runStage,
  type StageName,
  type StageResult,
} from './stages.js';
import { measureState, type StatePoint } from './state.js';

const SECTIONS = ['ceilings', 'stages', 'e2e', 'latency', 'state', 'score', 'otlp'] as const;
type Section = (typeof SECTIONS)[number];
const STAGE_CHOICES = [
  'validator',
  'validator_json',
  'aggregator',
  'aggregator_hourly',
  'writer',
  'writer_batch50k',
  'detector',
];

interface Flags {
  events: number;
  regenerate: boolean;
  only: Set<Section>;
  resultsMd: boolean;
  /** Which stages the 'stages' section runs (default all; validator_json = the validator on JSON input). */
  stages: Set<string>;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = {
    events: 1_000_000,
    regenerate: false,
    only: new Set(SECTIONS),
    resultsMd: true,
    stages: new Set(STAGE_CHOICES),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--events') flags.events = Number(argv[++i]);
    else if (arg === '--regenerate') flags.regenerate = true;
    else if (arg === '--no-results-md') flags.resultsMd = false;
    else if (arg === '--stages') {
      flags.stages = new Set((argv[++i] ?? '').split(',').filter(Boolean));
      for (const s of flags.stages) if (!STAGE_CHOICES.includes(s)) throw new Error(`unknown stage ${s}`);
    } else if (arg === '--only') {
      const list = (argv[++i] ?? '').split(',').filter(Boolean);
      for (const s of list)
        if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`unknown section ${s}`);
      flags.only = new Set(list as Section[]);
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (!Number.isSafeInteger(flags.events) || flags.events < 1000) throw new Error('--events must be ≥ 1000');
  return flags;
}

const BUDGET_S = {
  validator: 60,
  validatorJson: 30,
  aggregator: 60,
  writer: 60,
  detector: 45,
  e2e: 150,
  latency: 60,
  /** Each of the two OTLP phases (closed loop, then paced). */
  otlp: 20,
};

function machine() {
  const cmd = (file: string, args: string[]) => {
    try {
      return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    } catch (error) {
      const e = error as { stderr?: string };
      return e.stderr?.trim() ?? 'unknown';
    }
  };
  const javaLine = (() => {
    try {
      return execFileSync('java', ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch {
      return '';
    }
  })();
  const java = javaLine || cmd('sh', ['-c', 'java -version 2>&1 | head -1']);
  const libs = join(process.env.AIOPS_STACK_DIR ?? join(REPO_ROOT, '.aiops'), 'kafka', 'libs');
  const kafkaJar = existsSync(libs)
    ? readdirSync(libs).find((f) => /^kafka_2\.\d+-.*\.jar$/.test(f))
    : undefined;
  const pkg = (name: string) => {
    try {
      return (
        JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    } catch {
      return 'unknown';
    }
  };
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGb: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    java: java.split('\n')[0] ?? 'unknown',
    kafka: kafkaJar?.replace(/^kafka_[\d.]+-(.*)\.jar$/, '$1') ?? 'unknown',
    kafkajs: pkg('kafkajs'),
    clickhouseClient: pkg('@clickhouse/client'),
    avsc: pkg('avsc'),
    clickhouse: 'unknown',
    /** Other work on the machine (other engineers' tests) depresses every figure: recorded with them. */
    loadAverageAtStart: loadavg().map((l) => round(l, 2)),
    git: cmd('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD']),
  };
}

/** Removes what earlier runs left behind: the topics and databases of benchmark pipelines (`bench_run_*`). */
async function cleanupStale(admin: Admin, clickhouseUrl: string): Promise<void> {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(BENCH_PREFIX));
  if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 }).catch(() => undefined);
  const client = createClient({ url: clickhouseUrl, compression: { request: false, response: false } });
  try {
    const result = await client.query({
      query: `SELECT name FROM system.databases WHERE startsWith(name, '${BENCH_PREFIX}')`,
      format: 'JSONEachRow',
    });
    for (const { name } of (await result.json()) as { name: string }[]) {
      await client.command({ query: `DROP DATABASE IF EXISTS ${name}` });
    }
  } finally {
    await client.close();
  }
}

const fmt = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined || !Number.isFinite(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const started = Date.now();
  const ep = endpoints();
  const runId = `run-${Date.now().toString(36)}`;
  const kafka = kafkaClient(ep.brokers, 'aiops-bench');
  const admin = kafka.admin();
  await admin.connect();
  const info = machine();
  const ch = createClient({ url: ep.clickhouseUrl, compression: { request: false, response: false } });
  info.clickhouse =
    (
      (await (await ch.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json()) as {
        v: string;
      }[]
    )[0]?.v ?? 'unknown';
  await ch.close();
  say(
    `run ${runId} on ${info.nproc} cores, node ${info.node}, Kafka ${info.kafka}, ClickHouse ${info.clickhouse}`,
  );
  await cleanupStale(admin, ep.clickhouseUrl);

  const dataset: Dataset = await ensureDataset(kafka, flags.events, flags.regenerate);
  let client: ClientCeiling | null = null;
  let broker: BrokerCeiling | null = null;
  let sink: SinkCeiling | null = null;
  const stages: Partial<
    Record<StageName | 'validator_json' | 'writer_batch50k' | 'aggregator_hourly', StageResult>
  > = {};
  let e2e: EndToEndResult | null = null;
  let latency: LatencyResult | null = null;
  let state: StatePoint[] = [];
  let score: ScoreSeriesResult | null = null;
  let otlp: OtlpResult | null = null;
  const errors: string[] = [];
  const attempt = async (what: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      errors.push(`${what}: ${(error as Error).message}`);
      say(`${what} FAILED: ${(error as Error).message}`);
    }
  };

  try {
    if (flags.only.has('ceilings') || flags.only.has('stages') || flags.only.has('e2e')) {
      await attempt('client ceiling', async () => {
        client = await measureClientCeiling(kafka, RAW_TOPICS.avro, dataset.events);
        say(`client ceiling: ${fmt(client.eventsPerSecond)} events/s (${fmt(client.mbPerSecond, 1)} MB/s)`);
      });
    }
    if (flags.only.has('ceilings')) {
      await attempt('broker ceiling', async () => {
        broker = await measureBrokerCeiling(ep.brokers, RAW_TOPICS.avro, dataset.events);
        say(`broker ceiling: ${fmt(broker.eventsPerSecond)} events/s (${broker.note})`);
      });
    }
    // The stages' pipeline: each stage reads what the one before it wrote.
    const pipeline = benchPipeline(ep, 's', {
      topics: { raw: RAW_TOPICS.avro },
      processEnv: { WRITER_TABLES: 'events' },
    });
    if (flags.only.has('stages')) {
      const stage = async (key: StageName, input: string, budget: number) =>
        flags.stages.has(key) &&
        attempt(`stage ${key}`, async () => {
          stages[key] = await runStage(admin, {
            label: key,
            pipeline,
            service: key,
            inputTopic: input,
            progress: progressOf[key](pipeline),
            budgetSeconds: budget,
          });
        });
      await stage('validator', pipeline.topics.raw, BUDGET_S.validator);
      if (flags.stages.has('validator_json'))
        await attempt('stage validator (JSON input)', async () => {
          const json = benchPipeline(ep, 'j', { topics: { raw: RAW_TOPICS.json } });
          stages.validator_json = await runStage(admin, {
            label: 'validator (JSON input)',
            pipeline: json,
            service: 'validator',
            inputTopic: json.topics.raw,
            progress: progressOf.validator(json),
            budgetSeconds: BUDGET_S.validatorJson,
          });
        });
      await stage('aggregator', pipeline.topics.events, BUDGET_S.aggregator);
      if (flags.stages.has('aggregator_hourly'))
        await attempt('stage aggregator (minute and hourly windows)', async () => {
          // The service's default WINDOW_SIZES_MS (the bench pipeline, like the tests', aggregates minutes
          // only): what the dashboard's hourly windows cost the aggregator.
          const hourly = benchPipeline(ep, 'h', {
            topics: { events: pipeline.topics.events },
            windowSizesMs: [60_000, 3_600_000],
          });
          stages.aggregator_hourly = await runStage(admin, {
            label: 'aggregator (WINDOW_SIZES_MS=60000,3600000)',
            pipeline: hourly,
            service: 'aggregator',
            inputTopic: hourly.topics.events,
            progress: progressOf.aggregator(hourly),
            budgetSeconds: BUDGET_S.aggregator,
          });
        });
      await stage('writer', pipeline.topics.events, BUDGET_S.writer);
      if (flags.stages.has('writer_batch50k'))
        await attempt('stage writer (50 000-row batches)', async () => {
          // The same writer with WRITER_BATCH_ROWS=50000 (default 5000): how much the batch size matters.
          const batch50k = benchPipeline(ep, 'w', {
            topics: { events: pipeline.topics.events },
            processEnv: { WRITER_TABLES: 'events', WRITER_BATCH_ROWS: '50000' },
          });
          stages.writer_batch50k = await runStage(admin, {
            label: 'writer (WRITER_BATCH_ROWS=50000)',
            pipeline: batch50k,
            service: 'writer',
            inputTopic: batch50k.topics.events,
            progress: progressOf.writer(batch50k),
            budgetSeconds: BUDGET_S.writer,
          });
        });
      await stage('detector', pipeline.topics.windows, BUDGET_S.detector);
    }
    if (flags.only.has('ceilings')) {
      await attempt('sink ceiling', async () => {
        sink = await measureSinkCeiling(
          ep.clickhouseUrl,
          `bench_${runId.replace(/-/g, '_')}_sink`,
          dataset,
          dataset.events,
        );
      });
    }
    if (flags.only.has('e2e')) {
      await attempt('end to end', async () => {
        e2e = await runEndToEnd(
          admin,
          benchPipeline(ep, 'e', { topics: { raw: RAW_TOPICS.avro } }),
          BUDGET_S.e2e,
        );
      });
    }
    if (flags.only.has('latency')) {
      await attempt('latency', async () => {
        latency = await measureLatency(kafka, ep, BUDGET_S.latency);
      });
    }
    if (flags.only.has('state')) {
      await attempt('state', async () => {
        state = await measureState([1_000, 10_000, 100_000]);
      });
    }
    if (flags.only.has('score')) {
      await attempt('score-series', async () => {
        score = measureScoreSeries();
      });
    }
    if (flags.only.has('otlp')) {
      await attempt('otlp receiver', async () => {
        // Paced at half the validator's rate of this run: the receiver must not be the bottleneck.
        const validatorRate = stages.validator?.messagesPerSecond ?? null;
        otlp = await measureOtlp(ep, {
          seconds: BUDGET_S.otlp,
          concurrency: 8,
          targetSpansPerSecond: validatorRate === null ? null : validatorRate / 2,
        });
      });
    }
  } finally {
    await cleanupStale(admin, ep.clickhouseUrl).catch(() => undefined);
    await admin.disconnect();
  }

  const minutes = (Date.now() - started) / 60_000;
  const report = buildReport({
    info,
    dataset,
    client,
    broker,
    sink,
    stages,
    e2e,
    latency,
    state,
    score,
    otlp,
    errors,
    minutes,
    runId,
  });
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(report.json, null, 2)}\n`);
  process.stdout.write(`${report.text}\n`);
  if (flags.resultsMd) appendFileSync(join(REPO_ROOT, 'bench', 'RESULTS.md'), `\n${report.markdown}\n`);
  say(
    `done in ${minutes.toFixed(1)} min; bench/results/latest.json written${flags.resultsMd ? ', bench/RESULTS.md appended' : ''}`,
  );
  if (errors.length > 0) process.exitCode = 1;
}

interface ReportInput {
  info: ReturnType<typeof machine>;
  dataset: Dataset;
  client: ClientCeiling | null;
  broker: BrokerCeiling | null;
  sink: SinkCeiling | null;
  stages: Partial<
    Record<StageName | 'validator_json' | 'writer_batch50k' | 'aggregator_hourly', StageResult>
  >;
  e2e: EndToEndResult | null;
  latency: LatencyResult | null;
  state: StatePoint[];
  score: ScoreSeriesResult | null;
  otlp: OtlpResult | null;
  errors: string[];
  minutes: number;
  runId: string;
}

const STAGE_KEYS: StageName[] = ['validator', 'aggregator', 'writer', 'detector'];

function buildReport(r: ReportInput): { json: unknown; text: string; markdown: string } {
  const ceiling = r.client?.eventsPerSecond ?? null;
  const ratio = (v: number | null | undefined) =>
    v === null || v === undefined || ceiling === null ? null : v / ceiling;
  const stageRate = Object.fromEntries(
    STAGE_KEYS.map((k) => [k, round(r.stages[k]?.messagesPerSecond ?? null)]),
  );
  const stageRatio = Object.fromEntries(
    STAGE_KEYS.map((k) => [k, round(ratio(r.stages[k]?.messagesPerSecond), 3)]),
  );
  const bytesPerSeries: Record<string, Record<string, number>> = { aggregator: {}, detector: {} };
  for (const p of r.state) bytesPerSeries[p.kind]![String(p.series)] = Math.round(p.heapBytesPerSeries);
  const rssPerSeries: Record<string, Record<string, number>> = { aggregator: {}, detector: {} };
  for (const p of r.state) rssPerSeries[p.kind]![String(p.series)] = Math.round(p.rssBytesPerSeries);
  const json = {
    date: new Date().toISOString(),
    run: r.runId,
    minutes: round(r.minutes, 1),
    machine: r.info,
    dataset: r.dataset,
    client_ceiling_events_per_s: round(ceiling),
    client_ceiling_mb_per_s: round(r.client?.mbPerSecond ?? null, 1),
    broker_ceiling_events_per_s: round(r.broker?.eventsPerSecond ?? null),
    broker_ceiling_mb_per_s: round(r.broker?.mbPerSecond ?? null, 1),
    sink_ceiling_rows_per_s: round(r.sink?.rowsPerSecond ?? null),
    stage_events_per_s: stageRate,
    stage_ratios: stageRatio,
    stage_cpu_s_per_million: Object.fromEntries(
      STAGE_KEYS.map((k) => [k, round(r.stages[k]?.cpuSecondsPerMillion ?? null, 1)]),
    ),
    stage_peak_rss_mb: Object.fromEntries(STAGE_KEYS.map((k) => [k, round(r.stages[k]?.peakRssMb ?? null)])),
    stage_drained: Object.fromEntries(STAGE_KEYS.map((k) => [k, r.stages[k]?.drained ?? null])),
    writer_batch50k_rows_per_s: round(r.stages.writer_batch50k?.messagesPerSecond ?? null),
    aggregator_hourly_events_per_s: round(r.stages.aggregator_hourly?.messagesPerSecond ?? null),
    validator_json_events_per_s: round(r.stages.validator_json?.messagesPerSecond ?? null),
    validator_json_ratio: round(ratio(r.stages.validator_json?.messagesPerSecond), 3),
    end_to_end_events_per_s: round(r.e2e?.eventsPerSecond ?? null),
    end_to_end_ratio: round(ratio(r.e2e?.eventsPerSecond), 3),
    end_to_end_drained: r.e2e?.drained ?? null,
    end_to_end_cpu_s_per_million: round(r.e2e?.cpuSecondsPerMillion ?? null, 1),
    window_close_to_window_message_p99_ms: r.latency?.toWindowMessage.p99Ms ?? null,
    window_close_to_row_p50_ms: r.latency?.toRow.p50Ms ?? null,
    window_close_to_row_p99_ms: r.latency?.toRow.p99Ms ?? null,
    window_close_to_alert_p50_ms: r.latency?.toAlert.p50Ms ?? null,
    window_close_to_alert_p99_ms: r.latency?.toAlert.p99Ms ?? null,
    configured_allowed_lateness_ms: r.latency?.allowedLatenessMs ?? null,
    bytes_per_series: bytesPerSeries,
    rss_bytes_per_series: rssPerSeries,
    score_series_points_per_s: round(r.score?.scorerPointsPerSecond ?? null),
    score_series_pipeline_points_per_s: round(r.score?.pipelinePointsPerSecond ?? null),
    otlp_spans_per_s_accepted: round(r.otlp?.maxRate.spansPerSecond ?? null),
    otlp_vs_validator: round(
      r.otlp && r.stages.validator
        ? r.otlp.maxRate.spansPerSecond / r.stages.validator.messagesPerSecond
        : null,
      3,
    ),
    otlp_paced_spans_per_s: r.otlp?.paced.targetSpansPerSecond ?? null,
    otlp_paced_p99_ms: r.otlp?.paced.p99Ms ?? null,
    details: {
      client: r.client,
      broker: r.broker,
      sink: r.sink,
      stages: r.stages,
      e2e: r.e2e,
      latency: r.latency,
      state: r.state,
      score: r.score,
      otlp: r.otlp,
    },
    errors: r.errors,
  };
  const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(0)}%`);
  const lines: string[] = [];
  const m = r.info;
  lines.push(`## ${json.date.slice(0, 16).replace('T', ' ')} UTC — ${r.runId} (${fmt(r.minutes, 1)} min)`);
  lines.push('');
  lines.push(
    `Machine: ${m.nproc} cores (${m.cpu}), ${m.memoryGb} GB; node ${m.node}, ${m.java}, Kafka ${m.kafka}, ` +
      `ClickHouse ${m.clickhouse}; kafkajs ${m.kafkajs}, @clickhouse/client ${m.clickhouseClient}, avsc ${m.avsc}; git ${m.git}. ` +
      `Kafka, ClickHouse and the measured processes share the cores; load average at start ${m.loadAverageAtStart.join(' / ')}, at end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')} (other engineers' tests ran too).`,
  );
  lines.push(
    `Input: ${fmt(r.dataset.events)} simulated events (${r.dataset.series} series, a day of event time), Avro single-object ` +
      `${r.dataset.avgBytes.avro} B/event and JSON ${r.dataset.avgBytes.json} B/event, ${3} partitions` +
      (r.dataset.reused
        ? ' (pre-produced earlier, reused)'
        : ` (produced in ${fmt(r.dataset.produceSeconds, 1)} s)`) +
      '.',
  );
  lines.push('');
  lines.push('| figure | value | vs client ceiling | CPU s / 1M | peak RSS MB | how |');
  lines.push('| --- | ---: | ---: | ---: | ---: | --- |');
  lines.push(
    `| client ceiling (kafkajs eachBatch, count bytes) | ${fmt(ceiling)} ev/s, ${fmt(r.client?.mbPerSecond, 1)} MB/s | 100% | | | ${fmt(r.client?.messages)} msgs, group join excluded |`,
  );
  lines.push(
    `| broker ceiling (JVM ConsumerPerformance) | ${fmt(r.broker?.eventsPerSecond)} ev/s, ${fmt(r.broker?.mbPerSecond, 1)} MB/s | ${pct(ratio(r.broker?.eventsPerSecond))} | | | ${r.broker?.note ?? '–'} |`,
  );
  lines.push(
    `| sink ceiling (ClickHouse bulk insert, events rows) | ${fmt(r.sink?.rowsPerSecond)} rows/s | ${pct(ratio(r.sink?.rowsPerSecond))} | | | ${fmt(r.sink?.rows)} rows, ${fmt(r.sink?.batchRows)}-row JSONEachRow inserts |`,
  );
  const stageRow = (label: string, s: StageResult | undefined, unit = 'ev/s') =>
    `| ${label} | ${fmt(s?.messagesPerSecond)} ${unit} | ${pct(ratio(s?.messagesPerSecond))} | ${fmt(s?.cpuSecondsPerMillion, 1)} | ${fmt(s?.peakRssMb)} | ${s?.note ?? 'not measured'} |`;
  lines.push(stageRow('validator (Avro in)', r.stages.validator));
  lines.push(stageRow('validator (JSON in)', r.stages.validator_json));
  lines.push(stageRow('aggregator', r.stages.aggregator));
  lines.push(stageRow('aggregator, minute + hourly windows (service default)', r.stages.aggregator_hourly));
  lines.push(stageRow('writer (events table)', r.stages.writer, 'rows/s'));
  lines.push(stageRow('writer, WRITER_BATCH_ROWS=50000', r.stages.writer_batch50k, 'rows/s'));
  lines.push(stageRow('detector (input = window aggregates)', r.stages.detector, 'windows/s'));
  lines.push(
    `| end to end (4 processes, raw → windows + alerts + ClickHouse) | ${fmt(r.e2e?.eventsPerSecond)} ev/s | ${pct(ratio(r.e2e?.eventsPerSecond))} | ${fmt(r.e2e?.cpuSecondsPerMillion, 1)} (all 4) | ${
      r.e2e
        ? Object.entries(r.e2e.perService)
            .map(([k, v]) => `${k} ${fmt(v.peakRssMb)}`)
            .join(', ')
        : '–'
    } | ${r.e2e?.note ?? 'not measured'}${r.e2e ? `; ${fmt(r.e2e.windows)} windows` : ''} |`,
  );
  lines.push('');
  if (r.latency) {
    const l = r.latency;
    lines.push(
      `Latency (live: ${fmt(l.eventsPerSecond)} ev/s for ${l.trafficSeconds} s, ${l.windowSizeMs / 1000} s windows, allowed lateness ${l.allowedLatenessMs} ms, ` +
        `out-of-orderness ${l.maxOutOfOrdernessMs} ms, writer batch delay ${l.writerBatchDelayMs} ms): ` +
        `close → window message p50 ${fmt(l.toWindowMessage.p50Ms)} / p99 ${fmt(l.toWindowMessage.p99Ms)} ms (${l.toWindowMessage.samples}); ` +
        `close → ClickHouse row p50 ${fmt(l.toRow.p50Ms)} / p99 ${fmt(l.toRow.p99Ms)} ms (${l.toRow.samples} rows); ` +
        `close → alert p50 ${fmt(l.toAlert.p50Ms)} / p99 ${fmt(l.toAlert.p99Ms)} ms (${l.toAlert.samples} alerts). ${l.note}`,
    );
  } else lines.push('Latency: not measured.');
  lines.push('');
  if (r.state.length > 0) {
    lines.push('| state | series | heap+external B/series | RSS B/series | process RSS MB |');
    lines.push('| --- | ---: | ---: | ---: | ---: |');
    for (const p of r.state) {
      lines.push(
        `| ${p.kind} | ${fmt(p.series)} | ${fmt(p.heapBytesPerSeries)} | ${fmt(p.rssBytesPerSeries)} | ${fmt(p.rssMb)} |`,
      );
    }
    lines.push('');
  }
  if (r.score) {
    lines.push(
      `score-series over NAB (${r.score.files} files, ${fmt(r.score.points)} points): scorer ${fmt(r.score.scorerPointsPerSecond)} points/s; ` +
        `parse + score + format ${fmt(r.score.pipelinePointsPerSecond)} points/s` +
        (r.score.cli
          ? `; the CLI on ${r.score.cli.file} (${fmt(r.score.cli.points)} points, node start-up included) ${fmt(r.score.cli.seconds, 2)} s.`
          : '.'),
    );
  } else lines.push('score-series: not measured.');
  lines.push('');
  if (r.otlp) {
    const o = r.otlp;
    lines.push(
      `otlp-receiver (loopback, protobuf batches of 100 spans, 8 requests in flight): ${fmt(o.maxRate.spansPerSecond)} spans/s accepted ` +
        `(validator ${fmt(r.stages.validator?.messagesPerSecond)} ev/s in this run), p50 ${fmt(o.maxRate.p50Ms, 1)} / p99 ${fmt(o.maxRate.p99Ms, 1)} ms; ` +
        `paced at ${fmt(o.paced.targetSpansPerSecond)} spans/s: p50 ${fmt(o.paced.p50Ms, 1)} / p99 ${fmt(o.paced.p99Ms, 1)} ms, ` +
        `${fmt(o.paced.refusedOrFailed)} of ${fmt(o.paced.requests)} requests not fully accepted; peak RSS ${fmt(o.peakRssMb)} MB.`,
    );
  } else lines.push('otlp-receiver: not measured.');
  if (r.errors.length > 0) {
    lines.push('');
    lines.push(`Errors: ${r.errors.join('; ')}`);
  }
  const markdown = lines.join('\n');
  return { json, text: markdown, markdown };
}

main().catch((error: unknown) => {
  say(`bench failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
