import { describe, expect, it } from 'vitest';
import {
  createSeriesCsvScorer,
  createSeriesScorer,
  formatScoredRow,
  parseSeriesLine,
  parseTimestamp,
  SCORED_HEADER,
  SeriesCsvError,
} from '../src/index.js';

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

  it('reads timestamps on the fast path exactly as the regex and Date.UTC did', () => {
    // The computation before the fast path: the fields, then Date.UTC (which maps years 0–99 to 1900–1999).
    const viaDateUtc = (text: string) => {
      const [y, mo, d, h, mi, s] = text.split(/[-: T]/).map(Number) as number[];
      return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, 0);
    };
    for (const text of [
      '2014-07-01 00:30:00',
      '2014-07-01 23:59:59', // the same day, from the cache
      '2016-02-29T23:59:59',
      '1969-12-31 23:59:59',
      '0099-01-01 00:00:00',
      '2014-13-01 00:30:00',
    ])
      expect([text, parseTimestamp(text)]).toEqual([text, viaDateUtc(text)]);
    expect(() => parseTimestamp('2014-07-01 00:3x:00')).toThrow(/not a timestamp/);
  });
});

/** What score-series wrote before createSeriesCsvScorer: the lines as readline splits them, a row each. */
function rowByRow(text: string): string {
  const scorer = createSeriesScorer();
  let out = '';
  for (const line of text.split(/\r\n|\n|\r/)) {
    const row = parseSeriesLine(line);
    if (row !== null) out += `${formatScoredRow(row, scorer.score(row.timestampMs, row.value))}\n`;
  }
  return out;
}

function chunked(text: string, cuts: readonly number[]): string {
  const scorer = createSeriesScorer();
  const csv = createSeriesCsvScorer((t, x) => scorer.score(t, x));
  let out = '';
  let from = 0;
  for (const at of [...cuts, text.length]) {
    out += csv.push(text.slice(from, at));
    from = at;
  }
  return out + csv.end();
}

describe('score-series CSV chunks', () => {
  const T = Date.UTC(2014, 6, 1);
  const rows = Array.from({ length: 400 }, (_, i) => {
    const stamp = new Date(T + i * 300_000).toISOString().slice(0, 19).replace('T', ' ');
    return `${stamp},${(Math.sin(i / 7) * 10 + (i === 300 ? 80 : 0)).toFixed(3)}`;
  });
  const breaks = ['\n', '\r\n', '\r'];
  const text = `timestamp,value\n${rows.map((r, i) => r + breaks[i % 3]).join('')}"2014-07-03 00:00:00" , 5`;

  it('gives the row-by-row output for any split of the text, \\r\\n and a lone \\r included', () => {
    const whole = rowByRow(text);
    expect(whole.split('\n')).toHaveLength(402);
    expect(chunked(text, [])).toBe(whole);
    for (let at = 1; at < 200; at++) expect(chunked(text, [at, at + 1, at + 37])).toBe(whole);
    // Every cut that falls between a \r and its \n.
    const crlf = [...text.matchAll(/\r\n/g)].map((m) => (m.index ?? 0) + 1);
    expect(chunked(text, crlf)).toBe(whole);
  });

  it('counts rows and steps back, and names the line of a bad row with the rows before it', () => {
    const scorer = createSeriesScorer();
    const csv = createSeriesCsvScorer((t, x) => scorer.score(t, x));
    csv.push('timestamp,value\n2014-07-01 00:10:00,1\n2014-07-01 00:05:00,2\r\n2014-07-01 00:06:00,3\n');
    expect([csv.rows, csv.stepsBack, csv.firstStepBackLine]).toEqual([3, 1, 3]);
    let error: unknown;
    try {
      csv.push('2014-07-01 00:07:00,4\n\n2014-07-01 00:08:00,x\n');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SeriesCsvError);
    expect((error as SeriesCsvError).lineNumber).toBe(7);
    expect((error as SeriesCsvError).message).toBe('not a number: "x"');
    expect((error as SeriesCsvError).output).toMatch(/^2014-07-01 00:07:00,4,[\d.e-]+\n$/);
  });
});
