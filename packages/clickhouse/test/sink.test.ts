import { RetryableError, UnrecoverableError } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { ClickHouseSink } from '../src/sink.js';

/**
 * A recording inserter: keeps every batch it "acknowledged" and fails the calls the test scripts. It
 * stands in for the transport only; the real server is exercised by test/integration/clickhouse-*.test.ts.
 */
class ScriptedInserter {
  readonly batches: Array<{ table: string; rows: Record<string, unknown>[] }> = [];
  readonly failures: unknown[] = [];
  calls = 0;
  gate: Promise<void> | null = null;

  async insertRows(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    this.calls += 1;
    if (this.gate !== null) await this.gate;
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    this.batches.push({ table, rows: [...rows] });
  }
}

const toRow = (n: number) => ({ n });
const noSleep = async () => undefined;
const serverError = (code: number) => new Error(`Code: ${code}, e.displayText() = DB::Exception: boom`);

function sink(inserter: ScriptedInserter, settings: Record<string, number> = {}, extra: object = {}) {
  return new ClickHouseSink<number>({
    executor: inserter,
    database: 'aiops',
    table: 'events',
    toRow,
    settings: { maxBatchDelayMs: 20, ...settings },
    sleep: noSleep,
    random: () => 0.5,
    ...extra,
  });
}

describe('ClickHouseSink', () => {
  it('sends a full batch at once and resolves the write when it is acknowledged', async () => {
    const inserter = new ScriptedInserter();
    const s = sink(inserter, { maxBatchRows: 3, maxBatchDelayMs: 60_000 });
    await s.write([1, 2, 3]);
    expect(inserter.batches).toEqual([{ table: 'aiops.events', rows: [{ n: 1 }, { n: 2 }, { n: 3 }] }]);
    expect(s.pendingRows).toBe(0);
    await s.close();
  });

  it('sends a partial batch after maxBatchDelayMs, merging several writes', async () => {
    const inserter = new ScriptedInserter();
    const s = sink(inserter, { maxBatchRows: 100, maxBatchDelayMs: 30 });
    const started = Date.now();
    const a = s.write([1]);
    const b = s.write([2, 3]);
    expect(s.pendingRows).toBe(3);
    await Promise.all([a, b]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(inserter.batches.map((batch) => batch.rows.length)).toEqual([3]);
    await s.close();
  });

  it('splits a large write into batches of maxBatchRows, inserted in order', async () => {
    const inserter = new ScriptedInserter();
    const s = sink(inserter, { maxBatchRows: 4 });
    await s.write(Array.from({ length: 10 }, (_, i) => i));
    expect(inserter.batches.map((batch) => batch.rows.length)).toEqual([4, 4, 2]);
    expect(inserter.batches.flatMap((batch) => batch.rows.map((row) => row.n))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    await s.close();
  });

  it('flush sends what is buffered without waiting for the timer', async () => {
    const inserter = new ScriptedInserter();
    const s = sink(inserter, { maxBatchRows: 100, maxBatchDelayMs: 60_000 });
    const write = s.write([1, 2]);
    await s.flush();
    await write;
    expect(inserter.batches).toHaveLength(1);
    await s.close();
  });

  it('retries retryable failures with backoff, then acknowledges', async () => {
    const inserter = new ScriptedInserter();
    inserter.failures.push(
      serverError(252),
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );
    const delays: number[] = [];
    const retries: number[] = [];
    const s = sink(
      inserter,
      { maxBatchRows: 2, baseRetryDelayMs: 100 },
      {
        sleep: async (ms: number) => {
          delays.push(ms);
        },
        listener: { onRetry: (info: { attempt: number }) => retries.push(info.attempt) },
      },
    );
    await s.write([1, 2]);
    expect(inserter.calls).toBe(3);
    expect(inserter.batches).toHaveLength(1);
    expect(retries).toEqual([1, 2]);
    expect(delays).toEqual([75, 150]);
    expect(s.stats()).toMatchObject({ retries: 2, insertedRows: 2, insertedBatches: 1, failedBatches: 0 });
    await s.close();
  });

  it('rejects with UnrecoverableError on a data error, without retrying, and goes on with the next batch', async () => {
    const inserter = new ScriptedInserter();
    inserter.failures.push(serverError(53));
    const s = sink(inserter, { maxBatchRows: 2 });
    const bad = s.write([1, 2]);
    const good = s.write([3, 4]);
    await expect(bad).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(bad).rejects.toMatchObject({ reason: 'clickhouse_rejected' });
    await good;
    expect(inserter.calls).toBe(2);
    expect(inserter.batches.map((batch) => batch.rows)).toEqual([[{ n: 3 }, { n: 4 }]]);
    expect(s.stats().failedBatches).toBe(1);
    await s.close();
  });

  it('gives up after maxAttempts with a RetryableError', async () => {
    const inserter = new ScriptedInserter();
    for (let i = 0; i < 3; i += 1) inserter.failures.push(serverError(159));
    const s = sink(inserter, { maxBatchRows: 1, maxAttempts: 3 });
    await expect(s.write([1])).rejects.toBeInstanceOf(RetryableError);
    expect(inserter.calls).toBe(3);
    expect(s.pendingRows).toBe(0);
    await s.close();
  });

  it('rejects a write whose rows cannot be mapped, before queueing anything', async () => {
    const inserter = new ScriptedInserter();
    const s = new ClickHouseSink<number>({
      executor: inserter,
      database: 'aiops',
      table: 'events',
      toRow: (n) => {
        if (n < 0) throw new Error('negative');
        return { n };
      },
    });
    await expect(s.write([1, -1])).rejects.toMatchObject({ reason: 'row_mapping_failed' });
    expect(s.pendingRows).toBe(0);
    await s.close();
    expect(inserter.calls).toBe(0);
  });

  it('signals saturation while rows pile up and clears it once they are acknowledged', async () => {
    const inserter = new ScriptedInserter();
    let open!: () => void;
    inserter.gate = new Promise((resolve) => {
      open = resolve;
    });
    const s = sink(inserter, { maxBatchRows: 2, maxPendingRows: 4 });
    const first = s.write([1, 2]);
    expect(s.isSaturated()).toBe(false);
    const second = s.write([3, 4]);
    expect(s.pendingRows).toBe(4);
    expect(s.isSaturated()).toBe(true);
    let writable = false;
    const waiting = s.whenWritable().then(() => {
      writable = true;
    });
    await Promise.resolve();
    expect(writable).toBe(false);
    inserter.gate = null;
    open();
    await Promise.all([first, second, waiting]);
    expect(writable).toBe(true);
    expect(s.isSaturated()).toBe(false);
    await s.close();
  });

  it('is saturated while retrying with batches queued behind', async () => {
    const inserter = new ScriptedInserter();
    inserter.failures.push(serverError(252));
    let release!: () => void;
    const s = sink(
      inserter,
      { maxBatchRows: 1, maxPendingRows: 1000 },
      {
        sleep: () =>
          new Promise<void>((resolve) => {
            release = resolve;
          }),
      },
    );
    const a = s.write([1]);
    const b = s.write([2]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(s.isSaturated()).toBe(true);
    release();
    await Promise.all([a, b]);
    expect(s.isSaturated()).toBe(false);
    await s.close();
  });

  it('an operator error (wrong password) blocks the sink: nothing rejected or dropped, retried slowly until fixed', async () => {
    const inserter = new ScriptedInserter();
    const wrongPassword = serverError(516);
    inserter.failures.push(wrongPassword, wrongPassword, wrongPassword);
    const sleeps: number[] = [];
    let wake!: () => void;
    const events: string[] = [];
    const s = sink(
      inserter,
      { maxBatchRows: 2, blockedRetryDelayMs: 5000 },
      {
        sleep: (ms: number) =>
          new Promise<void>((resolve) => {
            sleeps.push(ms);
            wake = resolve;
          }),
        listener: {
          onBlocked: (info: { reason: string; retryDelayMs: number }) =>
            events.push(`blocked ${info.reason} ${info.retryDelayMs}`),
          onResumed: (info: { reason: string }) => events.push(`resumed ${info.reason}`),
          onFailed: () => events.push('failed'),
        },
      },
    );
    let settled = false;
    const write = s.write([1, 2]).finally(() => {
      settled = true;
    });
    for (let retry = 0; retry < 3; retry++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(s.blocked()).toMatchObject({ reason: 'AUTHENTICATION_FAILED', code: 516 });
      expect(s.isSaturated()).toBe(true);
      expect(settled).toBe(false);
      wake();
    }
    await write;
    expect(inserter.calls).toBe(4);
    expect(inserter.batches.map((batch) => batch.rows)).toEqual([[{ n: 1 }, { n: 2 }]]);
    expect(sleeps).toEqual([5000, 5000, 5000]);
    expect(events).toEqual(['blocked AUTHENTICATION_FAILED 5000', 'resumed AUTHENTICATION_FAILED']);
    expect(s.blocked()).toBeNull();
    expect(s.isSaturated()).toBe(false);
    await s.close();
  });

  it.each([
    [60, 'UNKNOWN_TABLE'],
    [81, 'UNKNOWN_DATABASE'],
    [497, 'ACCESS_DENIED'],
    [164, 'READONLY'],
  ])('code %i (%s) blocks instead of rejecting the batch', async (code, reason) => {
    const inserter = new ScriptedInserter();
    inserter.failures.push(serverError(code));
    const blocked: string[] = [];
    const s = sink(
      inserter,
      { maxBatchRows: 1 },
      { listener: { onBlocked: (i: { reason: string }) => blocked.push(i.reason) } },
    );
    await s.write([7]);
    expect(blocked).toEqual([reason]);
    expect(inserter.batches.map((batch) => batch.rows)).toEqual([[{ n: 7 }]]);
    expect(s.stats().failedBatches).toBe(0);
    await s.close();
  });

  /** A sink whose server refuses every insert with `code`, its retry a long way off, and one write in it. */
  async function blockedSink(code: number) {
    const inserter = new ScriptedInserter();
    for (let i = 0; i < 100; i++) inserter.failures.push(serverError(code));
    const s = sink(inserter, { maxBatchRows: 1, blockedRetryDelayMs: 600_000 }, { sleep: undefined });
    const write = s.write([1]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    return { s, write };
  }

  it('stopRetrying (shutdown) makes a blocked write reject with a RetryableError, promptly', async () => {
    const { s, write } = await blockedSink(193);
    expect(s.blocked()?.reason).toBe('WRONG_PASSWORD');
    const started = Date.now();
    s.stopRetrying();
    await expect(write).rejects.toBeInstanceOf(RetryableError);
    expect(Date.now() - started).toBeLessThan(1000);
    await s.close();
  });

  it('close gives up on a blocked write instead of hanging', async () => {
    const { s, write } = await blockedSink(60);
    expect(s.blocked()?.reason).toBe('UNKNOWN_TABLE');
    const outcome = expect(write).rejects.toBeInstanceOf(RetryableError);
    await s.close();
    await outcome;
  });

  it('insertNow sends exactly its rows as one request, outside the batching queue', async () => {
    const inserter = new ScriptedInserter();
    const s = sink(inserter, { maxBatchRows: 100, maxBatchDelayMs: 60_000 });
    const queued = s.write([1]);
    await s.insertNow([2, 3]);
    expect(inserter.batches.map((batch) => batch.rows)).toEqual([[{ n: 2 }, { n: 3 }]]);
    inserter.failures.push(serverError(53));
    await expect(s.insertNow([4])).rejects.toMatchObject({ reason: 'clickhouse_rejected' });
    await s.flush();
    await queued;
    await s.close();
  });

  it('refuses writes after close and refuses bad table names and settings', async () => {
    const inserter = new ScriptedInserter();
    const s = sink(inserter);
    await s.close();
    await expect(s.write([1])).rejects.toThrow(/closed/);
    expect(() => new ClickHouseSink({ executor: inserter, database: 'a;b', table: 't', toRow })).toThrow(
      /database/,
    );
    expect(
      () =>
        new ClickHouseSink({
          executor: inserter,
          database: 'a',
          table: 't',
          toRow,
          settings: { maxBatchRows: -1 },
        }),
    ).toThrow(/maxBatchRows/);
  });
});
