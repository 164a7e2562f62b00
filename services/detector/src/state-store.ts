import { gunzipSync, gzipSync } from 'node:zlib';
import type { DetectionSnapshot } from '@aiops/detectors';
import { readCompactedTopic } from '@aiops/kafka';
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

/** Reads the compacted state topic to its end and returns the latest checkpoint of each wanted key. */
export async function loadCheckpoints(
  kafka: Kafka,
  topic: string,
  wanted: ReadonlySet<string>,
  timeoutMs = 60_000,
): Promise<Map<string, PartitionCheckpoint>> {
  const found = new Map<string, PartitionCheckpoint>();
  if (wanted.size === 0) return found;
  await readCompactedTopic(
    kafka,
    topic,
    (key, value) => {
      if (!wanted.has(key)) return;
      if (value === null) found.delete(key);
      else found.set(key, decodeCheckpoint(value));
    },
    timeoutMs,
  );
  return found;
}
