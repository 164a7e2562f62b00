import type { Kafka } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  partitions?: number;
  replicationFactor?: number;
  /** e.g. { 'cleanup.policy': 'compact' } for state topics. */
  config?: Record<string, string>;
}

/** A state topic (checkpoints, changelogs): one compacted partition that takes records of up to 16 MiB. */
export function stateTopic(topic: string): TopicSpec {
  return {
    topic,
    partitions: 1,
    config: { 'cleanup.policy': 'compact', 'max.message.bytes': String(16 * 1024 * 1024) },
  };
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

/** How many partitions each of `topics` has, in order (they must exist); one metadata request. */
export async function topicPartitionCounts<const T extends readonly string[]>(
  kafka: Kafka,
  topics: T,
): Promise<{ [K in keyof T]: number }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
    return topics.map((topic) => {
      const count = metadata.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
      if (count === 0) throw new Error(`topic ${topic} has no partitions`);
      return count;
    }) as { [K in keyof T]: number };
  } finally {
    await admin.disconnect();
  }
}
