import { Writable } from 'node:stream';
import { ClickHouseSink } from '@aiops/clickhouse';
import { createLogger } from '@aiops/ops';
import { describe, expect, it } from 'vitest';
import { writeDurably } from '../src/durable-write.js';

/**
 * The writer's decision on a refused batch, over the real sink with a scripted transport (the real
 * server is exercised by test/integration/writer-blocked.test.ts): bad rows are found by bisection, and
 * an operator error dead-letters nothing.
 */

const serverError = (code: number, text: string) =>
  new Error(`Code: ${code}, e.displayText() = DB::Exception: ${text}, e.what() = DB::Exception\n`);

/** Refuses any request holding a row in `bad` (CANNOT_PARSE_TEXT), or every request while `failAll` is set. */
class ScriptedServer {
  requests = 0;
  readonly stored: number[] = [];
  failAll: Error | null = null;
  constructor(private readonly bad: ReadonlySet<number>) {}
  async insertRows(_table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    this.requests += 1;
    if (this.failAll) throw this.failAll;
    const culprit = rows.find((row) => this.bad.has(row.n as number));
    if (culprit) throw serverError(6, `Cannot parse input: row ${String(culprit.n)}`);
    this.stored.push(...rows.map((row) => row.n as number));
  }
}

function setup(server: ScriptedServer) {
  const lines: string[] = [];
  const logger = createLogger({
    service: 'writer-test',
    level: 'debug',
    destination: new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    }),
  });
  const sink = new ClickHouseSink<number>({
    executor: server,
    database: 'aiops',
    table: 'events',
    toRow: (n) => ({ n }),
    settings: { maxBatchRows: 5000, maxBatchDelayMs: 5, blockedRetryDelayMs: 20 },
  });
  return { sink, lines, options: { logger, outageRetryDelayMs: 10, stopping: () => false } };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('writeDurably', () => {
  it('one bad row in 1,000: only it is refused, found in O(log n) requests, the rest stored', async () => {
    const server = new ScriptedServer(new Set([421]));
    const { sink, options } = setup(server);
    const refused = await writeDurably(sink, range(1000), options);
    expect(refused.map((r) => r.item)).toEqual([421]);
    expect(String(refused[0]!.error)).toMatch(/row 421/);
    expect(server.stored.sort((a, b) => a - b)).toEqual(range(1000).filter((n) => n !== 421));
    // The batch, then the bisection: 1 + 2 per level over 10 levels. Row by row would be 1,001.
    expect(server.requests).toBe(22);
    await sink.close();
  });

  it('a wrong password dead-letters nothing: the write waits until the password works again', async () => {
    const server = new ScriptedServer(new Set());
    server.failAll = serverError(516, 'writer: Authentication failed: password is incorrect');
    const { sink, options, lines } = setup(server);
    const write = writeDurably(sink, range(100), options);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sink.blocked()?.reason).toBe('AUTHENTICATION_FAILED');
    expect(server.stored).toEqual([]);
    server.failAll = null;
    expect(await write).toEqual([]);
    expect(server.stored).toEqual(range(100));
    expect(sink.blocked()).toBeNull();
    // Retried several times, yet no per-retry log line from the write path.
    expect(server.requests).toBeGreaterThan(3);
    expect(lines.filter((line) => /"level":(40|50)/.test(line))).toEqual([]);
    await sink.close();
  });

  it('a dropped table (UNKNOWN_TABLE) dead-letters nothing either', async () => {
    const server = new ScriptedServer(new Set([5]));
    server.failAll = serverError(60, 'Table aiops.events does not exist');
    const { sink, options } = setup(server);
    const write = writeDurably(sink, range(10), options);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sink.blocked()?.reason).toBe('UNKNOWN_TABLE');
    server.failAll = null;
    // Once the table is back, the one bad row is still isolated as data.
    expect((await write).map((r) => r.item)).toEqual([5]);
    expect(server.stored.sort((a, b) => a - b)).toEqual(range(10).filter((n) => n !== 5));
    await sink.close();
  });
});
