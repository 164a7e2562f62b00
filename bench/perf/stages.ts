import { setTimeout as sleep } from 'node:timers/promises';
import type { PipelineTopicNames } from '@aiops/harness';
import type { Admin } from 'kafkajs';
import {
  type Endpoints,
  groupCommitted,
  metricValue,
  type ProcSample,
  type ServiceProcess,
  sampleProc,
  say,
  scrape,
  startService,
  topicEnd,
  waitReady,
} from './common.js';

export type StageName = 'validator' | 'aggregator' | 'writer' | 'detector';

/**
 * Topics and groups of one benchmark run (the harness's topic set); every name starts with `bench.` (the
 * shared broker is shared), so a later run can remove what an earlier one left.
 */
export interface RunNames extends PipelineTopicNames {
  readonly prefix: string;
  readonly database: string;
}

export function runNames(prefix: string, raw: string): RunNames {
  return {
    prefix,
    raw,
    events: `${prefix}.events`,
    dlq: `${prefix}.dlq`,
    windows: `${prefix}.windows`,
    alerts: `${prefix}.alerts`,
    detectorState: `${prefix}.detector-state`,
    audit: `${prefix}.audit`,
    review: `${prefix}.review`,
    reviewResolutions: `${prefix}.review-resolutions`,
    traces: `${prefix}.traces`,
    agentMonitorState: `${prefix}.agent-monitor-state`,
    promptAggregates: `${prefix}.prompt-versions`,
    promptMonitorState: `${prefix}.prompt-monitor-state`,
    database: prefix.replace(/[^A-Za-z0-9_]/g, '_'),
  };
}

export const BENCH_PARTITIONS = 3;

/** The environment `aiops run <service>` reads, pointed at this run's topics, groups and database. */
export function serviceEnv(
  endpoints: Endpoints,
  names: RunNames,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return {
    KAFKA_BROKERS: endpoints.brokers.join(','),
    CLICKHOUSE_URL: endpoints.clickhouseUrl,
    CLICKHOUSE_DATABASE: names.database,
    USER_ID_SALT: 'bench-user-id-salt',
    TOPIC_RAW: names.raw,
    TOPIC_EVENTS: names.events,
    TOPIC_DLQ: names.dlq,
    TOPIC_WINDOWS: names.windows,
    TOPIC_ALERTS: names.alerts,
    TOPIC_DETECTOR_STATE: names.detectorState,
    TOPIC_AUDIT: names.audit,
    TOPIC_PARTITIONS: String(BENCH_PARTITIONS),
    VALIDATOR_GROUP_ID: `${names.prefix}.validator`,
    AGGREGATOR_GROUP_ID: `${names.prefix}.aggregator`,
    WRITER_GROUP_ID: `${names.prefix}.writer`,
    DETECTOR_GROUP_ID: `${names.prefix}.detector`,
    DETECTOR_INSTANCE_ID: `${names.prefix}.detector-0`,
    ...extra,
  };
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
export type Progress = (service: ServiceProcess, admin: Admin) => Promise<number>;

export const progressOf: Record<StageName, (names: RunNames) => Progress> = {
  // Offsets the validator committed: committed only after its output is acknowledged.
  validator: (names) => (_s, admin) => groupCommitted(admin, `${names.prefix}.validator`, names.raw),
  // Events folded into windows (its committed offset trails the oldest open window by design).
  aggregator: () => async (s) =>
    metricValue(await scrape(s.opsPort), 'aiops_messages_consumed_total', { service: 'aggregator' }),
  // Rows ClickHouse acknowledged.
  writer: () => async (s) =>
    metricValue(await scrape(s.opsPort), 'aiops_clickhouse_rows_inserted_total', { service: 'writer' }),
  // Offsets committed in the detector's transactions (alerts + state + offsets).
  detector: (names) => (_s, admin) => groupCommitted(admin, `${names.prefix}.detector`, names.windows),
};

interface StageSpec {
  readonly label: string;
  readonly service: StageName;
  readonly env: NodeJS.ProcessEnv;
  readonly opsPort: number;
  readonly inputTopic: string;
  readonly progress: Progress;
  readonly budgetSeconds: number;
}

const POLL_MS = 200;

/** Runs one service alone in its own process over a pre-filled input topic; stops at drain or budget. */
export async function runStage(admin: Admin, spec: StageSpec): Promise<StageResult> {
  const total = await topicEnd(admin, spec.inputTopic);
  say(`stage ${spec.label}: ${total.toLocaleString('en-US')} messages in ${spec.inputTopic}`);
  const service = startService(spec.service, spec.env, spec.opsPort);
  try {
    await waitReady(service);
    let t0 = performance.now();
    const p0 = 0;
    let cpu0: ProcSample | null = sampleProc(service.child.pid!);
    let tEnd = 0;
    let pEnd = 0;
    let cpuEnd: ProcSample | null = null;
    const hardDeadline = Date.now() + (spec.budgetSeconds + 60) * 1000;
    while (Date.now() < hardDeadline) {
      if (service.child.exitCode !== null) throw new Error(`${spec.label} exited: ${service.stderrTail()}`);
      const p = await spec.progress(service, admin);
      const now = performance.now();
      const proc = sampleProc(service.child.pid!);
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
    await service.stop();
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

/**
 * All four services at once, each in its own process, on fresh topics: the raw topic in, window
 * aggregates (ClickHouse + windows topic) and alerts out. Events/s counts events that went all the way:
 * the least of validated, aggregated and written (events table), from the first validated batch.
 */
export async function runEndToEnd(
  admin: Admin,
  endpoints: Endpoints,
  names: RunNames,
  basePort: number,
  budgetSeconds: number,
): Promise<EndToEndResult> {
  const total = await topicEnd(admin, names.raw);
  const env = serviceEnv(endpoints, names);
  const order: StageName[] = ['writer', 'detector', 'aggregator', 'validator'];
  const services = new Map<StageName, ServiceProcess>();
  try {
    // Downstream first, so each stage's input is consumed from the moment it fills.
    for (const [i, name] of order.entries()) {
      const service = startService(name, env, basePort + i);
      services.set(name, service);
      await waitReady(service);
    }
    say(`end to end: ${total.toLocaleString('en-US')} raw events, all four services running`);
    const get = (name: StageName) => services.get(name)!;
    const validated = progressOf.validator(names);
    const aggregated = progressOf.aggregator(names);
    const detected = progressOf.detector(names);
    const cpuNow = () => {
      let sum = 0;
      for (const s of services.values()) sum += sampleProc(s.child.pid!)?.cpuSeconds ?? 0;
      return sum;
    };
    let t0 = performance.now();
    let cpu0 = cpuNow();
    let tEnd = 0;
    let doneEvents = 0;
    let drained = false;
    const last: Record<string, number> = {};
    const hardDeadline = Date.now() + (budgetSeconds + 60) * 1000;
    while (Date.now() < hardDeadline) {
      for (const s of services.values()) {
        if (s.child.exitCode !== null) throw new Error(`${s.name} exited: ${s.stderrTail()}`);
      }
      const v = await validated(get('validator'), admin);
      const a = await aggregated(get('aggregator'), admin);
      const w = metricValue(await scrape(get('writer').opsPort), 'aiops_clickhouse_rows_inserted_total', {
        service: 'writer',
        table: `${names.database}.events`,
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
        const valid = v >= total ? await topicEnd(admin, names.events) : Number.POSITIVE_INFINITY;
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
      const proc = sampleProc(s.child.pid!);
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
      alerts: metricValue(await scrape(get('detector').opsPort), 'aiops_messages_produced_total', {
        service: 'detector',
      }),
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
    await Promise.all([...services.values()].map((s) => s.stop()));
  }
}
