import { describe, expect, it } from 'vitest';
import { formatScoredRow, parseSeriesLine, parseTimestamp, SCORED_HEADER } from '../src/index.js';

describe('score-series CSV rows', () => {
  it('reads NAB-style, ISO and epoch timestamps', () => {
    expect(parseTimestamp('2014-07-01 00:30:00')).toBe(Date.UTC(2014, 6, 1, 0, 30));
    expect(parseTimestamp('2014-07-01T00:30:00.250')).toBe(Date.UTC(2014, 6, 1, 0, 30, 0, 250));
    expect(parseTimestamp('2014-07-01T02:30:00+02:00')).toBe(Date.UTC(2014, 6, 1, 0, 30));
    expect(parseTimestamp('1404174600')).toBe(1404174600000);
    expect(parseTimestamp('1404174600000')).toBe(1404174600000);
    expect(() => parseTimestamp('yesterday')).toThrow(/not a timestamp/);
  });

  it('skips the header and blank lines, echoes the row and appends the score', () => {
    expect(parseSeriesLine('timestamp,value')).toBeNull();
    expect(parseSeriesLine('  ')).toBeNull();
    const row = parseSeriesLine('"2014-07-01 00:00:00",10844\r')!;
    expect(row).toEqual({
      timestampText: '2014-07-01 00:00:00',
      timestampMs: Date.UTC(2014, 6, 1),
      valueText: '10844',
      value: 10844,
    });
    expect(formatScoredRow(row, 0.25)).toBe('2014-07-01 00:00:00,10844,0.25');
    expect(SCORED_HEADER).toBe('timestamp,value,anomaly_score');
  });

  it('names what is wrong with a bad row', () => {
    expect(() => parseSeriesLine('2014-07-01 00:00:00')).toThrow(/expected "timestamp,value"/);
    expect(() => parseSeriesLine('2014-07-01 00:00:00,abc')).toThrow(/not a number: "abc"/);
    expect(() => parseSeriesLine('2014-07-01 00:00:00,')).toThrow(/not a number/);
  });
});
