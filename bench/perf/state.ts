import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runToEnd, say } from './common.js';

export interface StatePoint {
  readonly kind: 'aggregator' | 'tenants' | 'detector';
  readonly series: number;
  readonly heapBytesPerSeries: number;
  readonly rssBytesPerSeries: number;
  readonly rssMb: number;
  readonly [extra: string]: number | string;
}

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'state-child.js');

async function point(kind: StatePoint['kind'], series: number): Promise<StatePoint> {
  const child = await runToEnd(process.execPath, [
    '--expose-gc',
    '--max-old-space-size=4096',
    CHILD,
    kind,
    String(series),
  ]);
  if (child.code !== 0) throw new Error(`state child ${kind} ${series}: ${child.errTail}`);
  const out = child.out;
  return JSON.parse(out.trim().split('\n').pop()!) as StatePoint;
}

/**
 * Heap (JS heap + external + array buffers) and RSS growth per active series, one child per size; and the
 * per-tenant clocks' cost: the same series each its own tenant over 6 raw partitions, against the
 * aggregator's run (few tenants), in heap and in committed bytes.
 */
export async function measureState(sizes: readonly number[]): Promise<StatePoint[]> {
  const points: StatePoint[] = [];
  for (const kind of ['aggregator', 'tenants', 'detector'] as const) {
    for (const series of sizes) {
      const p = await point(kind, series);
      say(
        `state ${kind} ${series.toLocaleString('en-US')} series: ${Math.round(p.heapBytesPerSeries)} B/series heap, ` +
          `${Math.round(p.rssBytesPerSeries)} B/series RSS`,
      );
      if (kind === 'tenants') {
        const same = points.find((q) => q.kind === 'aggregator' && q.series === series);
        const clock = same === undefined ? Number.NaN : p.heapBytesPerSeries - same.heapBytesPerSeries;
        say(
          `state tenant clocks (${series.toLocaleString('en-US')} tenants, 6 raw partitions each): ` +
            `${Math.round(clock)} B/tenant heap beyond the same series in few tenants, ` +
            `${Math.round(Number(p.committedBytesPerTenant))} B/tenant in the commit metadata`,
        );
      }
      points.push(p);
    }
  }
  return points;
}
