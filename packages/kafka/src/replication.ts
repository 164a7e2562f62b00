import { z } from 'zod';

/**
 * Replication of the topics the services create. Both settings are optional: left out, the replication
 * factor is min(3, live brokers) and `min.insync.replicas` is 2 when the factor is 3 (the broker's own
 * default otherwise). A topic that already exists with fewer replicas than the factor stops the start.
 */
export const replicationConfigSchema = z.strictObject({
  factor: z.number().int().min(1).max(32).optional(),
  minInsyncReplicas: z.number().int().min(1).max(32).optional(),
});
export type ReplicationConfig = z.output<typeof replicationConfigSchema>;

/** The replication a topic is created with (and the least an existing topic must have). */
export interface ReplicationPolicy {
  readonly factor: number;
  /** null: the broker's default `min.insync.replicas` applies. */
  readonly minInsyncReplicas: number | null;
}

/** The policy for a cluster of `brokers` live brokers; pure. Throws when the configuration cannot hold. */
export function resolveReplication(config: ReplicationConfig, brokers: number): ReplicationPolicy {
  const factor = config.factor ?? Math.max(1, Math.min(3, brokers));
  const minInsyncReplicas = config.minInsyncReplicas ?? (factor === 3 ? 2 : null);
  if (minInsyncReplicas !== null && minInsyncReplicas > factor) {
    throw new Error(
      `kafka.replication.minInsyncReplicas (${minInsyncReplicas}) exceeds the replication factor (${factor}): ` +
        'every write would fail',
    );
  }
  return { factor, minInsyncReplicas };
}

export interface ExistingTopic {
  readonly name: string;
  /** Replicas of its least-replicated partition. */
  readonly replicationFactor: number;
}

export interface TopicPlan<S> {
  readonly create: readonly S[];
  /** Existing topics with fewer replicas than the policy's factor, as readable lines. */
  readonly underReplicated: readonly string[];
}

/** Which specs to create and which existing topics fall short of the policy; pure. */
export function planTopics<S extends { readonly topic: string }>(
  specs: readonly S[],
  existing: readonly ExistingTopic[],
  policy: ReplicationPolicy,
): TopicPlan<S> {
  const byName = new Map(existing.map((topic) => [topic.name, topic]));
  const create: S[] = [];
  const underReplicated: string[] = [];
  for (const spec of specs) {
    const found = byName.get(spec.topic);
    if (found === undefined) create.push(spec);
    else if (found.replicationFactor < policy.factor) {
      underReplicated.push(
        `topic ${spec.topic} has replication factor ${found.replicationFactor}, below the configured minimum ${policy.factor}`,
      );
    }
  }
  return { create, underReplicated };
}

/** The error a start fails with when `plan` found under-replicated topics (null when there is none). */
export function underReplicatedError(plan: TopicPlan<unknown>): Error | null {
  if (plan.underReplicated.length === 0) return null;
  return new Error(
    `${plan.underReplicated.join('; ')}. Raise it (kafka-reassign-partitions with more replicas) or set ` +
      'KAFKA_REPLICATION_FACTOR to what the cluster should guarantee.',
  );
}
