import { gzipSync } from 'node:zlib';
import type { Alert } from '@aiops/contract';
import { createDetectionEngine, type DetectionEngine } from '@aiops/detectors';
import { windowAggregate } from '@aiops/testkit';
import type { Message } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import {
  decodeCheckpoint,
  encodeLegacyCheckpoint,
  PartitionChangelog,
  type PartitionChanges,
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

const byKeyOf = (messages: readonly Message[]) =>
  [...messages].sort((x, y) => (String(x.key) < String(y.key) ? -1 : 1));

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
  const changesOf = (engine: DetectionEngine): PartitionChanges => ({
    partition: 4,
    engine: engine.takeChanges(),
    aligner,
    backfilling: [],
  });

  it('restores the engine exactly, in the order it met its series and alerts, from only what changed', () => {
    const models = ['gpt-4o', 'gpt-4o-mini', 'claude', 'gemini', 'llama'];
    const engine = createDetectionEngine();
    const changelog = new PartitionChangelog('det', 4);
    const topic = new Map<string, Buffer>();
    feed(engine, models, 0, 30);
    const first = changelog.recordsFor(changesOf(engine));
    compact(topic, first, 'det/4/');
    // Every series, group and peer once, and the meta.
    expect(first.length).toBeGreaterThanOrEqual(models.length + 1);

    // One more minute of one series: only its record, its group, its peer and the meta change.
    engine.process(windowAggregate({ model: 'claude', window_start: T0 + 30 * MINUTE, events: 100 }));
    const second = changelog.recordsFor(changesOf(engine));
    compact(topic, second, 'det/4/');
    expect(second.map((m) => String(m.key)).filter((k) => k.includes('/s/'))).toHaveLength(1);
    expect(second.length).toBeLessThan(first.length);
    expect(changelog.recordsFor(changesOf(engine))).toEqual([]);

    // Through the spike: an alert fires (its lifecycle record appears), then recovers and goes (tombstone).
    const alertKeys: string[] = [];
    let tombstones = 0;
    for (let m = 31; m < 150; m++) {
      feed(engine, models, m, 1);
      const records = changelog.recordsFor(changesOf(engine));
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

    // The restored engine goes on exactly as the original does, byte for byte.
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
    expect(JSON.stringify(fromRestored)).toBe(JSON.stringify(alertsOf(engine)));
  });

  it('after a restore, writes only what changes next, and removes an old one-record checkpoint once', () => {
    const engine = createDetectionEngine();
    feed(engine, ['gpt-4o', 'claude'], 0, 10);
    const restoredFrom = (checkpoint: PartitionCheckpoint | null) => {
      const restored = createDetectionEngine();
      restored.restore(checkpoint!.engine);
      return restored;
    };
    const legacy = encodeLegacyCheckpoint(checkpointOf(engine));
    const changelog = new PartitionChangelog('det', 4);
    const fromLegacy = changelog.restore(new Map(), legacy);
    expect(fromLegacy).toEqual(checkpointOf(engine));
    // A restored engine lists everything once: what the topic holds is known to the changelog only.
    const upgrade = changelog.recordsFor(changesOf(restoredFrom(fromLegacy)));
    expect(upgrade[0]).toEqual({ key: 'det/4', value: null });
    expect(upgrade.filter((m) => String(m.key).includes('/s/'))).toHaveLength(2);
    const topic = new Map<string, Buffer>();
    compact(topic, upgrade.slice(1), 'det/4/');
    const again = new PartitionChangelog('det', 4);
    const fromRecords = again.restore(topic, null);
    expect(fromRecords).toEqual(checkpointOf(engine));
    expect(again.recordsFor(changesOf(restoredFrom(fromRecords)))).toEqual([]);
    expect(new PartitionChangelog('det', 5).restore(new Map(), null)).toBeNull();
  });

  it('after a restore that renames keys, the first write removes the records under the old names', () => {
    const engine = createDetectionEngine();
    feed(engine, ['gpt-4o', 'claude'], 0, 5);
    const topic = new Map<string, Buffer>();
    compact(topic, new PartitionChangelog('det', 4).recordsFor(changesOf(engine)), 'det/4/');
    // One series stored under the key of an older version (dimensions joined by U+001F).
    const [suffix, bytes] = [...topic].find(([k]) => k.startsWith('s/'))!;
    const record = JSON.parse(bytes.toString('utf8'));
    const x = record.state.series;
    const oldKey = [x.tenant_id, x.application, x.environment, x.provider, x.model, x.operation].join(
      '\u001f',
    );
    record.state.key = oldKey;
    topic.delete(suffix);
    topic.set(`s/${oldKey}`, Buffer.from(JSON.stringify(record)));

    const changelog = new PartitionChangelog('det', 4);
    const restored = createDetectionEngine();
    restored.restore(changelog.restore(topic, null)!.engine);
    const records = changelog.recordsFor(changesOf(restored));
    // The series under its name now (numbered anew, so the meta's next number moves), the old one gone.
    expect(records.map((r) => [String(r.key), r.value === null])).toEqual([
      [`det/4/${suffix}`, false],
      ['det/4/m', false],
      [`det/4/s/${oldKey}`, true],
    ]);
  });

  it('writes from incremental changes exactly the records a whole checkpoint gives, step by step, across a restore', () => {
    // Five series through a latency spike (gpt-4o, minutes 40–47), a silence that raises no data and
    // recovers (gemini, 60–79), and a spike whose series then goes for good (llama, 90–99, silent from
    // 100: its latency alert resolves on the resolve timeout, its no-data alert holds).
    const models = ['gpt-4o', 'gpt-4o-mini', 'claude', 'gemini', 'llama'];
    const minute = (engine: DetectionEngine, m: number): Alert[] => {
      const out: Alert[] = [];
      for (const model of models) {
        if (model === 'gemini' && m >= 60 && m < 80) continue;
        if (model === 'llama' && m >= 100) continue;
        const slow = (model === 'gpt-4o' && m >= 40 && m < 48) || (model === 'llama' && m >= 90);
        out.push(
          ...engine.process(
            windowAggregate({
              model,
              window_start: T0 + m * MINUTE,
              events: 100,
              latency_count: 100,
              latency_p50_ms: slow ? 4_000 : 400,
              latency_p95_ms: slow ? 9_000 : 900,
              latency_p99_ms: slow ? 12_000 : 1_200,
              cost_usd: 0.2,
            }),
          ),
        );
      }
      out.push(...engine.tick(T0 + (m + 1) * MINUTE));
      return out;
    };

    // The whole-checkpoint path on one engine; the incremental one on another, restored halfway from its topic.
    const reference = createDetectionEngine();
    const whole = new PartitionChangelog('det', 4);
    let engine = createDetectionEngine();
    let changelog = new PartitionChangelog('det', 4);
    const topic = new Map<string, Buffer>();
    let tombstones = 0;
    const notified: string[] = [];
    let m = 0;
    let restored = false;
    for (let step = 0; m < 150; step++) {
      // Batches of 1 to 7 minutes, as a transaction may carry.
      const minutes = 1 + ((step * 5) % 7);
      for (const end = Math.min(150, m + minutes); m < end; m++) {
        const expected = minute(reference, m);
        expect(JSON.stringify(minute(engine, m))).toBe(JSON.stringify(expected));
        for (const a of expected)
          notified.push(`${a.detector}/${a.model}/${a.status}/${a.evidence.resolution ?? ''}`);
      }
      const records = changelog.recordsFor(changesOf(engine));
      expect(byKeyOf(records)).toEqual(byKeyOf(whole.changes(checkpointOf(reference))));
      compact(topic, records, 'det/4/');
      tombstones += records.filter((r) => r.value === null).length;
      if (!restored && m >= 66) {
        // Mid-incident: gemini's no-data alert is firing.
        restored = true;
        changelog = new PartitionChangelog('det', 4);
        const checkpoint = changelog.restore(topic, null);
        expect(checkpoint!.engine.lifecycle.alerts.map((a) => a.phase)).toContain('firing');
        engine = createDetectionEngine();
        engine.restore(checkpoint!.engine);
      }
    }
    expect(engine.snapshot()).toEqual(reference.snapshot());
    expect(new Set(notified)).toEqual(
      new Set([
        'latency/gpt-4o/firing/',
        'latency/gpt-4o/resolved/recovered',
        'outage/gemini/firing/',
        'outage/gemini/resolved/recovered',
        'latency/llama/firing/',
        'outage/llama/firing/',
        'latency/llama/resolved/no_data',
      ]),
    );
    // At least the three resolved alerts went as tombstones.
    expect(tombstones).toBeGreaterThanOrEqual(3);
  });

  it('serialises only what a step touched: one series of many costs one series record', () => {
    const models = Array.from({ length: 120 }, (_, i) => `model-${i}`);
    const engine = createDetectionEngine();
    const changelog = new PartitionChangelog('det', 4);
    const whole = new PartitionChangelog('det', 4);
    feed(engine, models, 0, 3);
    changelog.recordsFor(changesOf(engine));
    whole.changes(checkpointOf(engine));

    engine.process(windowAggregate({ model: 'model-7', window_start: T0 + 3 * MINUTE, events: 100 }));
    const changes = changesOf(engine);
    const checkpoint = checkpointOf(engine);
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      const records = changelog.recordsFor(changes);
      // The series, its group, its peers and the meta; one series record of 120.
      expect(stringify).toHaveBeenCalledTimes(4);
      expect(records.filter((r) => String(r.key).includes('/s/')).map((r) => String(r.key))).toEqual([
        expect.stringContaining('model-7'),
      ]);
      stringify.mockClear();
      expect(byKeyOf(whole.changes(checkpoint))).toEqual(byKeyOf(records));
      // The whole checkpoint serialises every series to find the same records.
      expect(stringify.mock.calls.length).toBeGreaterThan(models.length);
    } finally {
      stringify.mockRestore();
    }
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
