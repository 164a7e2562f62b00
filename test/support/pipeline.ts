import { createClickHouseClient } from '@aiops/clickhouse';
import type { RunningService } from '@aiops/kafka';
import { createLogger, createPipelineMetrics, type PipelineMetrics } from '@aiops/ops';
import { aggregatorConfigSchema, startAggregator } from '@aiops/service-aggregator';
import { detectorConfigSchema, startDetector } from '@aiops/service-detector';
import {
  otlpReceiverConfigSchema,
  type RunningReceiver,
  startOtlpReceiver,
} from '@aiops/service-otlp-receiver';
import { startValidator, validatorConfigSchema } from '@aiops/service-validator';
import { startWriter, writerConfigSchema } from '@aiops/service-writer';
import { clickhouseUrl, kafkaBrokers, uniqueName } from '../setup/endpoints.js';
import { type TestTenant, writeTokensFile } from './otlp.js';

export type ServiceName = 'validator' | 'aggregator' | 'writer' | 'detector' | 'otlp-receiver';

export interface TestPipelineOptions {
  partitions?: number;
  windowSizesMs?: number[];
  maxOutOfOrdernessMs?: number;
  allowedLatenessMs?: number;
  rules?: unknown;
  alertsFormat?: 'avro' | 'json';
  /** otlp-receiver: tenant id → bearer token (default acme → "acme-token"), and config overrides. */
  otlpTenants?: Record<string, TestTenant>;
  otlp?: Record<string, unknown>;
}

/** One isolated pipeline (own topics, groups and database) of real services on the real broker/server. */
export class TestPipeline {
  readonly id = uniqueName('it');
  readonly topics;
  readonly database: string;
  readonly metrics: PipelineMetrics = createPipelineMetrics({ defaultMetrics: false });
  private readonly running = new Map<ServiceName, RunningService>();
  private readonly logger = createLogger({ service: 'it', level: process.env.TEST_LOG_LEVEL ?? 'warn' });

  constructor(readonly options: TestPipelineOptions = {}) {
    const p = this.id;
    this.topics = {
      raw: `${p}.raw`,
      events: `${p}.events`,
      dlq: `${p}.dlq`,
      windows: `${p}.windows`,
      alerts: `${p}.alerts`,
      detectorState: `${p}.detector-state`,
    };
    this.database = p;
  }

  private common() {
    return {
      kafka: { brokers: kafkaBrokers(), clientId: this.id },
      topics: this.topics,
      partitions: this.options.partitions ?? 3,
    };
  }

  clickhouse() {
    return createClickHouseClient(this.writerConfig().clickhouse);
  }

  writerConfig() {
    return writerConfigSchema.parse({
      ...this.common(),
      clickhouse: { url: clickhouseUrl(), database: this.database },
      groupId: `${this.id}-writer`,
      sink: { maxBatchDelayMs: 200 },
    });
  }

  async start(name: ServiceName): Promise<void> {
    if (this.running.has(name)) throw new Error(`${name} already runs`);
    const base = this.common();
    let service: RunningService;
    switch (name) {
      case 'validator':
        service = await startValidator(
          validatorConfigSchema.parse({
            ...base,
            groupId: `${this.id}-validator`,
            userIdSalt: 'integration-salt',
          }),
          this.logger,
          this.metrics,
        );
        break;
      case 'aggregator':
        service = await startAggregator(
          aggregatorConfigSchema.parse({
            ...base,
            groupId: `${this.id}-aggregator`,
            windowSizesMs: this.options.windowSizesMs ?? [60_000],
            maxOutOfOrdernessMs: this.options.maxOutOfOrdernessMs ?? 5_000,
            allowedLatenessMs: this.options.allowedLatenessMs ?? 60_000,
          }),
          this.logger,
          this.metrics,
        );
        break;
      case 'writer':
        service = await startWriter(this.writerConfig(), this.logger, this.metrics);
        break;
      case 'otlp-receiver':
        service = await startOtlpReceiver(
          otlpReceiverConfigSchema.parse({
            ...base,
            port: 0,
            tokensFile: writeTokensFile(this.options.otlpTenants ?? { acme: 'acme-token' }),
            ...this.options.otlp,
          }),
          this.logger,
          this.metrics,
        );
        break;
      case 'detector':
        service = await startDetector(
          detectorConfigSchema.parse({
            ...base,
            groupId: `${this.id}-detector`,
            rules: this.options.rules ?? {},
            alertsFormat: this.options.alertsFormat ?? 'avro',
            instanceId: `${this.id}-${this.running.size}-${Date.now()}`,
          }),
          this.logger,
          this.metrics,
        );
        break;
    }
    this.running.set(name, service);
  }

  /** The running otlp-receiver (its port, its in-flight bytes). */
  receiver(): RunningReceiver {
    const service = this.running.get('otlp-receiver');
    if (service === undefined) throw new Error('otlp-receiver is not running');
    return service as RunningReceiver;
  }

  async startAll(names: ServiceName[] = ['validator', 'aggregator', 'writer', 'detector']): Promise<void> {
    for (const name of names) await this.start(name);
  }

  async stop(name: ServiceName, deadlineMs = 20_000): Promise<void> {
    const service = this.running.get(name);
    if (!service) return;
    this.running.delete(name);
    await service.stop(deadlineMs);
  }

  async stopAll(): Promise<void> {
    for (const name of [...this.running.keys()]) await this.stop(name);
  }

  /** Waits until every running service consumes (its group joined and partitions assigned). */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    await waitFor(() => [...this.running.values()].every((s) => s.isReady()), timeoutMs, 'services ready');
  }
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await condition()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}
