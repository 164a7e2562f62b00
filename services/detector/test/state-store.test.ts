import { gzipSync } from 'node:zlib';
import { createDetectionEngine, type DetectionEngine } from '@aiops/detectors';
import { windowAggregate } from '@aiops/testkit';
import type { Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  decodeCheckpoint,
  encodeLegacyCheckpoint,
  PartitionChangelog,
  type PartitionCheckpoint,
} from '../src/state-store.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 2);

const aligner: PartitionCheckpoint['aligner'] = {
  clockMs: 120_000,
  lastTickMs: 120_000,
  sources: [
    ['0', 120_000],
    ['1', 180_000],
  ],
  expectedSources: 2,
  held: [{ offset: '17', value: 'AAEC' }],
};

/** `models` series of acme/support-bot, `minutes` windows each, busy and healthy; the first one slow in minutes 40–47. */
function feed(engine: DetectionEngine, models: readonly string[], from: number, minutes: number): void {
  for (let m = from; m < from + minutes; m++) {
    for (const model of models) {
      const spike = m >= 40 && m < 48 && model === models[0];
      engine.process(
        windowAggregate({
          model,
          window_start: T0 + m * MINUTE,
          events: 100,
          latency_count: 100,
          latency_p50_ms: spike ? 4_000 : 400,
          latency_p95_ms: spike ? 9_000 : 900,
          latency_p99_ms: spike ? 12_000 : 1_200,
          cost_usd: 0.2,
        }),
      );
    }
    engine.tick(T0 + (m + 1) * MINUTE);
  }
}

/** What a compacted topic keeps of `messages`, by key suffix after `<group>/<partition>/`. */
function compact(topic: Map<string, Buffer>, messages: readonly Message[], prefix: string): void {
  for (const m of messages) {
    const key = String(m.key);
    expect(key.startsWith(prefix), key).toBe(true);
    if (m.value === null) topic.delete(key.slice(prefix.length));
    else topic.set(key.slice(prefix.length), m.value as Buffer);
  }
}

describe('detector state changelog (one record per key)', () => {
  const checkpointOf = (engine: DetectionEngine): PartitionCheckpoint => ({
    v: 2,
    partition: 4,
    engine: engine.snapshot(),
    aligner,
    backfilling: [],
  });

  it('restores the engine exactly, in the order it met its series and alerts, from only what changed', () => {
    const models = ['gpt-4o', 'gpt-4o-mini', 'claude', 'gemini', 'llama'];
    const engine = createDetectionEngine();
    const changelog = new PartitionChangelog('det', 4);
    const topic = new Map<string, Buffer>();
    feed(engine, models, 0, 30);
    const first = changelog.changes(checkpointOf(engine));
    compact(topic, first, 'det/4/');
    // Every series, group and peer once, and the meta.
    expect(first.length).toBeGreaterThanOrEqual(models.length + 1);

    // One more minute of one series: only its record, its group, its peer and the meta change.
    engine.process(windowAggregate({ model: 'claude', window_start: T0 + 30 * MINUTE, events: 100 }));
    const second = changelog.changes(checkpointOf(engine));
    compact(topic, second, 'det/4/');
    expect(second.map((m) => String(m.key)).filter((k) => k.includes('/s/'))).toHaveLength(1);
    expect(second.length).toBeLessThan(first.length);
    expect(changelog.changes(checkpointOf(engine))).toEqual([]);

    // Through the spike: an alert fires (its lifecycle record appears), then recovers and goes (tombstone).
    const alertKeys: string[] = [];
    let tombstones = 0;
    for (let m = 31; m < 150; m++) {
      feed(engine, models, m, 1);
      const records = changelog.changes(checkpointOf(engine));
      for (const r of records.filter((x) => String(x.key).includes('/a/'))) {
        if (r.value === null) tombstones++;
        else alertKeys.push(String(r.key));
      }
      compact(topic, records, 'det/4/');
    }
    expect(alertKeys.length).toBeGreaterThan(0);
    expect(tombstones).toBeGreaterThan(0);

    // A compacted topic gives the records back in its own order (here: reversed), not the engine's.
    const restored = new PartitionChangelog('det', 4).restore(new Map([...topic].reverse()), null);
    expect(restored).toEqual(checkpointOf(engine));

    // The restored engine goes on exactly as the original does.
    const twin = createDetectionEngine();
    twin.restore(restored!.engine);
    const alertsOf = (e: DetectionEngine) => {
      const out = [];
      for (let m = 150; m < 180; m++) {
        for (const model of models)
          out.push(
            ...e.process(
              windowAggregate({
                model,
                window_start: T0 + m * MINUTE,
                events: 100,
                latency_count: 100,
                latency_p95_ms: m > 160 && model === 'llama' ? 9_000 : 900,
              }),
            ),
          );
        out.push(...e.tick(T0 + (m + 1) * MINUTE));
      }
      return out;
    };
    const fromRestored = alertsOf(twin);
    expect(fromRestored.length).toBeGreaterThan(0);
    expect(fromRestored).toEqual(alertsOf(engine));
  });

  it('after a restore, writes only what changes next, and removes an old one-record checkpoint once', () => {
    const engine = createDetectionEngine();
    feed(engine, ['gpt-4o', 'claude'], 0, 10);
    const legacy = encodeLegacyCheckpoint(checkpointOf(engine));
    const changelog = new PartitionChangelog('det', 4);
    expect(changelog.restore(new Map(), legacy)).toEqual(checkpointOf(engine));
    const upgrade = changelog.changes(checkpointOf(engine));
    expect(upgrade[0]).toEqual({ key: 'det/4', value: null });
    const topic = new Map<string, Buffer>();
    compact(topic, upgrade.slice(1), 'det/4/');
    const again = new PartitionChangelog('det', 4);
    expect(again.restore(topic, null)).toEqual(checkpointOf(engine));
    expect(again.changes(checkpointOf(engine))).toEqual([]);
    expect(new PartitionChangelog('det', 5).restore(new Map(), null)).toBeNull();
  });
});

describe('one-record checkpoints of earlier versions', () => {
  const engine = createDetectionEngine().snapshot();

  it('round-trip, held windows and per-source watermarks included', () => {
    const checkpoint: PartitionCheckpoint = { v: 2, partition: 4, engine, aligner };
    expect(decodeCheckpoint(encodeLegacyCheckpoint(checkpoint))).toEqual(checkpoint);
  });

  it('read a version-1 checkpoint (clock = highest window end) as version 2', () => {
    const v1 = { v: 1, partition: 2, streamTimeMs: 600_000, engine };
    expect(decodeCheckpoint(gzipSync(JSON.stringify(v1)))).toEqual({
      v: 2,
      partition: 2,
      engine,
      aligner: { clockMs: 600_000, lastTickMs: 600_000, sources: [], expectedSources: 1, held: [] },
    });
  });

  it('refuse a version they do not know, saying which', () => {
    expect(() => decodeCheckpoint(gzipSync(JSON.stringify({ v: 9 })))).toThrow(
      'unsupported detector checkpoint version 9',
    );
  });
});
