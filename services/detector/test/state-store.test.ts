import { gzipSync } from 'node:zlib';
import { createDetectionEngine } from '@aiops/detectors';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, type PartitionCheckpoint } from '../src/state-store.js';

describe('detector checkpoints', () => {
  const engine = createDetectionEngine().snapshot();

  it('round-trip, held windows and per-source watermarks included', () => {
    const checkpoint: PartitionCheckpoint = {
      v: 2,
      partition: 4,
      engine,
      aligner: {
        clockMs: 120_000,
        lastTickMs: 120_000,
        sources: [
          ['0', 120_000],
          ['1', 180_000],
        ],
        expectedSources: 2,
        held: [{ offset: '17', value: 'AAEC' }],
      },
    };
    expect(decodeCheckpoint(encodeCheckpoint(checkpoint))).toEqual(checkpoint);
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
