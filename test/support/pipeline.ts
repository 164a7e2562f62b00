import { PipelineHarness, type ServiceName } from '@aiops/harness';
import { createLogger } from '@aiops/ops';
import { clickhouseUrl, kafkaBrokers } from '../setup/endpoints.js';
import { type TestTenant, writeTokensFile } from './otlp.js';

export { waitFor } from '@aiops/harness';
export type { ServiceName };

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
  /** Agent monitor options (packages/agents config). */
  agentMonitor?: Record<string, unknown>;
  /** Prompt monitor options (packages/prompts config). */
  promptMonitor?: Record<string, unknown>;
}

/** The shared pipeline harness on the test stack's endpoints (own topics, groups and database). */
export class TestPipeline extends PipelineHarness {
  constructor(options: TestPipelineOptions = {}) {
    super({
      ...options,
      env: { KAFKA_BROKERS: kafkaBrokers().join(','), CLICKHOUSE_URL: clickhouseUrl() },
      logger: createLogger({ service: 'it', level: process.env.TEST_LOG_LEVEL ?? 'warn' }),
      prefix: 'it',
      userIdSalt: 'integration-salt',
      writerMaxBatchDelayMs: 200,
      otlpTokensFile: writeTokensFile(options.otlpTenants ?? { acme: 'acme-token' }),
    });
  }
}
