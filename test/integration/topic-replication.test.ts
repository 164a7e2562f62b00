import { ensureTopics } from '@aiops/kafka';
import { createLogger, createPipelineMetrics } from '@aiops/ops';
import { startValidator, validatorConfigFromEnv } from '@aiops/service-validator';
import { describe, expect, it } from 'vitest';
import { kafkaBrokers, uniqueName } from '../setup/endpoints.js';
import { testKafka } from '../support/kafka.js';

/** Topic replication from config, against the real (single-broker) test stack. */
describe('topic replication', () => {
  it('creates topics with the configured min.insync.replicas and the default factor min(3, brokers)', async () => {
    const kafka = testKafka();
    const topic = uniqueName('it-repl-new');
    expect(await ensureTopics(kafka, [{ topic, partitions: 2 }], { minInsyncReplicas: 1 })).toEqual([topic]);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const brokers = (await admin.describeCluster()).brokers.length;
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const replicas = metadata.topics[0]?.partitions.map((p) => p.replicas.length);
      expect(replicas).toEqual([Math.min(3, brokers), Math.min(3, brokers)]);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: topic, configNames: ['min.insync.replicas'] }],
      });
      expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('1');
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses an existing topic whose replication factor is below the configured minimum', async () => {
    const kafka = testKafka();
    const topic = uniqueName('it-repl-low');
    await ensureTopics(kafka, [{ topic, partitions: 1 }], { factor: 1 });
    await expect(ensureTopics(kafka, [{ topic, partitions: 1 }], { factor: 2 })).rejects.toThrow(
      `topic ${topic} has replication factor 1, below the configured minimum 2`,
    );
  });

  it('a service configured for RF 3 does not start on the RF-1 topics, and says which', async () => {
    const raw = uniqueName('it-repl-raw');
    await ensureTopics(testKafka(), [{ topic: raw, partitions: 1 }], { factor: 1 });
    const config = validatorConfigFromEnv({
      KAFKA_BROKERS: kafkaBrokers().join(','),
      KAFKA_REPLICATION_FACTOR: '3',
      USER_ID_SALT: 'integration-salt',
      TOPIC_RAW: raw,
      TOPIC_EVENTS: uniqueName('it-repl-events'),
      TOPIC_DLQ: uniqueName('it-repl-dlq'),
      TOPIC_ALERTS: uniqueName('it-repl-alerts'),
      VALIDATOR_GROUP_ID: uniqueName('it-repl'),
    });
    const logger = createLogger({ service: 'it-repl', level: 'silent' });
    await expect(
      startValidator(config, logger, createPipelineMetrics({ defaultMetrics: false })),
    ).rejects.toThrow(`topic ${raw} has replication factor 1, below the configured minimum 3`);
  });
});
