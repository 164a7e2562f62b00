import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runToEnd, say } from './common.js';

export interface StatePoint {
  readonly kind: 'aggregator' | 'detector';
  readonly series: number;
  readonly heapBytesPerSeries: number;
  readonly rssBytesPerSeries: number;
  readonly rssMb: number;
  readonly [extra: string]: number | string;
}

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'state-child.js');

async function point(kind: 'aggregator' | 'detector', series: number): Promise<StatePoint> {
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

/** Heap (JS heap + external + array buffers) and RSS growth per active series, one child per size. */
export async function measureState(sizes: readonly number[]): Promise<StatePoint[]> {
  const points: StatePoint[] = [];
  for (const kind of ['aggregator', 'detector'] as const) {
    for (const series of sizes) {
      const p = await point(kind, series);
      say(
        `state ${kind} ${series.toLocaleString('en-US')} series: ${Math.round(p.heapBytesPerSeries)} B/series heap, ` +
          `${Math.round(p.rssBytesPerSeries)} B/series RSS`,
      );
      points.push(p);
    }
  }
  return points;
}
