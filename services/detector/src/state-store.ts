import { gunzipSync, gzipSync } from 'node:zlib';
import type {
  DetectionSnapshot,
  EngineCounters,
  KeyedStateChange,
  PartitionDetectorChanges,
  PartitionDetectorState,
} from '@aiops/detectors';
import { readCompactedTopic } from '@aiops/kafka';
import type { AlignerSnapshot } from '@aiops/windowing';
import type { Kafka, Message } from 'kafkajs';

/** A window consumed (its offset committed) but not judged yet: the record's value as it came, base64. */
export interface HeldWindowJson {
  offset: string;
  value: string;
  /** How far behind its aggregator partition the window closed (absent: 0). */
  behind?: number;
  /** A late correction's place in event time (absent: the window's end). */
  at?: number;
}

/** What the detector holds per input partition, in the same transaction as its alerts and offsets. */
export interface PartitionCheckpoint extends PartitionDetectorState<HeldWindowJson> {
  v: 2;
  partition: number;
}

/**
 * What one transaction checkpoints of a partition: the engine's changes since the previous transaction
 * (DetectionEngine.takeChanges), and the rest of the partition's state, small and whole.
 */
export interface PartitionChanges extends PartitionDetectorChanges<HeldWindowJson> {
  partition: number;
}

/** Version 1 (before the merge by watermark markers): the clock was the highest window end seen. */
interface PartitionCheckpointV1 {
  v: 1;
  partition: number;
  streamTimeMs: number;
  engine: DetectionSnapshot;
}

/**
 * The changelog (compacted state topic) of one input partition: one record per key, so a transaction
 * carries only what changed — Kafka Streams' changelog per key, not a snapshot of everything. Keys are
 * `<group>/<partition>/<kind>[/<id>]`:
 * - `m`: the partition's meta (engine counters, the aligner with its held windows, backfilling tenants);
 * - `s/<series>`, `g/<tenant, application>`, `p/<tenant, application, environment>`: the engine's per-series,
 *   per-group and per-peer state;
 * - `a/<condition>`: one tracked alert of the lifecycle; a tombstone when it is gone.
 * Each keyed record carries `n`, the order the engine met it in: the engine iterates its series and
 * alerts in that order (absence checks, lifecycle advances), so a restore must reproduce it for the same
 * notifications byte for byte.
 */
type Kind = 's' | 'g' | 'p' | 'a';
type Item<K extends Kind> = K extends 's'
  ? DetectionSnapshot['series'][number]
  : K extends 'g'
    ? DetectionSnapshot['groups'][number]
    : K extends 'p'
      ? DetectionSnapshot['peers'][number]
      : DetectionSnapshot['lifecycle']['alerts'][number];

interface Meta {
  v: 3;
  partition: number;
  counters: EngineCounters;
  aligner: AlignerSnapshot<HeldWindowJson>;
  backfilling: string[];
  /** The next order number to hand out. */
  next: number;
}

interface Keyed<T> {
  n: number;
  state: T;
}

const META = 'm';

/** The key of a partition's checkpoint before per-key changelogs (version 1 and 2): one record for all. */
export function legacyCheckpointKey(groupId: string, partition: number): string {
  return `${groupId}/${partition}`;
}

function prefixOf(groupId: string, partition: number): string {
  return `${legacyCheckpointKey(groupId, partition)}/`;
}

/**
 * Turns checkpoints into changelog records, remembering what it wrote: the functional core of the
 * detector's state store (no I/O).
 */
export class PartitionChangelog {
  /** Suffix (after the partition prefix) → the JSON last written under it. */
  private readonly written = new Map<string, string>();
  /** Suffix → order number, for keyed records. */
  private readonly order = new Map<string, number>();
  private next = 0;
  /** A one-record checkpoint of the old format still on the topic: removed with the first write. */
  private legacy = false;

  constructor(
    readonly groupId: string,
    readonly partition: number,
  ) {}

  /**
   * The records that take the topic from what was written to `checkpoint` (changed keys, tombstones).
   * Costs all of the state (every key serialised); the detector writes `recordsFor` its changes instead.
   */
  changes(checkpoint: PartitionCheckpoint): Message[] {
    const { engine } = checkpoint;
    const all = <T extends { key: string }>(items: readonly T[]) =>
      items.map((state) => ({ key: state.key, state }));
    return this.recordsFor({
      partition: checkpoint.partition,
      engine: {
        full: true,
        series: all(engine.series),
        groups: all(engine.groups),
        peers: all(engine.peers),
        alerts: all(engine.lifecycle.alerts),
        counters: engine.counters,
      },
      aligner: checkpoint.aligner,
      backfilling: checkpoint.backfilling ?? [],
    });
  }

  /**
   * The records for what changed (DetectionEngine.takeChanges): only the keys listed are serialised,
   * compared with what was written under them and written if they differ; a key gone becomes a
   * tombstone. With `full` changes, a key written before and not listed is gone too.
   */
  recordsFor(changes: PartitionChanges): Message[] {
    const prefix = prefixOf(this.groupId, this.partition);
    const { engine } = changes;
    const messages: Message[] = [];
    if (this.legacy) {
      messages.push({ key: legacyCheckpointKey(this.groupId, this.partition), value: null });
      this.legacy = false;
    }
    const write = (suffix: string, json: string) => {
      if (this.written.get(suffix) === json) return;
      this.written.set(suffix, json);
      messages.push({ key: prefix + suffix, value: suffix === META ? gzipSync(json) : Buffer.from(json) });
    };
    // Tombstones go after the records, as one batch: the order a compacted topic keeps does not matter.
    const gone: string[] = [];
    const listed = engine.full ? new Set<string>([META]) : null;
    const keyed = <K extends Kind>(kind: K, items: readonly KeyedStateChange<Item<K>>[]) => {
      for (const { key, state } of items) {
        const suffix = `${kind}/${key}`;
        if (state === null) {
          gone.push(suffix);
          continue;
        }
        listed?.add(suffix);
        // A key new to the topic is numbered now: the items come in the order the engine met them.
        let n = this.order.get(suffix);
        if (n === undefined) {
          n = this.next++;
          this.order.set(suffix, n);
        }
        write(suffix, JSON.stringify({ n, state } satisfies Keyed<Item<K>>));
      }
    };
    keyed('s', engine.series);
    keyed('g', engine.groups);
    keyed('p', engine.peers);
    keyed('a', engine.alerts);
    const meta: Meta = {
      v: 3,
      partition: changes.partition,
      counters: engine.counters,
      aligner: changes.aligner,
      backfilling: changes.backfilling,
      next: this.next,
    };
    write(META, JSON.stringify(meta));
    if (listed !== null) for (const suffix of this.written.keys()) if (!listed.has(suffix)) gone.push(suffix);
    for (const suffix of gone) {
      // Gone before it was ever written (met and dropped between two transactions): nothing to remove.
      if (!this.written.delete(suffix)) continue;
      this.order.delete(suffix);
      messages.push({ key: prefix + suffix, value: null });
    }
    return messages;
  }

  /**
   * Restores from the partition's records read off the topic (suffix → value, tombstones already
   * applied); null when there are none. `legacy` is an old one-record checkpoint, used when the per-key
   * records are absent.
   */
  restore(records: ReadonlyMap<string, Buffer>, legacy: Buffer | null): PartitionCheckpoint | null {
    this.written.clear();
    this.order.clear();
    this.next = 0;
    this.legacy = legacy !== null;
    const metaBytes = records.get(META);
    if (metaBytes === undefined) return legacy === null ? null : decodeCheckpoint(legacy);
    const metaJson = gunzipSync(metaBytes).toString('utf8');
    const meta = JSON.parse(metaJson) as Meta;
    if (meta.v !== 3) throw new Error(`unsupported detector checkpoint version ${String(meta.v)}`);
    this.written.set(META, metaJson);
    this.next = meta.next;
    const lists: { [K in Kind]: Array<Keyed<Item<K>>> } = { s: [], g: [], p: [], a: [] };
    for (const [suffix, bytes] of records) {
      if (suffix === META) continue;
      const kind = suffix.slice(0, 2);
      if (kind !== 's/' && kind !== 'g/' && kind !== 'p/' && kind !== 'a/') continue;
      const json = bytes.toString('utf8');
      const item = JSON.parse(json) as Keyed<never>;
      this.written.set(suffix, json);
      this.order.set(suffix, item.n);
      (lists[kind[0] as Kind] as Array<Keyed<unknown>>).push(item);
    }
    const sorted = <T>(list: Array<Keyed<T>>): T[] => list.sort((x, y) => x.n - y.n).map((x) => x.state);
    return {
      v: 2,
      partition: meta.partition,
      engine: {
        version: 1,
        series: sorted(lists.s),
        groups: sorted(lists.g),
        peers: sorted(lists.p),
        lifecycle: { version: 1, alerts: sorted(lists.a) },
        counters: meta.counters,
      },
      aligner: meta.aligner,
      backfilling: meta.backfilling,
    };
  }
}

/** Reads a one-record checkpoint of the old format; a version-1 one comes back as version 2. */
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

/** The old one-record format, for tests of the upgrade path. */
export function encodeLegacyCheckpoint(checkpoint: PartitionCheckpoint): Buffer {
  return gzipSync(JSON.stringify(checkpoint));
}

/**
 * Reads the compacted state topic to its end and restores each wanted partition's changelog (a
 * PartitionChangelog that knows what is stored, and the checkpoint, or null when there is none).
 */
export async function loadCheckpoints(
  kafka: Kafka,
  topic: string,
  groupId: string,
  partitions: readonly number[],
  timeoutMs = 60_000,
): Promise<Map<number, { changelog: PartitionChangelog; checkpoint: PartitionCheckpoint | null }>> {
  const records = new Map<number, Map<string, Buffer>>();
  const legacy = new Map<number, Buffer>();
  const byLegacyKey = new Map(partitions.map((p) => [legacyCheckpointKey(groupId, p), p]));
  const byPrefix = new Map(partitions.map((p) => [prefixOf(groupId, p), p]));
  for (const p of partitions) records.set(p, new Map());
  if (partitions.length > 0)
    await readCompactedTopic(
      kafka,
      topic,
      (key, value) => {
        const old = byLegacyKey.get(key);
        if (old !== undefined) {
          if (value === null) legacy.delete(old);
          else legacy.set(old, value);
          return;
        }
        const slash = key.indexOf('/', groupId.length + 1);
        if (slash < 0) return;
        const partition = byPrefix.get(key.slice(0, slash + 1));
        if (partition === undefined) return;
        const suffix = key.slice(slash + 1);
        const mine = records.get(partition)!;
        if (value === null) mine.delete(suffix);
        else mine.set(suffix, value);
      },
      timeoutMs,
    );
  const out = new Map<number, { changelog: PartitionChangelog; checkpoint: PartitionCheckpoint | null }>();
  for (const partition of partitions) {
    const changelog = new PartitionChangelog(groupId, partition);
    const checkpoint = changelog.restore(records.get(partition)!, legacy.get(partition) ?? null);
    out.set(partition, { changelog, checkpoint });
  }
  return out;
}
