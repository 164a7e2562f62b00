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
  const naive = naiveSeconds(t);
  if (naive >= 0) return naive;
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

/** The day of the last fast-path timestamp: rows of a series mostly share their day with the row before. */
let cachedDayKey = -1;
let cachedDayMs = 0;

/**
 * `YYYY-MM-DD HH:MM:SS` (or `T`), the NAB shape, read from char codes without a regex or a Date.UTC per row:
 * the same value as the general path below (Date.UTC's time arithmetic is exact integer arithmetic); −1 for
 * any other shape, which takes the general path.
 */
function naiveSeconds(t: string): number {
  if (t.length !== 19) return -1;
  const sep = t.charCodeAt(10);
  if (
    t.charCodeAt(4) !== 45 ||
    t.charCodeAt(7) !== 45 ||
    (sep !== 32 && sep !== 84) ||
    t.charCodeAt(13) !== 58 ||
    t.charCodeAt(16) !== 58
  )
    return -1;
  const year = digits(t, 0, 4);
  const month = digits(t, 5, 2);
  const day = digits(t, 8, 2);
  const hour = digits(t, 11, 2);
  const minute = digits(t, 14, 2);
  const second = digits(t, 17, 2);
  if ((year | month | day | hour | minute | second) < 0) return -1;
  const dayKey = year * 10_000 + month * 100 + day;
  if (dayKey !== cachedDayKey) {
    cachedDayMs = Date.UTC(year, month - 1, day);
    cachedDayKey = dayKey;
  }
  return cachedDayMs + hour * 3_600_000 + minute * 60_000 + second * 1000;
}

/** The decimal number in t[at, at + n), or −1 if a character is not a digit. */
function digits(t: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
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
  // Only a 9-character text can lower-case to 'timestamp': no toLowerCase copy per row.
  if (timestampText.length === 9 && timestampText.toLowerCase() === 'timestamp') return null;
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

/** A row that is not `timestamp,value`, with its 1-based line number and the output of the rows before it. */
export class SeriesCsvError extends RangeError {
  constructor(
    message: string,
    readonly lineNumber: number,
    /** Scored rows of the same chunk before the bad line (not yet returned by `push`). */
    readonly output: string,
  ) {
    super(message);
    this.name = 'SeriesCsvError';
  }
}

/**
 * Scores CSV text chunk by chunk (any split, as a stream delivers it) and returns the scored rows as text
 * (`formatScoredRow` + `\n` per row, the header excluded): what `aiops score-series` does, without a readline
 * event, an await and a write per row. Lines end at `\n`, `\r\n` or a lone `\r` (as node's readline splits
 * them). A row earlier than the one before it is scored in arrival order and counted.
 */
export interface SeriesCsvScorer {
  /** Scores the complete lines of `chunk` (a trailing partial line waits for the next chunk). */
  push(chunk: string): string;
  /** Scores the last line if the text did not end with a line break. */
  end(): string;
  readonly rows: number;
  /** Rows whose timestamp is earlier than the previous row's, and the first one's line number. */
  readonly stepsBack: number;
  readonly firstStepBackLine: number | null;
}

export function createSeriesCsvScorer(
  score: (timestampMs: number, value: number) => number,
): SeriesCsvScorer {
  let pending = '';
  let lineNumber = 0;
  let rows = 0;
  let last = Number.NEGATIVE_INFINITY;
  let stepsBack = 0;
  let firstStepBackLine: number | null = null;

  // Scores text[from, to) as one line, appending to out.
  const line = (text: string, from: number, to: number, out: string): string => {
    lineNumber++;
    let row: SeriesRow | null;
    const lineText = text.slice(from, to);
    try {
      row = parseSeriesLine(lineText);
    } catch (error) {
      throw new SeriesCsvError((error as Error).message, lineNumber, out);
    }
    if (row === null) return out;
    if (row.timestampMs < last) {
      stepsBack++;
      firstStepBackLine ??= lineNumber;
    }
    last = row.timestampMs;
    rows++;
    const value = score(row.timestampMs, row.value);
    // formatScoredRow's text. The line itself when trimming and unquoting removed nothing (most rows: one
    // concatenation less), and `+` rather than a template: measured faster for this per-row append.
    const echoed =
      row.timestampText.length + row.valueText.length + 1 === lineText.length
        ? lineText
        : `${row.timestampText},${row.valueText}`;
    // biome-ignore lint/style/useTemplate: measured faster than a template literal here
    return out + echoed + ',' + String(value) + '\n';
  };

  // Scores every line of text that a break ends (all of it if final); returns the output and where the rest
  // starts. nl and cr are the next \n and \r at or after start (−1: none), each searched again only once passed.
  const lines = (text: string, final: boolean): { out: string; rest: number } => {
    let out = '';
    let start = 0;
    let nl = text.indexOf('\n');
    let cr = text.indexOf('\r');
    while (nl >= 0 || cr >= 0) {
      let next: number;
      if (cr >= 0 && (nl < 0 || cr < nl)) {
        // A \r that ends the chunk may be the first half of a \r\n: wait for the next chunk.
        if (cr === text.length - 1 && !final) break;
        out = line(text, start, cr, out);
        next = text.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
      } else {
        out = line(text, start, nl, out);
        next = nl + 1;
      }
      start = next;
      if (nl >= 0 && nl < start) nl = text.indexOf('\n', start);
      if (cr >= 0 && cr < start) cr = text.indexOf('\r', start);
    }
    if (final && start < text.length) {
      out = line(text, start, text.length, out);
      start = text.length;
    }
    return { out, rest: start };
  };

  return {
    push(chunk) {
      const text = pending === '' ? chunk : pending + chunk;
      const { out, rest } = lines(text, false);
      pending = text.slice(rest);
      return out;
    },
    end() {
      const { out } = lines(pending, true);
      pending = '';
      return out;
    },
    get rows() {
      return rows;
    },
    get stepsBack() {
      return stepsBack;
    },
    get firstStepBackLine() {
      return firstStepBackLine;
    },
  };
}
