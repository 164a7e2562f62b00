import { seriesKey } from '@aiops/contract';
import { Rng } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { type AlignedWindow, PartitionDetector } from '../src/index.js';
import { MIN, normalWindow, T0 } from './helpers.js';

const OPTIONS = {
  tickStepMs: 10_000,
  sourceIdleTimeoutMs: Number.MAX_SAFE_INTEGER,
  backfill: 'learn',
  liveHorizonMs: 15 * MIN,
} as const;

/** Minute `i` of tenant `new`, with a 6× p95 spike from `spikeFrom` on, closed `behind` ms behind live data. */
function held(r: Rng, i: number, behind: number, spikeFrom: number): AlignedWindow {
  const w = normalWindow(r, i, { tenant_id: 'new' });
  const window = i >= spikeFrom ? { ...w, latency_p95_ms: w.latency_p95_ms! * 6 } : w;
  return { window, series: seriesKey(window), behind };
}

describe('PartitionDetector (one windows partition, without Kafka)', () => {
  it('learns from history without paging or judging absence, then pages on live data; its changes say who is in backfill', () => {
    const detector = new PartitionDetector<AlignedWindow>({}, OPTIONS);
    const r = new Rng(7);
    const source = { id: 'aggregator-0', count: 1 };
    // 90 minutes of history (an incident in it at 40–50), then a 40-minute hole: history is not judged
    // for absence either.
    for (let i = 0; i < 90; i++) detector.add(held(r, i, 2 * 60 * MIN, i >= 40 && i < 50 ? 40 : 1_000));
    detector.observeWatermark(source, T0 + 130 * MIN, 0);
    expect(detector.judge(0, () => expect.fail('nothing fails'))).toEqual([]);
    expect(detector.takeChanges((h) => h.series).backfilling).toEqual(['new']);

    // Live now: its latency spike fires once, on the baseline the history taught.
    for (let i = 130; i < 150; i++) detector.add(held(r, i, 0, 140));
    detector.observeWatermark(source, T0 + 150 * MIN, 0);
    const live = detector.judge(0, () => expect.fail('nothing fails'));
    expect(live.filter((a) => a.detector === 'latency' && a.status === 'firing')).toHaveLength(1);
    const changes = detector.takeChanges((h) => h.series);
    expect(changes.backfilling).toEqual([]);
    expect(changes.aligner.held).toEqual([]);
  });
});
