import { join } from 'node:path';
import {
  clickhouseExecutor,
  createClickHouseClient,
  parseClickHouseConfig,
  type SqlExecutor,
  sinkSettingsSchema,
} from '@aiops/clickhouse';
import { alertCodec } from '@aiops/contract';
import {
  INPUT_TOPIC,
  metricValue,
  PipelineHarness,
  REPO_ROOT,
  type SupervisedProcess,
  waitFor,
} from '@aiops/harness';
import { createLogger } from '@aiops/ops';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Admin, Kafka, Message } from 'kafkajs';
import type { RunSnapshot } from './compare.js';
import { createTopic, groupPosition, harnessKafka, produceAll, readTopic, topicEnd } from './kafka.js';
import { countRows, eventCounts, readSnapshot } from './snapshot.js';
import type { ChaosEndpoints } from './stack.js';
import type { ChaosStream } from './stream.js';

export type ServiceName = 'validator' | 'aggregator' | 'writer' | 'detector';
export const SERVICES: readonly ServiceName[] = ['validator', 'aggregator', 'writer', 'detector'];

export interface ChaosSettings {
  readonly partitions: number;
  /** The aggregator's IDLE_TIMEOUT_MS. */
  readonly idleTimeoutMs: number;
  readonly drainTimeoutMs: number;
  readonly keepData: boolean;
  /** The `aiops` entry point the services run from (CHAOS_CLI; default this checkout's build). */
  readonly cliMain: string;
}

/**
 * The aggregator's IDLE_TIMEOUT_MS in the suites (CHAOS_IDLE_TIMEOUT_MS). Idle handling is the one
 * wall-clock decision in the pipeline: a partition quiet this long has its windows closed as if event
 * time passed like wall time. The stream compresses 4 h of event time into a minute, so an idle advance
 * inside a run (an upstream restart, the pause between two parts of a fault script) would close windows
 * minutes early and make what follows late. No run lasts this long; the stream's closers end it.
 */
export const CHAOS_IDLE_TIMEOUT_MS = Number(process.env.CHAOS_IDLE_TIMEOUT_MS ?? 15 * 60_000);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface DrainResult {
  readonly drained: boolean;
  readonly seconds: number;
  /** What was still missing when the drain timed out. */
  readonly pending: string[];
}

/**
 * One run of the pipeline on the chaos stack: a pipeline harness (its own topics, consumer groups and
 * database) whose four services run as supervised child processes; the stream produced by the fault
 * script; then drained and read.
 */
export class ChaosRun {
  readonly pipeline: PipelineHarness;
  readonly notes: string[] = [];
  /** Producer and reader of the run, with retries that outlast a broker outage. */
  readonly kafka: Kafka;
  private admin: Admin | undefined;
  private readonly client: ClickHouseClient;
  readonly sql: SqlExecutor;
  private readonly startedAtMs = Date.now();

  constructor(
    readonly name: string,
    readonly endpoints: ChaosEndpoints,
    readonly stream: ChaosStream,
    readonly settings: ChaosSettings,
  ) {
    const prefix = `chaos_${name}`;
    this.pipeline = new PipelineHarness({
      env: { KAFKA_BROKERS: endpoints.kafkaBrokers, CLICKHOUSE_URL: endpoints.clickhouseUrl },
      logger: createLogger({ service: 'chaos', level: 'warn' }),
      prefix,
      partitions: settings.partitions,
      // The same salt in every run: the runs' event rows are compared column by column.
      userIdSalt: 'chaos-suite-user-salt',
      // The services' own defaults, as a deployment runs them.
      writerMaxBatchDelayMs: sinkSettingsSchema.parse({}).maxBatchDelayMs,
      idleTimeoutMs: settings.idleTimeoutMs,
      // The two other waits keep the services' 30 s: tenant idleness is measured in stream time (a
      // function of the records), and the wait for raw partitions that never send to an events partition
      // (keyed by series, each raw partition feeds one) ends at the start, where a replay repeats it.
      tenantIdleTimeoutMs: 30_000,
      unseenSourcesTimeoutMs: 30_000,
      processEnv: { LOG_LEVEL: 'info' },
      logRoot: join(REPO_ROOT, '.aiops', 'chaos', 'logs'),
      cliMain: settings.cliMain,
    });
    this.kafka = harnessKafka(endpoints.kafkaBrokers, `${this.pipeline.id}-harness`);
    this.client = createClickHouseClient(
      parseClickHouseConfig({ url: endpoints.clickhouseUrl, requestTimeoutMs: 60_000 }),
    );
    this.sql = clickhouseExecutor(this.client);
  }

  get topics() {
    return this.pipeline.topics;
  }

  get database(): string {
    return this.pipeline.database;
  }

  log(line: string): void {
    const seconds = ((Date.now() - this.startedAtMs) / 1000).toFixed(1).padStart(6);
    const text = `[chaos ${this.name} +${seconds}s] ${line}`;
    this.notes.push(text);
    console.log(text);
  }

  elapsedSeconds(): number {
    return (Date.now() - this.startedAtMs) / 1000;
  }

  /** One more instance of `service` (a child process), restarted by the supervisor if it dies. */
  spawn(service: ServiceName): Promise<SupervisedProcess> {
    return this.pipeline.spawn(service);
  }

  instance(service: ServiceName, index = 0): SupervisedProcess {
    return this.pipeline.process(service, index);
  }

  /** The live and stopped instances of `service`. */
  instances(service: ServiceName): readonly SupervisedProcess[] {
    return this.pipeline.processes(service);
  }

  /** Crash restarts and deliberate kills of the run's processes. */
  restartSummary() {
    return this.pipeline.supervisor?.restartSummary() ?? { crashRestarts: 0, kills: 0, byProcess: '-' };
  }

  private async adminClient(): Promise<Admin> {
    if (this.admin === undefined) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  /** Runs an admin call, reconnecting once if the broker went away in between. */
  private async withAdmin<T>(body: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      return await body(await this.adminClient());
    } catch (error) {
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = undefined;
      if (
        !(await this.adminClient()
          .then(() => true)
          .catch(() => false))
      )
        throw error;
      return body(await this.adminClient());
    }
  }

  /** Creates the raw topic (the producer's side), starts one instance of each service, waits until ready. */
  async start(): Promise<void> {
    await createTopic(this.kafka, this.topics.raw, this.settings.partitions);
    // One after another, as a deployment rolls out: each creates the topics it needs before the next starts.
    for (const service of SERVICES) await this.waitReady([await this.spawn(service)], 120_000);
    const live = this.pipeline.supervisor?.live() ?? [];
    this.log(`services ready: ${live.map((p) => `${p.name} pid ${p.pid}`).join(', ')}`);
  }

  /** Whether all of `processes` consume within `timeoutMs`; logged and carried on when not (the drain tells). */
  async waitReady(processes: readonly SupervisedProcess[], timeoutMs: number): Promise<boolean> {
    const allReady = async () => (await Promise.all(processes.map((p) => p.isReady()))).every(Boolean);
    return waitFor(allReady, timeoutMs, processes.map((p) => p.name).join(', '), 500).then(
      () => true,
      (error: unknown) => {
        this.log(`not ready: ${error instanceof Error ? error.message : String(error)}`);
        return false;
      },
    );
  }

  async produce(messages: readonly Message[], what: string): Promise<void> {
    const began = Date.now();
    await produceAll(this.kafka, this.topics.raw, messages);
    const seconds = (Date.now() - began) / 1000;
    this.log(`produced ${messages.length} ${what} in ${seconds.toFixed(1)} s`);
  }

  /** The end of the stream: the sentinels, acknowledged, then the closers behind them. */
  async produceEnd(): Promise<void> {
    await this.produce(this.stream.sentinels, 'sentinels');
    await this.produce(this.stream.closers, 'closers');
  }

  async position(service: ServiceName, topic: 'raw' | 'events' | 'windows' = INPUT_TOPIC[service]) {
    return this.withAdmin((admin) => groupPosition(admin, this.pipeline.groups[service], this.topics[topic]));
  }

  /** Messages the live instances of `service` consumed since they started (their /metrics). */
  async consumed(service: ServiceName): Promise<number> {
    let total = 0;
    for (const p of this.instances(service)) {
      const text = await p.metrics();
      if (text !== null) total += metricValue(text, 'aiops_messages_consumed_total', { service }) ?? 0;
    }
    return total;
  }

  /**
   * Waits until `service` is in the middle of its input: it consumed or committed something since this
   * call began and its group still has a backlog (the aggregator commits only what closed windows
   * release, so its consumed count is watched too). Returns false (and carries on) when that moment was
   * missed.
   */
  async waitMidStream(service: ServiceName, timeoutMs = 90_000): Promise<boolean> {
    const start = await this.position(service).catch(() => ({ committed: -1, high: 0, lag: 0 }));
    const consumedAtStart = await this.consumed(service);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const now = await this.position(service).catch(() => undefined);
      const consumed = await this.consumed(service);
      if (
        now !== undefined &&
        now.lag > 0 &&
        (now.committed > start.committed || consumed > consumedAtStart)
      ) {
        this.log(
          `${service} mid-stream: consumed ${consumed - consumedAtStart} since the part was produced, ` +
            `committed ${now.committed} of ${now.high} (lag ${now.lag})`,
        );
        return true;
      }
      await sleep(200);
    }
    this.log(`${service}: no mid-stream moment seen within ${timeoutMs} ms; fault injected anyway`);
    return false;
  }

  /** Each process's consumed count (its /metrics; 0 when it does not answer). */
  async consumedEach(service: ServiceName, processes: readonly SupervisedProcess[]): Promise<number[]> {
    return Promise.all(
      processes.map(async (p) => {
        const text = await p.metrics();
        return text === null ? 0 : (metricValue(text, 'aiops_messages_consumed_total', { service }) ?? 0);
      }),
    );
  }

  /**
   * Waits until each of `processes` has consumed more than `since` (from `consumedEach`): every instance
   * of a scaled group takes part before the group shrinks again. False when that was not seen in time.
   */
  async waitEachConsumed(
    service: ServiceName,
    processes: readonly SupervisedProcess[],
    since: readonly number[],
    timeoutMs = 120_000,
  ): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const now = await this.consumedEach(service, processes);
      if (now.every((n, i) => n > (since[i] ?? 0))) {
        this.log(
          `each ${service} instance consumed: ${now.map((n, i) => n - (since[i] ?? 0)).join(', ')} messages`,
        );
        return true;
      }
      await sleep(200);
    }
    this.log(`not every ${service} instance consumed within ${timeoutMs} ms`);
    return false;
  }

  /**
   * Waits until the pipeline is drained: no lag for the validator, the detector and the writer's events
   * and windows, every event row and every sentinel window in ClickHouse, counts stable over two polls,
   * and the alerts table holding exactly the notifications of the alerts topic.
   */
  async drain(): Promise<DrainResult> {
    const began = Date.now();
    const deadline = began + this.settings.drainTimeoutMs;
    const sentinelWindow = Math.floor(this.stream.sentinelWindowStartMs / 1000);
    let previous = '';
    let stablePolls = 0;
    let pending: string[] = ['nothing polled yet'];
    while (Date.now() < deadline) {
      await sleep(3000);
      try {
        const [validator, aggregator, writerEvents, writerWindows, detector] = await Promise.all([
          this.position('validator', 'raw'),
          this.position('aggregator', 'events'),
          this.position('writer', 'events'),
          this.position('writer', 'windows'),
          this.position('detector', 'windows'),
        ]);
        const alertsEnd = await this.withAdmin((admin) => topicEnd(admin, this.topics.alerts));
        const events = await eventCounts(this.sql, this.database);
        const windows = await countRows(
          this.sql,
          `SELECT count() AS n FROM ${this.database}.window_aggregates FINAL`,
        );
        const sentinels = await countRows(
          this.sql,
          `SELECT count() AS n FROM ${this.database}.window_aggregates FINAL WHERE window_start = toDateTime(${sentinelWindow})`,
        );
        const alerts = await countRows(this.sql, `SELECT count() AS n FROM ${this.database}.alerts FINAL`);
        pending = [];
        if (validator.lag > 0) pending.push(`validator lag ${validator.lag}`);
        if (writerEvents.lag > 0) pending.push(`writer events lag ${writerEvents.lag}`);
        if (writerWindows.lag > 0) pending.push(`writer windows lag ${writerWindows.lag}`);
        if (detector.lag > 0) pending.push(`detector lag ${detector.lag}`);
        if (events.final !== this.stream.uniqueEvents)
          pending.push(`events ${events.final}/${this.stream.uniqueEvents}`);
        if (sentinels !== this.stream.series)
          pending.push(`sentinel windows ${sentinels}/${this.stream.series}`);
        // What the pipeline has stored and published, not consumer positions or the windows topic's end:
        // an idle aggregator keeps sending watermark markers on the wall clock (so that no-data alerts can
        // fire) and the detector keeps consuming them, which would keep those moving forever; the lag
        // checks above already say every consumer has caught up.
        const state = JSON.stringify([events.final, windows, alerts, alertsEnd, writerEvents.committed]);
        stablePolls = state === previous ? stablePolls + 1 : 0;
        previous = state;
        if (stablePolls < 1) pending.push('counts still moving');
        // Once the rest is stable for long, a count that never arrives will not: stop waiting for it.
        const stuck =
          stablePolls >= 40 && pending.every((p) => p.startsWith('events') || p.startsWith('sentinel'));
        if (pending.length === 0 || stuck) {
          const topicAlerts = await this.alertKeysOnTopic();
          const tableAlerts = await this.sql.queryRows<{ k: string }>(
            `SELECT concat(alert_id, '/', status) AS k FROM ${this.database}.alerts FINAL`,
          );
          const table = new Set(tableAlerts.map((r) => r.k));
          const same = topicAlerts.size === table.size && [...topicAlerts].every((k) => table.has(k));
          if (!same) {
            pending.push(`alerts table ${table.size} ≠ topic ${topicAlerts.size}`);
            continue;
          }
          const seconds = (Date.now() - began) / 1000;
          if (stuck) for (const line of await this.diagnostics()) this.log(`  ${line}`);
          this.log(
            `${stuck ? 'stable but incomplete' : 'drained'} after ${seconds.toFixed(1)} s: events ${events.final} ` +
              `(inserted ${events.inserted}), windows ${windows}, alerts ${alerts}, aggregator lag ${aggregator.lag}` +
              (stuck ? `; still pending: ${pending.join(', ')}` : ''),
          );
          return { drained: !stuck, seconds, pending };
        }
      } catch (error) {
        pending = [`poll failed: ${error instanceof Error ? error.message : String(error)}`];
      }
    }
    const seconds = (Date.now() - began) / 1000;
    for (const line of await this.diagnostics()) this.log(`  ${line}`);
    this.log(`NOT drained after ${seconds.toFixed(1)} s: ${pending.join(', ')}`);
    return { drained: false, seconds, pending };
  }

  /** What the live processes report about themselves (for a run that did not drain). */
  async diagnostics(): Promise<string[]> {
    const wanted = /^aiops_(watermark_delay_ms|open_windows|consumer_paused|active_series)\b/;
    const lines: string[] = [];
    for (const p of this.pipeline.supervisor?.live() ?? []) {
      const text = await p.metrics();
      if (text === null) {
        lines.push(`${p.name}: no /metrics`);
        continue;
      }
      const samples = text.split('\n').filter((line) => wanted.test(line));
      lines.push(`${p.name}: ${samples.join('; ') || '(no samples)'}`);
    }
    return lines;
  }

  private async alertKeysOnTopic(): Promise<Set<string>> {
    const keys = new Set<string>();
    for (const message of await readTopic(this.kafka, this.topics.alerts)) {
      if (message.value === null) continue;
      const alert = alertCodec.decode(message.value);
      keys.add(`${alert.alert_id}/${alert.status}`);
    }
    return keys;
  }

  async snapshot(): Promise<RunSnapshot> {
    return readSnapshot(this.sql, this.kafka, this.database, this.topics);
  }

  /** Stops every process; unless asked to keep them, deletes the run's topics and database. */
  async close(): Promise<void> {
    // The results are read: SIGTERM (each service stops within milliseconds), SIGKILL after 5 s.
    await this.pipeline.stopAll(5000);
    if (!this.settings.keepData) await this.pipeline.cleanup();
    await this.admin?.disconnect().catch(() => undefined);
    await this.client.close();
  }
}

/**
 * Removes the topics and databases earlier runs left on the chaos stack (killed runs, CHAOS_KEEP=1), so
 * that its disk stays bounded. The stack is the suite's own: everything named chaos_* is ours.
 */
export async function sweepLeftovers(endpoints: ChaosEndpoints): Promise<string> {
  const kafka = harnessKafka(endpoints.kafkaBrokers, 'chaos-sweeper');
  const admin = kafka.admin();
  await admin.connect();
  let topics: string[] = [];
  try {
    topics = (await admin.listTopics()).filter((topic) => topic.startsWith('chaos_'));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 60_000 });
  } finally {
    await admin.disconnect();
  }
  const client = createClickHouseClient(parseClickHouseConfig({ url: endpoints.clickhouseUrl }));
  const sql = clickhouseExecutor(client);
  const databases = (await sql.queryRows<{ name: string }>('SELECT name FROM system.databases')).filter((d) =>
    d.name.startsWith('chaos_'),
  );
  for (const { name } of databases) await sql.command(`DROP DATABASE IF EXISTS ${name}`);
  await client.close();
  return `${topics.length} topics, ${databases.length} databases`;
}
