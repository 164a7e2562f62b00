import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clickhouseConfigFromEnv, createClickHouseClient } from '@aiops/clickhouse';
import { errorMessage } from '@aiops/core';
import {
  createKafka,
  ensureTopics,
  kafkaConfigFromEnv,
  kafkaConfigSchema,
  type RunningService,
} from '@aiops/kafka';
import { createPipelineMetrics, type Logger, type PipelineMetrics } from '@aiops/ops';
import { agentMonitorConfigSchema, startAgentMonitor } from '@aiops/service-agent-monitor';
import { aggregatorConfigSchema, startAggregator } from '@aiops/service-aggregator';
import { detectorConfigSchema, startDetector } from '@aiops/service-detector';
import {
  otlpReceiverConfigSchema,
  type RunningReceiver,
  startOtlpReceiver,
} from '@aiops/service-otlp-receiver';
import { promptMonitorConfigSchema, startPromptMonitor } from '@aiops/service-prompt-monitor';
import { reviewerConfigSchema, startReviewer } from '@aiops/service-reviewer';
import { startValidator, validatorConfigSchema } from '@aiops/service-validator';
import { startWriter, writerConfigSchema } from '@aiops/service-writer';
import { CLI_MAIN, type SupervisedProcess, Supervisor } from './processes.js';
import { uniqueId, waitFor } from './wait.js';

/**
 * One isolated pipeline of the real services (validator, aggregator, writer, detector), on topics,
 * consumer groups and a ClickHouse database of its own, each service started either in this process
 * (`start`) with the config a deployment would parse, or as a supervised child process (`spawn`: `aiops
 * run <service>` with the same settings in its environment) that can be killed, restarted and scaled.
 * The one harness of the integration tests, the CLI scenarios and `aiops demo` (in process), and of the
 * performance benchmarks and the fault suite (child processes); what each adds (producers, readers,
 * drains, counters, faults) sits on top of it.
 */

export type ConsumerName =
  | 'validator'
  | 'aggregator'
  | 'writer'
  | 'detector'
  | 'agent-monitor'
  | 'prompt-monitor';
/**
 * The consumers plus the services started only when asked for: the OTLP receiver, which produces to the raw
 * topic, and the reviewer (review queue).
 */
export type ServiceName = 'otlp-receiver' | ConsumerName | 'reviewer';

/** Upstream first: the order to start in (and, reversed, to stop in). */
export const SERVICE_ORDER: readonly ServiceName[] = [
  'otlp-receiver',
  'validator',
  'aggregator',
  'writer',
  'detector',
  'agent-monitor',
  'prompt-monitor',
  'reviewer',
];
/** What startAll() starts by default: the consumers. */
export const CONSUMERS: readonly ConsumerName[] = [
  'validator',
  'aggregator',
  'writer',
  'detector',
  'agent-monitor',
  'prompt-monitor',
];

/** The topic each stage of the pipeline reads its input from (the one whose offsets say how far it got). */
export const INPUT_TOPIC = {
  validator: 'raw',
  aggregator: 'events',
  writer: 'events',
  detector: 'windows',
} as const satisfies Record<'validator' | 'aggregator' | 'writer' | 'detector', keyof PipelineTopicNames>;

export interface PipelineTopicNames {
  readonly raw: string;
  readonly events: string;
  readonly dlq: string;
  readonly windows: string;
  readonly alerts: string;
  readonly detectorState: string;
  readonly audit: string;
  readonly review: string;
  readonly reviewResolutions: string;
  readonly traces: string;
  readonly agentMonitorState: string;
  readonly promptAggregates: string;
  readonly promptMonitorState: string;
}

export interface PipelineHarnessOptions {
  /** Connection settings (KAFKA_*, CLICKHOUSE_*), as the services read them. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  /** Prefix of the topics, groups and database (a unique suffix is added). */
  readonly prefix?: string;
  /**
   * Topics of someone else's to use instead of this pipeline's own (e.g. a benchmark's pre-filled input):
   * cleanup() leaves them alone.
   */
  readonly topics?: Partial<PipelineTopicNames>;
  /** Partitions of the raw, windows, alerts and dead-letter topics (default 3). */
  readonly partitions?: number;
  /** Partitions of the canonical events topic, i.e. aggregator sources (default: `partitions`). */
  readonly eventsPartitions?: number;
  readonly windowSizesMs?: readonly number[];
  readonly maxOutOfOrdernessMs?: number;
  readonly allowedLatenessMs?: number;
  /** The aggregator's idle timeout of a silent partition or source (default: the service's). */
  readonly idleTimeoutMs?: number;
  /** The aggregator's tenant idle timeout, in stream time (default: the service's). */
  readonly tenantIdleTimeoutMs?: number;
  /** How long the aggregator waits for raw partitions it has not seen (default: the service's). */
  readonly unseenSourcesTimeoutMs?: number;
  /** Detection rules (see @aiops/detectors); {} = defaults. */
  readonly rules?: unknown;
  /** Review queue rules (see @aiops/review); {} = defaults. */
  readonly review?: unknown;
  readonly alertsFormat?: 'avro' | 'json';
  /** The validator's user-id salt (default: one per pipeline). */
  readonly userIdSalt?: string;
  /** How long the writer waits to fill a batch (default 500 ms). */
  readonly writerMaxBatchDelayMs?: number;
  /** Where the services count (default: a registry of this pipeline's own). */
  readonly metrics?: PipelineMetrics;
  /** The otlp-receiver's tokens file and config overrides (needed only to start it). */
  readonly otlpTokensFile?: string;
  readonly otlp?: Readonly<Record<string, unknown>>;
  /** Agent monitor options (packages/agents config). */
  readonly agentMonitor?: Readonly<Record<string, unknown>>;
  /** Prompt monitor options (packages/prompts config). */
  readonly promptMonitor?: Readonly<Record<string, unknown>>;
  /** Spawned processes: variables added to each one's environment (e.g. LOG_LEVEL, WRITER_TABLES). */
  readonly processEnv?: Readonly<Record<string, string>>;
  /** Spawned processes: their logs go to `<logRoot>/<id>/` (default logRoot: aiops-harness in the temp dir). */
  readonly logRoot?: string;
  /** Spawned processes: the `aiops` entry point they run (default this checkout's build). */
  readonly cliMain?: string;
}

export interface SpawnOptions {
  /** Variables for this process only, over the pipeline's (e.g. a stage's input topic). */
  readonly env?: Readonly<Record<string, string>>;
  /** false: an unexpected exit is final instead of answered with a restart (default true). */
  readonly restart?: boolean;
  /** Options of node itself (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
}

export class PipelineHarness {
  readonly id: string;
  readonly topics: PipelineTopicNames;
  readonly database: string;
  readonly partitions: number;
  readonly windowSizesMs: readonly number[];
  readonly maxOutOfOrdernessMs: number;
  readonly metrics: PipelineMetrics;
  readonly groups: Readonly<Record<ConsumerName | 'reviewer', string>>;
  protected readonly logger: Logger;
  private readonly running = new Map<ServiceName, RunningService>();
  private readonly spawned = new Map<ServiceName, SupervisedProcess[]>();
  /** Made on the first spawn: it hooks process exit, which in-process pipelines do not need. */
  private supervisorOfProcesses: Supervisor | undefined;
  private validatorStarts = 0;
  private detectorStarts = 0;
  private agentMonitorStarts = 0;
  private promptMonitorStarts = 0;

  constructor(readonly options: PipelineHarnessOptions) {
    this.id = uniqueId(options.prefix ?? 'pipeline');
    const p = this.id;
    this.topics = {
      raw: `${p}.raw`,
      events: `${p}.events`,
      dlq: `${p}.dlq`,
      windows: `${p}.windows`,
      alerts: `${p}.alerts`,
      detectorState: `${p}.detector-state`,
      audit: `${p}.audit`,
      review: `${p}.review`,
      reviewResolutions: `${p}.review-resolutions`,
      traces: `${p}.traces`,
      agentMonitorState: `${p}.agent-monitor-state`,
      promptAggregates: `${p}.prompt-versions`,
      promptMonitorState: `${p}.prompt-monitor-state`,
      ...options.topics,
    };
    this.database = p;
    this.partitions = options.partitions ?? 3;
    this.windowSizesMs = options.windowSizesMs ?? [60_000];
    this.maxOutOfOrdernessMs = options.maxOutOfOrdernessMs ?? 5_000;
    this.groups = {
      validator: `${p}-validator`,
      aggregator: `${p}-aggregator`,
      writer: `${p}-writer`,
      detector: `${p}-detector`,
      reviewer: `${p}-reviewer`,
      'agent-monitor': `${p}-agent-monitor`,
      'prompt-monitor': `${p}-prompt-monitor`,
    };
    this.logger = options.logger;
    this.metrics = options.metrics ?? createPipelineMetrics({ defaultMetrics: false });
  }

  /** Kafka settings from the environment (brokers, SASL, TLS), with a client id per role. */
  kafkaConfig(role: string): Record<string, unknown> {
    return kafkaConfigFromEnv(this.options.env as NodeJS.ProcessEnv, `${this.id}-${role}`);
  }

  /** A Kafka client for this pipeline's own producers, readers and admin work. */
  kafka(role = 'client') {
    return createKafka(kafkaConfigSchema.parse(this.kafkaConfig(role)), this.logger);
  }

  clickhouseConfig() {
    return clickhouseConfigFromEnv(this.options.env, { database: this.database });
  }

  /** A ClickHouse client on this pipeline's database; the caller closes it. */
  clickhouse(): ReturnType<typeof createClickHouseClient> {
    return createClickHouseClient(this.clickhouseConfig());
  }

  /** The config one service of this pipeline starts with, parsed by that service's own schema. */
  validatorConfig() {
    return validatorConfigSchema.parse({
      ...this.common('validator'),
      userIdSalt: this.options.userIdSalt ?? `${this.id}-salt`,
      instanceId: `${this.id}-${this.validatorStarts}`,
    });
  }

  aggregatorConfig() {
    return aggregatorConfigSchema.parse({
      ...this.common('aggregator'),
      windowSizesMs: this.windowSizesMs,
      maxOutOfOrdernessMs: this.maxOutOfOrdernessMs,
      allowedLatenessMs: this.options.allowedLatenessMs ?? 60_000,
      ...(this.options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: this.options.idleTimeoutMs }),
      ...(this.options.tenantIdleTimeoutMs === undefined
        ? {}
        : { tenantIdleTimeoutMs: this.options.tenantIdleTimeoutMs }),
      ...(this.options.unseenSourcesTimeoutMs === undefined
        ? {}
        : { unseenSourcesTimeoutMs: this.options.unseenSourcesTimeoutMs }),
    });
  }

  writerConfig() {
    return writerConfigSchema.parse({
      ...this.common('writer'),
      clickhouse: this.clickhouseConfig(),
      sink: { maxBatchDelayMs: this.options.writerMaxBatchDelayMs ?? 500 },
    });
  }

  /** Each start has an instance id of its own (a restart is a new transactional producer). */
  detectorConfig() {
    return detectorConfigSchema.parse({
      ...this.common('detector'),
      rules: this.options.rules ?? {},
      alertsFormat: this.options.alertsFormat ?? 'avro',
      windowSizeMs: this.detectedWindowSizeMs,
      instanceId: `${this.id}-${this.detectorStarts}`,
    });
  }

  /** The detector judges the finest window size; the coarser ones are for dashboards and analysts. */
  get detectedWindowSizeMs(): number {
    return Math.min(...this.windowSizesMs);
  }

  reviewerConfig() {
    return reviewerConfigSchema.parse({ ...this.common('reviewer'), review: this.options.review ?? {} });
  }

  /** Listens on a free port (see receiver().port). */
  agentMonitorConfig() {
    return agentMonitorConfigSchema.parse({
      ...this.common('agent-monitor'),
      monitor: this.options.agentMonitor ?? {},
      alertsFormat: this.options.alertsFormat ?? 'avro',
      instanceId: `${this.id}-${this.agentMonitorStarts}`,
    });
  }

  promptMonitorConfig() {
    return promptMonitorConfigSchema.parse({
      ...this.common('prompt-monitor'),
      monitor: this.options.promptMonitor ?? {},
      alertsFormat: this.options.alertsFormat ?? 'avro',
      instanceId: `${this.id}-${this.promptMonitorStarts}`,
    });
  }

  otlpReceiverConfig() {
    return otlpReceiverConfigSchema.parse({
      kafka: this.kafkaConfig('otlp-receiver'),
      topics: this.topics,
      partitions: this.partitions,
      port: 0,
      tokensFile: this.options.otlpTokensFile ?? '',
      ...this.options.otlp,
    });
  }

  private common(name: ConsumerName | 'reviewer') {
    return {
      kafka: this.kafkaConfig(name),
      groupId: this.groups[name],
      topics: this.topics,
      partitions: this.partitions,
    };
  }

  /**
   * The environment `aiops run <service>` reads to join this same pipeline as a child process (the
   * benchmarks and the fault suite run services that way): connection settings, topic, group and database
   * names, and the settings the in-process services get. `instance` names the transactional slot of the
   * exactly-once services (validator, detector, monitors): a restart with the same slot fences its predecessor.
   */
  serviceEnv(instance = 0): Record<string, string> {
    const t = this.topics;
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.options.env)) if (value !== undefined) env[key] = value;
    return {
      ...env,
      CLICKHOUSE_DATABASE: this.database,
      USER_ID_SALT: this.options.userIdSalt ?? `${this.id}-salt`,
      TOPIC_RAW: t.raw,
      TOPIC_EVENTS: t.events,
      TOPIC_DLQ: t.dlq,
      TOPIC_WINDOWS: t.windows,
      TOPIC_ALERTS: t.alerts,
      TOPIC_DETECTOR_STATE: t.detectorState,
      TOPIC_AUDIT: t.audit,
      TOPIC_REVIEW: t.review,
      TOPIC_REVIEW_RESOLUTIONS: t.reviewResolutions,
      TOPIC_TRACES: t.traces,
      TOPIC_AGENT_MONITOR_STATE: t.agentMonitorState,
      TOPIC_PROMPT_AGGREGATES: t.promptAggregates,
      TOPIC_PROMPT_MONITOR_STATE: t.promptMonitorState,
      TOPIC_PARTITIONS: String(this.partitions),
      VALIDATOR_GROUP_ID: this.groups.validator,
      AGGREGATOR_GROUP_ID: this.groups.aggregator,
      WRITER_GROUP_ID: this.groups.writer,
      DETECTOR_GROUP_ID: this.groups.detector,
      REVIEWER_GROUP_ID: this.groups.reviewer,
      VALIDATOR_INSTANCE_ID: `${this.id}-${instance}`,
      DETECTOR_INSTANCE_ID: `${this.id}-${instance}`,
      AGENT_MONITOR_GROUP_ID: this.groups['agent-monitor'],
      AGENT_MONITOR_INSTANCE_ID: `${this.id}-${instance}`,
      ...(this.options.agentMonitor
        ? { AGENT_MONITOR_OPTIONS: JSON.stringify(this.options.agentMonitor) }
        : {}),
      PROMPT_MONITOR_GROUP_ID: this.groups['prompt-monitor'],
      PROMPT_MONITOR_INSTANCE_ID: `${this.id}-${instance}`,
      ...(this.options.promptMonitor
        ? { PROMPT_MONITOR_OPTIONS: JSON.stringify(this.options.promptMonitor) }
        : {}),
      WINDOW_SIZES_MS: this.windowSizesMs.join(','),
      DETECTOR_WINDOW_SIZE_MS: String(this.detectedWindowSizeMs),
      MAX_OUT_OF_ORDERNESS_MS: String(this.maxOutOfOrdernessMs),
      ALLOWED_LATENESS_MS: String(this.options.allowedLatenessMs ?? 60_000),
      ...(this.options.idleTimeoutMs === undefined
        ? {}
        : { IDLE_TIMEOUT_MS: String(this.options.idleTimeoutMs) }),
      ...(this.options.tenantIdleTimeoutMs === undefined
        ? {}
        : { TENANT_IDLE_TIMEOUT_MS: String(this.options.tenantIdleTimeoutMs) }),
      ...(this.options.unseenSourcesTimeoutMs === undefined
        ? {}
        : { UNSEEN_SOURCES_TIMEOUT_MS: String(this.options.unseenSourcesTimeoutMs) }),
      ...(this.options.otlpTokensFile === undefined ? {} : { OTLP_TOKENS_FILE: this.options.otlpTokensFile }),
      ALERTS_FORMAT: this.options.alertsFormat ?? 'avro',
      WRITER_BATCH_DELAY_MS: String(this.options.writerMaxBatchDelayMs ?? 500),
    };
  }

  /** Creates the pipeline's topics up front (the events topic with its own partition count). */
  async createTopics(): Promise<void> {
    const t = this.topics;
    await ensureTopics(this.kafka('admin'), [
      { topic: t.raw, partitions: this.partitions },
      { topic: t.events, partitions: this.options.eventsPartitions ?? this.partitions },
      { topic: t.windows, partitions: this.partitions },
      { topic: t.alerts, partitions: this.partitions },
      { topic: t.dlq, partitions: this.partitions },
      { topic: t.traces, partitions: this.partitions },
      { topic: t.promptAggregates, partitions: this.partitions },
    ]);
  }

  async start(name: ServiceName): Promise<RunningService> {
    if (this.running.has(name)) throw new Error(`${name} already runs`);
    let service: RunningService;
    switch (name) {
      case 'validator':
        service = await startValidator(this.validatorConfig(), this.logger, this.metrics);
        this.validatorStarts++;
        break;
      case 'aggregator':
        service = await startAggregator(this.aggregatorConfig(), this.logger, this.metrics);
        break;
      case 'writer':
        service = await startWriter(this.writerConfig(), this.logger, this.metrics);
        break;
      case 'detector':
        service = await startDetector(this.detectorConfig(), this.logger, this.metrics);
        this.detectorStarts++;
        break;
      case 'agent-monitor':
        service = await startAgentMonitor(this.agentMonitorConfig(), this.logger, this.metrics);
        this.agentMonitorStarts++;
        break;
      case 'prompt-monitor':
        service = await startPromptMonitor(this.promptMonitorConfig(), this.logger, this.metrics);
        this.promptMonitorStarts++;
        break;
      case 'otlp-receiver':
        service = await startOtlpReceiver(this.otlpReceiverConfig(), this.logger, this.metrics);
        break;
      case 'reviewer':
        service = await startReviewer(this.reviewerConfig(), this.logger, this.metrics);
        break;
    }
    this.running.set(name, service);
    return service;
  }

  /**
   * Starts `aiops run <name>` as a supervised child process joined to this pipeline (serviceEnv, plus
   * processEnv and `options.env`). Each further spawn of the same service is one more instance of its
   * consumer group (`name#1`, `name#2`, …), with an instance slot of its own.
   */
  async spawn(name: ServiceName, options: SpawnOptions = {}): Promise<SupervisedProcess> {
    this.supervisorOfProcesses ??= new Supervisor();
    const instances = this.spawned.get(name) ?? [];
    const index = instances.length;
    const supervised = await this.supervisorOfProcesses.spawnService(
      name,
      index,
      {
        ...this.serviceEnv(index),
        KAFKA_CLIENT_ID: `${this.id}-${name}-${index}`,
        ...this.options.processEnv,
        ...options.env,
      },
      join(this.options.logRoot ?? join(tmpdir(), 'aiops-harness'), this.id),
      this.options.cliMain ?? CLI_MAIN,
      {
        ...(options.restart === undefined ? {} : { restart: options.restart }),
        ...(options.nodeArgs === undefined ? {} : { nodeArgs: options.nodeArgs }),
      },
    );
    instances.push(supervised);
    this.spawned.set(name, instances);
    return supervised;
  }

  /** The spawned instances of a service, in the order they were spawned (stopped ones included). */
  processes(name: ServiceName): readonly SupervisedProcess[] {
    return this.spawned.get(name) ?? [];
  }

  /** Instance `index` of a spawned service. */
  process(name: ServiceName, index = 0): SupervisedProcess {
    const supervised = this.spawned.get(name)?.[index];
    if (supervised === undefined) throw new Error(`${name}#${index} was never spawned`);
    return supervised;
  }

  /** Every spawned process, and how often each was restarted or killed. */
  get supervisor(): Supervisor | undefined {
    return this.supervisorOfProcesses;
  }

  /** The running otlp-receiver (its port, its in-flight bytes). */
  receiver(): RunningReceiver {
    const service = this.running.get('otlp-receiver');
    if (service === undefined) throw new Error('otlp-receiver is not running');
    return service as RunningReceiver;
  }

  async startAll(names: readonly ServiceName[] = CONSUMERS): Promise<void> {
    for (const name of names) await this.start(name);
  }

  async stop(name: ServiceName, deadlineMs = 20_000): Promise<void> {
    const service = this.running.get(name);
    if (!service) return;
    this.running.delete(name);
    await service.stop(deadlineMs);
  }

  /**
   * Stops every running service, downstream first, so nothing waits on a stopped upstream; then every
   * spawned process, all at once (SIGTERM, SIGKILL after `deadlineMs`).
   */
  async stopAll(deadlineMs = 20_000): Promise<void> {
    const names = [...this.running.keys()].sort(
      (a, b) => SERVICE_ORDER.indexOf(b) - SERVICE_ORDER.indexOf(a),
    );
    for (const name of names) {
      await this.stop(name, deadlineMs).catch((error: unknown) => {
        this.logger.warn({ err: errorMessage(error), service: name }, 'stop failed');
      });
    }
    await this.supervisorOfProcesses?.stopAll(deadlineMs);
  }

  /** Whether every running service consumes (its group joined and partitions assigned). */
  isReady(): boolean {
    return [...this.running.values()].every((s) => s.isReady());
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    await waitFor(() => this.isReady(), timeoutMs, 'the services to join their groups');
  }

  /** Resolves when any running service fails for good. */
  crashed(): Promise<Error> {
    return Promise.race([...this.running.values()].map((s) => s.crashed));
  }

  /**
   * Deletes the pipeline's own topics (those named after its id that exist; not the ones given in
   * `options.topics`) and drops its database (after stopAll).
   */
  async cleanup(): Promise<void> {
    const admin = this.kafka('admin').admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const own = Object.values(this.topics).filter((t) => t.startsWith(`${this.id}.`) && existing.has(t));
      if (own.length > 0) await admin.deleteTopics({ topics: own, timeout: 30_000 });
    } catch (error) {
      this.logger.warn({ err: errorMessage(error) }, 'topic cleanup failed');
    } finally {
      await admin.disconnect();
    }
    const client = createClickHouseClient(clickhouseConfigFromEnv(this.options.env, {}));
    await client
      .command({ query: `DROP DATABASE IF EXISTS ${this.database}` })
      .catch((error: unknown) => this.logger.warn({ err: errorMessage(error) }, 'database cleanup failed'))
      .finally(() => client.close());
  }
}
