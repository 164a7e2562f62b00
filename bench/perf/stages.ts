import { setTimeout as sleep } from 'node:timers/promises';
import { sinkSettingsSchema } from '@aiops/clickhouse';
import {
  metricValue,
  PipelineHarness,
  type PipelineTopicNames,
  type ProcessUsage,
  type SupervisedProcess,
} from '@aiops/harness';
import { countTopicRecords } from '@aiops/kafka';
import { createLogger } from '@aiops/ops';
import type { Admin } from 'kafkajs';
import { type Endpoints, groupCommitted, say, topicEnd } from './common.js';

export type StageName = 'validator' | 'aggregator' | 'writer' | 'detector';

export const BENCH_PARTITIONS = 3;
/** What every name of a benchmark pipeline starts with, so that a later run can remove what one left. */
export const BENCH_PREFIX = 'bench_run_';

export interface BenchPipelineOptions {
  /** Pre-filled topics to read instead of the pipeline's own (e.g. the dataset's raw topic). */
  readonly topics?: Partial<PipelineTopicNames>;
  readonly windowSizesMs?: number[];
  readonly allowedLatenessMs?: number;
  readonly maxOutOfOrdernessMs?: number;
  readonly writerMaxBatchDelayMs?: number;
  readonly otlpTokensFile?: string;
  /** Variables for every service of this pipeline (e.g. WRITER_TABLES). */
  readonly processEnv?: Record<string, string>;
}

/**
 * One benchmark pipeline (the shared harness) on the bench's endpoints: topics, groups and database named
 * `bench_run_<part>_…`; its services run as child processes of their own (`spawn`), so that CPU and RSS
 * are theirs alone, with the services' default settings unless a section says otherwise.
 */
export function benchPipeline(
  endpoints: Endpoints,
  part: string,
  options: BenchPipelineOptions = {},
): PipelineHarness {
  const { processEnv, ...settings } = options;
  return new PipelineHarness({
    // The bench's own environment too, so that a service setting given to `npm run bench` reaches them.
    env: {
      ...process.env,
      KAFKA_BROKERS: endpoints.brokers.join(','),
      CLICKHOUSE_URL: endpoints.clickhouseUrl,
    },
    logger: createLogger({ service: 'bench', level: 'warn' }),
    prefix: `${BENCH_PREFIX}${part}`,
    partitions: BENCH_PARTITIONS,
    userIdSalt: 'bench-user-id-salt',
    writerMaxBatchDelayMs: sinkSettingsSchema.parse({}).maxBatchDelayMs,
    ...settings,
    processEnv: { LOG_LEVEL: 'warn', ...processEnv },
  });
}

export interface StageResult {
  readonly stage: string;
  readonly input: string;
  /** Input messages handled in the measured interval. */
  readonly messages: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
  readonly cpuSecondsPerMillion: number | null;
  /** CPU seconds per wall second (1.0 = one core busy). */
  readonly cpuCores: number | null;
  readonly peakRssMb: number | null;
  /** true: the whole input was handled; false: rate over a fixed time budget. */
  readonly drained: boolean;
  readonly total: number;
  readonly note: string;
}

/** How far a stage got, in input messages, as the durable signal the stage gives. */
export type Progress = (service: SupervisedProcess, admin: Admin) => Promise<number>;

/** A counter of the service's /metrics (0 while it does not answer). */
async function counter(service: SupervisedProcess, name: string, labels: Record<string, string>) {
  const text = await service.metrics();
  return text === null ? 0 : (metricValue(text, name, labels) ?? 0);
}

export const progressOf: Record<StageName, (pipeline: PipelineHarness) => Progress> = {
  // Offsets the validator committed: committed only after its output is acknowledged.
  validator: (p) => (_s, admin) => groupCommitted(admin, p.groups.validator, p.topics.raw),
  // Events folded into windows (its committed offset trails the oldest open window by design).
  aggregator: () => (s) => counter(s, 'aiops_messages_consumed_total', { service: 'aggregator' }),
  // Rows ClickHouse acknowledged.
  writer: () => (s) => counter(s, 'aiops_clickhouse_rows_inserted_total', { service: 'writer' }),
  // Offsets committed in the detector's transactions (alerts + state + offsets).
  detector: (p) => (_s, admin) => groupCommitted(admin, p.groups.detector, p.topics.windows),
};

interface StageSpec {
  readonly label: string;
  readonly pipeline: PipelineHarness;
  readonly service: StageName;
  readonly inputTopic: string;
  readonly progress: Progress;
  readonly budgetSeconds: number;
}

/** Starts one service of `pipeline` as a child process whose crash ends the measurement, and waits until it consumes. */
async function startMeasured(pipeline: PipelineHarness, name: StageName): Promise<SupervisedProcess> {
  const service = await pipeline.spawn(name, { restart: false });
  await service.waitReady();
  return service;
}

/** Measurements are taken: a graceful stop (group leave, flush) would only cost wall time here. */
export const STOP_GRACE_MS = 3_000;

const POLL_MS = 200;

/** Runs one service alone in its own process over a pre-filled input topic; stops at drain or budget. */
export async function runStage(admin: Admin, spec: StageSpec): Promise<StageResult> {
  const total = await countTopicRecords(spec.pipeline.kafka('admin'), spec.inputTopic, 600_000);
  say(`stage ${spec.label}: ${total.toLocaleString('en-US')} messages in ${spec.inputTopic}`);
  const service = await startMeasured(spec.pipeline, spec.service);
  try {
    let t0 = performance.now();
    const p0 = 0;
    let cpu0: ProcessUsage | null = service.usage();
    let tEnd = 0;
    let pEnd = 0;
    let cpuEnd: ProcessUsage | null = null;
    const hardDeadline = Date.now() + (spec.budgetSeconds + 60) * 1000;
    while (Date.now() < hardDeadline) {
      service.assertAlive();
      const p = await spec.progress(service, admin);
      const now = performance.now();
      const proc = service.usage();
      if (p === 0) {
        // The start lies between the last sample without progress and the first with: take the former.
        t0 = now;
        cpu0 = proc;
      } else if (t0 > 0) {
        tEnd = now;
        pEnd = p;
        cpuEnd = proc;
        if (p >= total || now - t0 >= spec.budgetSeconds * 1000) break;
      }
      await sleep(POLL_MS);
    }
    const drained = pEnd >= total;
    const messages = pEnd - p0;
    const seconds = (tEnd - t0) / 1000;
    const cpu = cpu0 && cpuEnd ? cpuEnd.cpuSeconds - cpu0.cpuSeconds : null;
    const result: StageResult = {
      stage: spec.label,
      input: spec.inputTopic,
      messages,
      seconds,
      messagesPerSecond: seconds > 0 ? messages / seconds : 0,
      cpuSecondsPerMillion: cpu !== null && messages > 0 ? (cpu / messages) * 1e6 : null,
      cpuCores: cpu !== null && seconds > 0 ? cpu / seconds : null,
      peakRssMb: cpuEnd ? cpuEnd.peakRssBytes / 1024 / 1024 : null,
      drained,
      total,
      note: drained
        ? `whole input (${total.toLocaleString('en-US')}) from the last poll before the first handled batch to drain`
        : `time budget: rate over ${seconds.toFixed(0)} s from the first handled batch (${pEnd.toLocaleString('en-US')} of ${total.toLocaleString('en-US')})`,
    };
    say(
      `stage ${spec.label}: ${Math.round(result.messagesPerSecond).toLocaleString('en-US')}/s, ` +
        `${result.cpuSecondsPerMillion?.toFixed(1)} CPU s per million, peak RSS ${result.peakRssMb?.toFixed(0)} MB` +
        (drained ? '' : ' (budget)'),
    );
    return result;
  } finally {
    await service.stop('SIGTERM', STOP_GRACE_MS);
  }
}

export interface EndToEndResult {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly drained: boolean;
  readonly cpuSecondsPerMillion: number | null;
  readonly perService: Record<
    string,
    { cpuSeconds: number | null; peakRssMb: number | null; progress: number }
  >;
  readonly windows: number;
  readonly alerts: number;
  readonly note: string;
}

/** The order to start a whole pipeline in: each stage's input is consumed from the moment it fills. */
export const DOWNSTREAM_FIRST: readonly StageName[] = ['writer', 'detector', 'aggregator', 'validator'];

/**
 * All four services at once, each in its own process, on fresh topics: the raw topic in, window
 * aggregates (ClickHouse + windows topic) and alerts out. Events/s counts events that went all the way:
 * the least of validated, aggregated and written (events table), from the first validated batch.
 */
export async function runEndToEnd(
  admin: Admin,
  pipeline: PipelineHarness,
  budgetSeconds: number,
): Promise<EndToEndResult> {
  const names = pipeline.topics;
  const total = await topicEnd(admin, names.raw);
  const services = new Map<StageName, SupervisedProcess>();
  try {
    // Downstream first, so each stage's input is consumed from the moment it fills.
    for (const name of DOWNSTREAM_FIRST) services.set(name, await startMeasured(pipeline, name));
    say(`end to end: ${total.toLocaleString('en-US')} raw events, all four services running`);
    const get = (name: StageName) => services.get(name)!;
    const validated = progressOf.validator(pipeline);
    const aggregated = progressOf.aggregator(pipeline);
    const detected = progressOf.detector(pipeline);
    const cpuNow = () => {
      let sum = 0;
      for (const s of services.values()) sum += s.usage()?.cpuSeconds ?? 0;
      return sum;
    };
    let t0 = performance.now();
    let cpu0 = cpuNow();
    let tEnd = 0;
    let doneEvents = 0;
    let drained = false;
    let valid = Number.POSITIVE_INFINITY;
    const last: Record<string, number> = {};
    const hardDeadline = Date.now() + (budgetSeconds + 60) * 1000;
    while (Date.now() < hardDeadline) {
      for (const s of services.values()) s.assertAlive();
      const v = await validated(get('validator'), admin);
      const a = await aggregated(get('aggregator'), admin);
      const w = await counter(get('writer'), 'aiops_clickhouse_rows_inserted_total', {
        service: 'writer',
        table: `${pipeline.database}.events`,
      });
      const d = await detected(get('detector'), admin);
      Object.assign(last, { validator: v, aggregator: a, writer: w, detector: d });
      const now = performance.now();
      if (v === 0) {
        t0 = now;
        cpu0 = cpuNow();
      } else if (t0 > 0) {
        tEnd = now;
        doneEvents = Math.min(v, a, w);
        // Counted once, when the validator is done: the events topic is written in transactions.
        if (v >= total && valid === Number.POSITIVE_INFINITY)
          valid = await countTopicRecords(pipeline.kafka('admin'), names.events, 600_000);
        const windowsEnd = await topicEnd(admin, names.windows);
        if (v >= total && a >= valid && w >= valid && d >= windowsEnd) {
          drained = true;
          doneEvents = total;
          break;
        }
        if (now - t0 >= budgetSeconds * 1000) break;
      }
      await sleep(POLL_MS);
    }
    const seconds = (tEnd - t0) / 1000;
    const cpu = cpuNow() - cpu0;
    const perService: EndToEndResult['perService'] = {};
    for (const [name, s] of services) {
      const proc = s.usage();
      perService[name] = {
        cpuSeconds: proc?.cpuSeconds ?? null,
        peakRssMb: proc ? proc.peakRssBytes / 1024 / 1024 : null,
        progress: last[name] ?? 0,
      };
    }
    const result: EndToEndResult = {
      events: doneEvents,
      seconds,
      eventsPerSecond: seconds > 0 ? doneEvents / seconds : 0,
      drained,
      cpuSecondsPerMillion: doneEvents > 0 ? (cpu / doneEvents) * 1e6 : null,
      perService,
      windows: await topicEnd(admin, names.windows),
      // Not the topic's end offset: transaction markers take offsets too.
      alerts: await counter(get('detector'), 'aiops_messages_produced_total', { service: 'detector' }),
      note: drained
        ? `whole input (${total.toLocaleString('en-US')}) from the first validated batch until every stage drained`
        : `time budget: ${seconds.toFixed(0)} s after the first validated batch; progress validator ${last.validator}, aggregator ${last.aggregator}, writer ${last.writer}, detector ${last.detector} (windows)`,
    };
    say(
      `end to end: ${Math.round(result.eventsPerSecond).toLocaleString('en-US')} events/s` +
        (drained ? ' (drained)' : ' (budget)'),
    );
    return result;
  } finally {
    await pipeline.stopAll(STOP_GRACE_MS);
  }
}
