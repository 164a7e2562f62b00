/**
 * The `timestamp,value` rows that `aiops score-series` streams: pure parsing, no I/O. Timestamps may be
 * `YYYY-MM-DD HH:MM:SS[.fff]` (taken as UTC, as NAB's), ISO 8601 with a zone, or epoch seconds/milliseconds.
 */
export interface SeriesRow {
  /** The timestamp as written, echoed back unchanged in the output. */
  readonly timestampText: string;
  readonly timestampMs: number;
  readonly valueText: string;
  readonly value: number;
}

const NAIVE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/;

export function parseTimestamp(text: string): number {
  const t = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return Math.abs(n) < 1e11 ? n * 1000 : n; // seconds before the year 5138, milliseconds otherwise
  }
  const m = NAIVE.exec(t);
  if (m !== null) {
    const ms = m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1000);
    return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0), ms);
  }
  const parsed = Date.parse(t);
  if (Number.isNaN(parsed)) throw new RangeError(`not a timestamp: ${JSON.stringify(text)}`);
  return parsed;
}

/**
 * Parses one CSV line; null for a blank line or the `timestamp,value` header. Throws a RangeError naming the
 * problem for anything else that is not `timestamp,value`.
 */
export function parseSeriesLine(line: string): SeriesRow | null {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.trim() === '') return null;
  const comma = text.indexOf(',');
  if (comma < 0) throw new RangeError(`expected "timestamp,value", got ${JSON.stringify(text)}`);
  const timestampText = unquote(text.slice(0, comma));
  const valueText = unquote(text.slice(comma + 1));
  if (timestampText.toLowerCase() === 'timestamp') return null;
  const value = Number(valueText);
  if (valueText === '' || !Number.isFinite(value))
    throw new RangeError(`not a number: ${JSON.stringify(valueText)}`);
  return { timestampText, timestampMs: parseTimestamp(timestampText), valueText, value };
}

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** One output row: the input echoed, then the anomaly score. */
export function formatScoredRow(row: SeriesRow, score: number): string {
  return `${row.timestampText},${row.valueText},${score}`;
}

export const SCORED_HEADER = 'timestamp,value,anomaly_score';
