import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { setTimeout as sleep, setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  type Alert,
  alertCodec,
  encodeEventAvroSingleObject,
  encodeEventJson,
  normalizeEvent,
  seriesKey,
  type TelemetryEvent,
  windowCodec,
} from '@aiops/contract';
import { PipelineHarness, type PipelineTopicNames, waitFor } from '@aiops/harness';
import { kafkaConfigSchema } from '@aiops/kafka';
import { createLogger, type Logger, type PipelineMetrics } from '@aiops/ops';
import type { Simulation } from '@aiops/simulator';
import type { Admin, Consumer, Kafka, Message, Producer } from 'kafkajs';
import kafkajs from 'kafkajs';

/**
 * The shared pipeline harness (@aiops/harness: the four real services in this process on topics, groups
 * and a database of their own) plus what a scenario needs around it: the producer that feeds it a
 * simulation, the readers of its windows and alerts, and the drain that waits until everything went
 * through. Used by the scenario benchmark, the scenario integration test and `aiops demo`.
 */

export interface ScenarioPipelineOptions {
  /** Connection settings (KAFKA_*, CLICKHOUSE_*), as the services read them. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Prefix of the topics, groups and database (a unique suffix is added). */
  readonly prefix?: string;
  /** Partitions of the raw, windows, alerts and dead-letter topics (default 3). */
  readonly partitions?: number;
  /**
   * Partitions of the canonical events topic, i.e. aggregator sources (default: `partitions`). The
   * detector merges them by their watermark markers, so a full-speed replay over several gives the
   * same alerts as over one.
   */
  readonly eventsPartitions?: number;
  readonly windowMs?: number;
  readonly maxOutOfOrdernessMs?: number;
  readonly allowedLatenessMs?: number;
  /** Detection rules (see @aiops/detectors); {} = defaults. */
  readonly rules?: unknown;
  /** Review queue rules for the reviewer, when a caller starts it (see @aiops/review); {} = defaults. */
  readonly review?: unknown;
  /** Wire format of the produced events (default Avro single-object) and of the alerts (default Avro). */
  readonly eventsFormat?: 'avro' | 'json';
  readonly alertsFormat?: 'avro' | 'json';
  /** Services' log level (default 'error'). */
  readonly logLevel?: string;
  /** Where the services log (default stderr). */
  readonly logDestination?: NodeJS.WritableStream;
  readonly onAlert?: (alert: Alert) => void;
}

export type PipelineTopicsNames = PipelineTopicNames;

export interface PipelineCounts {
  /** Events this producer sent to the raw topic (sentinels excluded). */
  readonly produced: number;
  /** Canonical events the validator published. */
  readonly validated: number;
  readonly deadLettered: number;
  /** Window aggregates the aggregator published. */
  readonly windows: number;
  /** Rows ClickHouse acknowledged, per table. */
  readonly rows: Readonly<Record<string, number>>;
  readonly alertsFiring: number;
  readonly alertsResolved: number;
  /** Event time of the latest produced event (epoch ms), or null. */
  readonly producedUpToMs: number | null;
}

export interface ProduceOptions {
  /** Event time per wall time (Infinity: as fast as possible). */
  readonly speed?: number;
  /** Messages per produce request (default 4000). */
  readonly batchSize?: number;
  /** Stop producing when this returns true (checked between batches). */
  readonly stopped?: () => boolean;
}

/** Whether a TCP connection to `host:port` opens within `timeoutMs`. */
function canConnect(address: string, timeoutMs: number): Promise<boolean> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  const port = Number(address.slice(colon + 1));
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function counterTotal(
  metric: PipelineMetrics['produced'],
  match: Record<string, string>,
): Promise<number> {
  const { values } = await metric.get();
  let total = 0;
  for (const v of values) {
    if (Object.entries(match).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want))
      total += v.value;
  }
  return total;
}

export class ScenarioPipeline {
  readonly harness: PipelineHarness;
  readonly id: string;
  readonly topics: PipelineTopicsNames;
  readonly database: string;
  readonly partitions: number;
  readonly windowMs: number;
  readonly maxOutOfOrdernessMs: number;
  readonly metrics: PipelineMetrics;
  /** Every alert notification read from the alerts topic (committed transactions only), in order. */
  readonly alerts: Alert[] = [];
  private readonly logger: Logger;
  private readonly kafka: Kafka;
  private admin: Admin | null = null;
  private producer: Producer | null = null;
  private alertConsumer: Consumer | null = null;
  private windowConsumer: Consumer | null = null;
  /** Window aggregates read from the windows topic, and the latest window end per series. */
  private windowsRead = 0;
  private readonly windowEnds = new Map<string, number>();
  private produced = 0;
  private producedUpTo: number | null = null;
  /** Last event seen per series (the sentinels copy them). */
  private readonly lastBySeries = new Map<string, TelemetryEvent>();

  constructor(private readonly options: ScenarioPipelineOptions) {
    this.logger = createLogger({
      service: 'scenario',
      level: options.logLevel ?? 'error',
      destination: options.logDestination ?? process.stderr,
    });
    this.windowMs = options.windowMs ?? 60_000;
    this.harness = new PipelineHarness({
      env: options.env,
      logger: this.logger,
      prefix: options.prefix ?? 'scenario',
      ...(options.partitions === undefined ? {} : { partitions: options.partitions }),
      ...(options.eventsPartitions === undefined ? {} : { eventsPartitions: options.eventsPartitions }),
      windowSizesMs: [this.windowMs],
      ...(options.maxOutOfOrdernessMs === undefined
        ? {}
        : { maxOutOfOrdernessMs: options.maxOutOfOrdernessMs }),
      ...(options.allowedLatenessMs === undefined ? {} : { allowedLatenessMs: options.allowedLatenessMs }),
      rules: options.rules ?? {},
      ...(options.review === undefined ? {} : { review: options.review }),
      alertsFormat: options.alertsFormat ?? 'avro',
    });
    const h = this.harness;
    this.id = h.id;
    this.topics = h.topics;
    this.database = h.database;
    this.partitions = h.partitions;
    this.maxOutOfOrdernessMs = h.maxOutOfOrdernessMs;
    this.metrics = h.metrics;
    this.kafka = h.kafka();
  }

  /**
   * Fails fast, with a readable message, when Kafka or ClickHouse does not answer (the clients would
   * otherwise retry for minutes).
   */
  async preflight(timeoutMs = 5_000): Promise<void> {
    const brokers = kafkaConfigSchema.parse(this.harness.kafkaConfig('preflight')).brokers;
    const reachable = await Promise.all(brokers.map((b) => canConnect(b, timeoutMs)));
    if (!reachable.some((ok) => ok)) {
      throw new Error(
        `no Kafka broker answers at ${brokers.join(', ')}: start the local stack (aiops stack up) or set KAFKA_BROKERS`,
      );
    }
    const url = this.harness.clickhouseConfig().url;
    const ping = await fetch(new URL('/ping', url), { signal: AbortSignal.timeout(timeoutMs) }).catch(
      (error: unknown) => error as Error,
    );
    if (ping instanceof Error || !ping.ok) {
      throw new Error(
        `ClickHouse does not answer at ${url} (${ping instanceof Error ? ping.message : `HTTP ${ping.status}`}): ` +
          'start the local stack (aiops stack up) or set CLICKHOUSE_URL',
      );
    }
  }

  /** Starts the four services, the producer and the alerts and windows readers. */
  async start(): Promise<void> {
    await this.preflight();
    try {
      await this.harness.createTopics();
      await this.harness.startAll();
      this.admin = this.kafka.admin();
      await this.admin.connect();
      this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
      await this.producer.connect();
      await this.startReaders();
      await this.harness.waitReady();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private async startReaders(): Promise<void> {
    // kafkajs consumers read committed records only: an aborted detector transaction is never seen.
    const alerts = this.kafka.consumer({ groupId: `${this.id}-alerts-reader`, maxWaitTimeInMs: 100 });
    this.alertConsumer = alerts;
    await alerts.connect();
    await alerts.subscribe({ topic: this.topics.alerts, fromBeginning: true });
    await alerts.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (message.value === null) return;
        const alert = alertCodec.decode(message.value);
        this.alerts.push(alert);
        this.options.onAlert?.(alert);
      },
    });
    // The windows reader tells when the last windows are out (and counts them for the live summary).
    const windows = this.kafka.consumer({ groupId: `${this.id}-windows-reader`, maxWaitTimeInMs: 200 });
    this.windowConsumer = windows;
    await windows.connect();
    await windows.subscribe({ topic: this.topics.windows, fromBeginning: true });
    await windows.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (message.value === null) continue;
          const window = windowCodec.decodeTrusted(message.value);
          this.windowsRead++;
          const key = seriesKey(window);
          if (window.window_end > (this.windowEnds.get(key) ?? 0))
            this.windowEnds.set(key, window.window_end);
        }
      },
    });
  }

  /** Resolves when any service fails for good. */
  crashed(): Promise<Error> {
    return this.harness.crashed();
  }

  /** What a producer would send: the canonical event (costs left to the validator's price table). */
  private canonical(event: TelemetryEvent): TelemetryEvent {
    return normalizeEvent(event, { priceTable: null, userIdSalt: null, nowMs: Date.now() });
  }

  private encode(canonical: TelemetryEvent): Buffer {
    return this.options.eventsFormat === 'json'
      ? encodeEventJson(canonical)
      : encodeEventAvroSingleObject(canonical);
  }

  private async send(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    await this.producer!.send({
      topic: this.topics.raw,
      messages,
      acks: -1,
      compression: kafkajs.CompressionTypes.None,
    });
  }

  /** Produces a simulation's events to the raw topic, keyed by series like the SDK. */
  async produce(simulation: Simulation, options: ProduceOptions = {}): Promise<void> {
    if (this.producer === null) throw new Error('start() the pipeline first');
    const speed = options.speed ?? Number.POSITIVE_INFINITY;
    const batchSize = options.batchSize ?? 4000;
    const paced = Number.isFinite(speed);
    const wallStart = Date.now();
    const startMs = simulation.options.startMs;
    let batch: Message[] = [];
    let pending: Promise<void> = Promise.resolve();
    const flush = async (): Promise<void> => {
      const messages = batch;
      batch = [];
      // One request in flight while the next batch is built.
      await pending;
      pending = this.send(messages);
    };
    for (const event of simulation.events()) {
      if (paced) {
        const due = wallStart + (event.timestamp - startMs) / speed;
        if (due - Date.now() > 5) {
          await flush();
          await pending;
          while (due - Date.now() > 5 && !options.stopped?.()) await sleep(Math.min(due - Date.now(), 500));
        }
      }
      if (options.stopped?.()) break;
      const canonical = this.canonical(event);
      const key = seriesKey(canonical);
      batch.push({ key, value: this.encode(canonical) });
      this.lastBySeries.set(key, canonical);
      this.produced++;
      if (this.producedUpTo === null || event.timestamp > this.producedUpTo)
        this.producedUpTo = event.timestamp;
      if (batch.length >= batchSize) {
        await flush();
        await yieldToLoop();
      }
    }
    await flush();
    await pending;
  }

  /**
   * Closes every window up to `untilMs`: one sentinel event per series (a copy of its last event, new id,
   * stamped just past the out-of-orderness bound) on every raw partition, so that every source of every
   * events partition moves the watermark past `untilMs`. The sentinels' own windows stay open.
   */
  async sendSentinels(untilMs: number): Promise<void> {
    const timestamp = untilMs + this.maxOutOfOrdernessMs + 1_000;
    const messages: Message[] = [];
    for (let partition = 0; partition < this.partitions; partition++) {
      for (const [key, last] of this.lastBySeries) {
        // A sentinel only moves watermarks: it belongs to no trace, agent or tool (the agent monitor would
        // count its copies as calls).
        const event: TelemetryEvent = {
          ...last,
          event_id: randomUUID(),
          timestamp,
          trace_id: null,
          session_id: null,
          agent_name: null,
          tool_name: null,
          tool_call_arguments_hash: null,
          scores: { ...last.scores },
          guardrail_flags: [...last.guardrail_flags],
          attributes: { ...last.attributes },
        };
        messages.push({ key, value: this.encode(event), partition });
      }
    }
    for (let i = 0; i < messages.length; i += 4000) await this.send(messages.slice(i, i + 4000));
  }

  private async committed(
    groupId: string,
    topic: string,
  ): Promise<Map<number, { offset: number; metadata: string | null }>> {
    const out = new Map<number, { offset: number; metadata: string | null }>();
    const entries = await this.admin!.fetchOffsets({ groupId, topics: [topic] });
    for (const entry of entries) {
      for (const p of entry.partitions)
        out.set(p.partition, { offset: Number(p.offset), metadata: p.metadata ?? null });
    }
    return out;
  }

  private async ends(topic: string): Promise<Map<number, number>> {
    const offsets = await this.admin!.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  }

  /** Whether `groupId` has consumed `topic` to its end. */
  private async caughtUp(groupId: string, topic: string): Promise<boolean> {
    const [ends, committed] = await Promise.all([this.ends(topic), this.committed(groupId, topic)]);
    for (const [partition, end] of ends) {
      if (end > 0 && (committed.get(partition)?.offset ?? -1) < end) return false;
    }
    return true;
  }

  /**
   * Whether every window ending by `untilMs` is out: each series whose last event fell in the window
   * before `untilMs` has its window with that end on the windows topic.
   */
  private windowsClosed(untilMs: number): boolean {
    for (const [key, last] of this.lastBySeries) {
      const windowEnd = Math.floor(last.timestamp / this.windowMs) * this.windowMs + this.windowMs;
      if (windowEnd > untilMs) continue;
      if ((this.windowEnds.get(key) ?? 0) < windowEnd) return false;
    }
    return true;
  }

  private async rowsInserted(table: string): Promise<number> {
    return counterTotal(this.metrics.insertedRows, { table: `${this.database}.${table}` });
  }

  /**
   * Waits until everything produced so far went through: the validator consumed the raw topic, the
   * aggregator's watermark passed `untilMs` everywhere, the detector consumed every window (its
   * transactions committed), this reader saw every alert the detector published, and the writer consumed
   * its three topics.
   */
  async drain(untilMs: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const left = (): number => Math.max(1_000, deadline - Date.now());
    await waitFor(
      () => this.caughtUp(this.harness.groups.validator, this.topics.raw),
      left(),
      'the validator',
    );
    await waitFor(() => this.windowsClosed(untilMs), left(), 'the aggregator to close the last windows');
    // Windows are in the topic; let a moment pass so a batch in flight is on the broker before comparing.
    await sleep(500);
    await waitFor(
      () => this.caughtUp(this.harness.groups.detector, this.topics.windows),
      left(),
      'the detector to judge every window',
    );
    // Every alert the detector committed must be read before anything is scored: a partial set would
    // score as missed incidents, so a reader that falls behind fails the drain instead.
    await waitFor(
      async () => this.alerts.length >= (await counterTotal(this.metrics.alerts, { service: 'detector' })),
      left(),
      'the alerts reader to see every alert the detector published',
    );
    // The writer: every validated event, window and alert acknowledged by ClickHouse (the alerts topic is
    // transactional, so its end offset counts commit markers: compare rows, not offsets).
    const validated = await counterTotal(this.metrics.produced, {
      service: 'validator',
      topic: this.topics.events,
    });
    await waitFor(
      async () =>
        (await this.rowsInserted('events')) >= validated &&
        (await this.rowsInserted('window_aggregates')) >= this.windowsRead &&
        (await this.rowsInserted('alerts')) >= this.alerts.length,
      left(),
      'the writer',
    );
  }

  /** Live counters, from the services' metrics and this process's producer and reader. */
  async counts(): Promise<PipelineCounts> {
    const m = this.metrics;
    const rows: Record<string, number> = {};
    const prefix = `${this.database}.`;
    for (const v of (await m.insertedRows.get()).values) {
      const qualified = String(v.labels.table);
      const table = qualified.startsWith(prefix) ? qualified.slice(prefix.length) : qualified;
      rows[table] = (rows[table] ?? 0) + v.value;
    }
    let firing = 0;
    let resolved = 0;
    for (const a of this.alerts) {
      if (a.status === 'firing') firing++;
      else resolved++;
    }
    return {
      produced: this.produced,
      validated: await counterTotal(m.produced, { service: 'validator', topic: this.topics.events }),
      deadLettered: await counterTotal(m.deadLettered, {}),
      windows: this.windowsRead,
      rows,
      alertsFiring: firing,
      alertsResolved: resolved,
      producedUpToMs: this.producedUpTo,
    };
  }

  /** Rows in the pipeline's ClickHouse tables (FINAL: after deduplication). */
  async tableCounts(): Promise<Record<string, number>> {
    const client = this.harness.clickhouse();
    try {
      const out: Record<string, number> = {};
      for (const table of ['events', 'window_aggregates', 'alerts']) {
        const result = await client.query({
          query: `SELECT count() AS n FROM ${this.database}.${table} FINAL`,
          format: 'JSONEachRow',
        });
        const rows = (await result.json()) as { n: string | number }[];
        out[table] = Number(rows[0]?.n ?? 0);
      }
      return out;
    } finally {
      await client.close();
    }
  }

  /** Stops everything this pipeline started; with `cleanup`, deletes its topics and drops its database. */
  async stop(options: { cleanup?: boolean; deadlineMs?: number } = {}): Promise<void> {
    await this.alertConsumer?.disconnect().catch(() => undefined);
    this.alertConsumer = null;
    await this.windowConsumer?.disconnect().catch(() => undefined);
    this.windowConsumer = null;
    await this.harness.stopAll(options.deadlineMs ?? 20_000);
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = null;
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = null;
    if (options.cleanup) await this.harness.cleanup();
  }
}
