import { gunzipSync, gzipSync } from 'node:zlib';
import type { DetectionSnapshot } from '@aiops/detectors';
import type { AlignerSnapshot } from '@aiops/windowing';
import type { Kafka } from 'kafkajs';

/** A window consumed (its offset committed) but not judged yet: the record's value as it came, base64. */
export interface HeldWindowJson {
  offset: string;
  value: string;
  /** How far behind its aggregator partition the window closed (absent: 0). */
  behind?: number;
}

/** What the detector checkpoints per input partition, in the same transaction as its alerts and offsets. */
export interface PartitionCheckpoint {
  v: 2;
  partition: number;
  engine: DetectionSnapshot;
  /** The event-time merge of the aggregator partitions: clock, per-source watermarks, held windows. */
  aligner: AlignerSnapshot<HeldWindowJson>;
  /** Tenants whose latest judged window was history (backfill): their absence is not judged. */
  backfilling?: string[];
}

/** Version 1 (before the merge by watermark markers): the clock was the highest window end seen. */
interface PartitionCheckpointV1 {
  v: 1;
  partition: number;
  streamTimeMs: number;
  engine: DetectionSnapshot;
}

export function checkpointKey(groupId: string, partition: number): string {
  return `${groupId}/${partition}`;
}

export function encodeCheckpoint(checkpoint: PartitionCheckpoint): Buffer {
  return gzipSync(JSON.stringify(checkpoint));
}

/** Reads a checkpoint; a version-1 one comes back as version 2 whose clock is its stream time. */
export function decodeCheckpoint(bytes: Buffer): PartitionCheckpoint {
  const parsed = JSON.parse(gunzipSync(bytes).toString('utf8')) as
    | PartitionCheckpoint
    | PartitionCheckpointV1;
  if (parsed.v === 2) return parsed;
  if (parsed.v === 1) {
    const clockMs = parsed.streamTimeMs;
    return {
      v: 2,
      partition: parsed.partition,
      engine: parsed.engine,
      aligner: { clockMs, lastTickMs: clockMs, sources: [], expectedSources: 1, held: [] },
    };
  }
  throw new Error(`unsupported detector checkpoint version ${String((parsed as { v: unknown }).v)}`);
}

/**
 * Reads the compacted state topic to its end and returns the latest checkpoint of each wanted key.
 * kafkajs has no manual assignment, so a throw-away consumer group reads it; only committed
 * transactions are visible (read_committed), which is what keeps state and offsets in step.
 */
export async function loadCheckpoints(
  kafka: Kafka,
  topic: string,
  wanted: ReadonlySet<string>,
  timeoutMs = 60_000,
): Promise<Map<string, PartitionCheckpoint>> {
  const found = new Map<string, PartitionCheckpoint>();
  if (wanted.size === 0) return found;
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map<number, number>();
  for (const end of ends)
    if (Number(end.high) > Number(end.low)) remaining.set(end.partition, Number(end.high));
  if (remaining.size === 0) return found;

  const consumer = kafka.consumer({
    groupId: `aiops-state-reader-${process.pid}-${Date.now()}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading ${topic} took longer than ${timeoutMs} ms`)),
        timeoutMs,
      );
      // END_BATCH_PROCESS fires for every fetched batch, also those holding only transaction markers,
      // so it is where "this partition is read to its end" can be seen.
      consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
        const high = remaining.get(event.payload.partition);
        if (high !== undefined && Number(event.payload.lastOffset) >= high - 1)
          remaining.delete(event.payload.partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              const key = message.key?.toString('utf8');
              if (key === undefined || !wanted.has(key)) continue;
              if (message.value === null) found.delete(key);
              else found.set(key, decodeCheckpoint(message.value));
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return found;
}
