import { describe, expect, it } from 'vitest';
import { parseSource, sourceAcrossPartitions } from '../src/index.js';

describe('record sources', () => {
  it('reads id/count and falls back to one source', () => {
    expect(parseSource('2/3')).toEqual({ id: '2', count: 3 });
    expect(parseSource('x')).toEqual({ id: 'x', count: 1 });
    expect(parseSource('1/zero')).toEqual({ id: '1', count: 1 });
  });

  it('across events partitions: one source per (events partition, raw partition), all of them announced', () => {
    expect(sourceAcrossPartitions(1, 3, '2/4')).toEqual({ id: '1:2', count: 12 });
    expect(sourceAcrossPartitions(0, 3, undefined)).toEqual({ id: '0:', count: 3 });
    // before an assignment is known, at least the one partition
    expect(sourceAcrossPartitions(0, 0, '0/1')).toEqual({ id: '0:0', count: 1 });
  });
});
