import type { Kafka } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  partitions?: number;
  replicationFactor?: number;
  /** e.g. { 'cleanup.policy': 'compact' } for state topics. */
  config?: Record<string, string>;
}

/** Creates the topics that are missing; leaves existing ones as they are. Idempotent. */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    if (missing.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((spec) => ({
        topic: spec.topic,
        numPartitions: spec.partitions ?? 3,
        replicationFactor: spec.replicationFactor ?? 1,
        configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
    return missing.map((spec) => spec.topic);
  } finally {
    await admin.disconnect();
  }
}
