import type { Admin, Kafka } from 'kafkajs';
import {
  planTopics,
  type ReplicationConfig,
  resolveReplication,
  underReplicatedError,
} from './replication.js';

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

/** The replication settings a client was made with (createKafka attaches them); none for other clients. */
const REPLICATION = Symbol.for('aiops.kafka.replication');
export function withReplication<K extends Kafka>(kafka: K, replication: ReplicationConfig): K {
  Object.defineProperty(kafka, REPLICATION, { value: replication, enumerable: false });
  return kafka;
}
function replicationOf(kafka: Kafka): ReplicationConfig {
  return (kafka as unknown as Record<symbol, ReplicationConfig | undefined>)[REPLICATION] ?? {};
}

/**
 * Creates the topics that are missing with the replication of {@link resolveReplication} (the client's
 * `replication` config, else min(3, brokers) replicas and min ISR 2 at 3); leaves existing ones as they are,
 * but refuses (throws, naming each topic) when one has fewer replicas than that factor. Idempotent.
 */
export async function ensureTopics(
  kafka: Kafka,
  specs: readonly TopicSpec[],
  replication: ReplicationConfig = replicationOf(kafka),
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [cluster, names] = await Promise.all([admin.describeCluster(), admin.listTopics()]);
    const policy = resolveReplication(replication, cluster.brokers.length);
    const present = new Set(names);
    const wanted = specs.filter((spec) => present.has(spec.topic)).map((spec) => spec.topic);
    const metadata =
      wanted.length === 0 ? { topics: [] } : await admin.fetchTopicMetadata({ topics: wanted });
    const existing = metadata.topics.map((topic) => ({
      name: topic.name,
      replicationFactor: Math.min(...topic.partitions.map((p) => p.replicas.length)),
    }));
    const plan = planTopics(specs, existing, policy);
    const refused = underReplicatedError(plan);
    if (refused !== null) throw refused;
    if (plan.create.length === 0) return [];
    // kafkajs' waitForLeaders gives up when a broker answers UNKNOWN_TOPIC_OR_PARTITION for a topic the
    // controller just created: waitUntilServed below waits for the leaders instead, with retries.
    await admin.createTopics({
      waitForLeaders: false,
      topics: plan.create.map((spec) => ({
        topic: spec.topic,
        numPartitions: spec.partitions ?? 3,
        replicationFactor: spec.replicationFactor ?? policy.factor,
        configEntries: Object.entries({
          ...(policy.minInsyncReplicas === null
            ? {}
            : { 'min.insync.replicas': String(policy.minInsyncReplicas) }),
          ...spec.config,
        }).map(([name, value]) => ({ name, value })),
      })),
    });
    const created = plan.create.map((spec) => spec.topic);
    await waitUntilServed(admin, created);
    return created;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until the leaders of every partition of `topics` answer for them: on a KRaft cluster each broker
 * applies a new topic a moment after the controller created it and answers "This server does not host
 * this topic-partition" until then, so a service that reads offsets right after creating its topics would
 * fail its start.
 */
async function waitUntilServed(admin: Admin, topics: readonly string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const topic of topics) {
    for (;;) {
      try {
        await admin.fetchTopicOffsets(topic);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
}

/** A topic another broker has not applied yet: "This server does not host this topic-partition". */
function isUnknownTopic(error: unknown): boolean {
  const e = error as { type?: string; originalError?: { type?: string } } | null;
  return e?.type === 'UNKNOWN_TOPIC_OR_PARTITION' || e?.originalError?.type === 'UNKNOWN_TOPIC_OR_PARTITION';
}

/**
 * Topic metadata, waiting up to `timeoutMs` for topics that a broker does not know yet (created a moment
 * ago by another service; each KRaft broker applies a new topic on its own schedule).
 */
async function topicMetadata(admin: Admin, topics: string[], timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await admin.fetchTopicMetadata({ topics });
    } catch (error) {
      if (!isUnknownTopic(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
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
    const metadata = await topicMetadata(admin, [...topics]);
    return topics.map((topic) => {
      const count = metadata.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
      if (count === 0) throw new Error(`topic ${topic} has no partitions`);
      return count;
    }) as { [K in keyof T]: number };
  } finally {
    await admin.disconnect();
  }
}
