import { describe, expect, it } from 'vitest';
import { isolateRejected } from '../src/bisect.js';

class RowRefused extends Error {}

/** A destination that refuses any request holding one of `bad`, and counts requests. */
function destination(bad: ReadonlySet<number>) {
  const written: number[] = [];
  let requests = 0;
  return {
    written,
    get requests() {
      return requests;
    },
    write: async (items: readonly number[]) => {
      requests += 1;
      const culprit = items.find((item) => bad.has(item));
      if (culprit !== undefined) throw new RowRefused(`row ${culprit} refused`);
      written.push(...items);
    },
  };
}

const isRowRefused = (error: unknown) => error instanceof RowRefused;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('isolateRejected', () => {
  it('one bad row in 1,000 costs about 2·log2(1000) requests, not 1,000', async () => {
    const items = range(1000);
    const d = destination(new Set([637]));
    const rejected = await isolateRejected(items, d.write, isRowRefused);
    expect(rejected.map((r) => r.item)).toEqual([637]);
    expect((rejected[0]!.error as Error).message).toBe('row 637 refused');
    // 1 for the whole list, then a good and a bad half on each of the 10 levels down to one row.
    expect(d.requests).toBe(21);
    expect(d.requests).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(1000)) + 1);
    expect(d.written.sort((a, b) => a - b)).toEqual(items.filter((i) => i !== 637));
  });

  it('k bad rows cost O(k·log n) requests and every other row is written once', async () => {
    const items = range(1000);
    const bad = new Set([3, 400, 401, 999]);
    const d = destination(bad);
    const rejected = await isolateRejected(items, d.write, isRowRefused);
    expect(rejected.map((r) => r.item)).toEqual([3, 400, 401, 999]);
    expect(d.requests).toBeLessThanOrEqual(bad.size * 2 * Math.ceil(Math.log2(1000)) + 1);
    expect(d.written.sort((a, b) => a - b)).toEqual(items.filter((i) => !bad.has(i)));
  });

  it('a clean list is one request', async () => {
    const d = destination(new Set());
    expect(await isolateRejected(range(5000), d.write, isRowRefused)).toEqual([]);
    expect(d.requests).toBe(1);
  });

  it('every row bad: each is returned with its own error', async () => {
    const d = destination(new Set(range(8)));
    const rejected = await isolateRejected(range(8), d.write, isRowRefused);
    expect(rejected.map((r) => (r.error as Error).message)).toEqual(range(8).map((i) => `row ${i} refused`));
    expect(d.requests).toBe(15);
  });

  it('a failure that is not about the rows is thrown as it is, at any depth', async () => {
    let requests = 0;
    const outage = new Error('connect ECONNREFUSED');
    const write = async (items: readonly number[]) => {
      requests += 1;
      // Refused for a row twice, then the server goes away in the middle of the bisection.
      if (requests <= 2 && items.length > 1) throw new RowRefused('row refused');
      throw outage;
    };
    await expect(isolateRejected(range(1000), write, isRowRefused)).rejects.toBe(outage);
    expect(requests).toBe(3);
  });

  it('an empty list makes no request', async () => {
    const d = destination(new Set());
    expect(await isolateRejected([], d.write, isRowRefused)).toEqual([]);
    expect(d.requests).toBe(0);
  });
});
