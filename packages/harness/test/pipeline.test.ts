import { createLogger } from '@aiops/ops';
import { aggregatorConfigFromEnv } from '@aiops/service-aggregator';
import { detectorConfigFromEnv } from '@aiops/service-detector';
import { validatorConfigFromEnv } from '@aiops/service-validator';
import { writerConfigFromEnv } from '@aiops/service-writer';
import { describe, expect, it } from 'vitest';
import { PipelineHarness } from '../src/index.js';

const harness = new PipelineHarness({
  env: { KAFKA_BROKERS: '127.0.0.1:19092', CLICKHOUSE_URL: 'http://127.0.0.1:18123' },
  logger: createLogger({ service: 'test', level: 'silent' }),
  prefix: 'unit',
  partitions: 2,
  windowSizesMs: [60_000, 300_000],
  allowedLatenessMs: 30_000,
  userIdSalt: 'unit-test-salt',
  writerMaxBatchDelayMs: 200,
});

/** The configs without the Kafka client id, which differs by design (one per role and process). */
function withoutClientId<T extends { kafka: { clientId?: string } }>(config: T) {
  return { ...config, kafka: { ...config.kafka, clientId: undefined } };
}

describe('pipeline harness', () => {
  it('names everything after one unique id', () => {
    expect(harness.id).toMatch(/^unit_/);
    expect(Object.values(harness.topics).every((t) => t.startsWith(`${harness.id}.`))).toBe(true);
    expect(harness.database).toBe(harness.id);
    expect(new PipelineHarness({ ...harness.options }).id).not.toBe(harness.id);
  });

  it('reads given topics (a benchmark input) and names the rest after its id', () => {
    const reading = new PipelineHarness({ ...harness.options, topics: { raw: 'bench.raw.avro.v1' } });
    expect(reading.topics.raw).toBe('bench.raw.avro.v1');
    expect(reading.topics.events).toBe(`${reading.id}.events`);
    expect(reading.serviceEnv().TOPIC_RAW).toBe('bench.raw.avro.v1');
    expect(validatorConfigFromEnv(reading.serviceEnv()).topics.raw).toBe('bench.raw.avro.v1');
  });

  it('passes the idle timeout and the OTLP tokens file to a child process as to an in-process service', () => {
    const idle = new PipelineHarness({
      ...harness.options,
      idleTimeoutMs: 7_000,
      otlpTokensFile: '/tmp/t.json',
    });
    const env = idle.serviceEnv();
    expect(aggregatorConfigFromEnv(env).idleTimeoutMs).toBe(7_000);
    expect(idle.aggregatorConfig().idleTimeoutMs).toBe(7_000);
    expect(env.OTLP_TOKENS_FILE).toBe('/tmp/t.json');
    // Without the option, the service's own default.
    expect(harness.serviceEnv().IDLE_TIMEOUT_MS).toBeUndefined();
  });

  it("leaves the aggregator's window sizes to the harness's option, and the service's own default is minute and hourly windows", () => {
    expect(aggregatorConfigFromEnv(harness.serviceEnv()).windowSizesMs).toEqual(harness.windowSizesMs);
    const { WINDOW_SIZES_MS: _harnessSizes, ...withoutSizes } = harness.serviceEnv();
    // `aiops run` with no WINDOW_SIZES_MS: hourly windows for the dashboard too (UI_ROLLUP_WINDOW_S).
    expect(aggregatorConfigFromEnv(withoutSizes).windowSizesMs).toEqual([60_000, 3_600_000]);
  });

  it('gives a service started as a child process (aiops run) the same config as one started in process', () => {
    const env = harness.serviceEnv();
    expect(withoutClientId(validatorConfigFromEnv(env))).toEqual(withoutClientId(harness.validatorConfig()));
    expect(withoutClientId(aggregatorConfigFromEnv(env))).toEqual(
      withoutClientId(harness.aggregatorConfig()),
    );
    expect(withoutClientId(writerConfigFromEnv(env))).toEqual(withoutClientId(harness.writerConfig()));
    expect(withoutClientId(detectorConfigFromEnv(env))).toEqual(withoutClientId(harness.detectorConfig()));
  });
});
