import { describe, expect, it } from 'vitest';
import { kafkaConfigFromEnv, kafkaConfigSchema } from '../src/config.js';
import { planTopics, resolveReplication, underReplicatedError } from '../src/replication.js';

describe('resolveReplication', () => {
  it('defaults to min(3, brokers) replicas and min ISR 2 only at 3', () => {
    expect(resolveReplication({}, 1)).toEqual({ factor: 1, minInsyncReplicas: null });
    expect(resolveReplication({}, 2)).toEqual({ factor: 2, minInsyncReplicas: null });
    expect(resolveReplication({}, 3)).toEqual({ factor: 3, minInsyncReplicas: 2 });
    expect(resolveReplication({}, 7)).toEqual({ factor: 3, minInsyncReplicas: 2 });
  });

  it('takes both settings from config', () => {
    expect(resolveReplication({ factor: 2, minInsyncReplicas: 2 }, 5)).toEqual({
      factor: 2,
      minInsyncReplicas: 2,
    });
    expect(resolveReplication({ factor: 3, minInsyncReplicas: 3 }, 1)).toEqual({
      factor: 3,
      minInsyncReplicas: 3,
    });
  });

  it('refuses a min ISR above the factor, naming the key', () => {
    expect(() => resolveReplication({ factor: 2, minInsyncReplicas: 3 }, 3)).toThrow(
      /kafka\.replication\.minInsyncReplicas \(3\) exceeds the replication factor \(2\)/,
    );
  });

  it('reads KAFKA_REPLICATION_FACTOR and KAFKA_MIN_INSYNC_REPLICAS', () => {
    const parsed = kafkaConfigSchema.parse(
      kafkaConfigFromEnv({ KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' }, 'svc'),
    );
    expect(parsed.replication).toEqual({ factor: 3, minInsyncReplicas: 2 });
    expect(kafkaConfigSchema.parse(kafkaConfigFromEnv({}, 'svc')).replication).toEqual({});
    const bad = kafkaConfigSchema.safeParse(kafkaConfigFromEnv({ KAFKA_REPLICATION_FACTOR: 'x' }, 'svc'));
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['replication', 'factor']);
  });
});

describe('planTopics', () => {
  const policy = { factor: 3, minInsyncReplicas: 2 };
  const specs = [{ topic: 'a' }, { topic: 'b' }, { topic: 'c' }];

  it('creates the missing topics and accepts existing ones at or above the factor', () => {
    const plan = planTopics(
      specs,
      [
        { name: 'a', replicationFactor: 3 },
        { name: 'b', replicationFactor: 4 },
      ],
      policy,
    );
    expect(plan).toEqual({ create: [{ topic: 'c' }], underReplicated: [] });
    expect(underReplicatedError(plan)).toBeNull();
  });

  it('refuses an existing topic below the factor with an error naming it', () => {
    const plan = planTopics(
      specs,
      [
        { name: 'a', replicationFactor: 1 },
        { name: 'c', replicationFactor: 2 },
      ],
      policy,
    );
    expect(plan.create).toEqual([{ topic: 'b' }]);
    expect(underReplicatedError(plan)?.message).toBe(
      'topic a has replication factor 1, below the configured minimum 3; ' +
        'topic c has replication factor 2, below the configured minimum 3. Raise it (kafka-reassign-partitions ' +
        'with more replicas) or set KAFKA_REPLICATION_FACTOR to what the cluster should guarantee.',
    );
  });
});
