import { PipelineHarness, type ServiceName } from '@aiops/harness';
import { createLogger } from '@aiops/ops';
import { clickhouseUrl, kafkaBrokers } from '../setup/endpoints.js';

export { waitFor } from '@aiops/harness';
export type { ServiceName };

export interface TestPipelineOptions {
  partitions?: number;
  windowSizesMs?: number[];
  maxOutOfOrdernessMs?: number;
  allowedLatenessMs?: number;
  rules?: unknown;
  alertsFormat?: 'avro' | 'json';
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
    });
  }
}
