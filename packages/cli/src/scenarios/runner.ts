import type { Alert } from '@aiops/contract';
import type { ScenarioLabel } from '@aiops/detectors';
import type { Simulation } from '@aiops/simulator';
import { type PipelineCounts, ScenarioPipeline, type ScenarioPipelineOptions } from './pipeline.js';

/** The simulator's labels as the scenario scorer reads them; `prefix` keeps ids unique across seeds. */
export function scenarioLabels(simulation: Simulation, prefix = ''): ScenarioLabel[] {
  return simulation.labels.map((l) => ({
    id: `${prefix}${l.id}`,
    detector: l.detector,
    series: l.series,
    startMs: l.startMs,
    endMs: l.endMs,
    description: l.description,
    corroborating: l.corroborating,
  }));
}

export interface ScenarioRunOptions extends Omit<ScenarioPipelineOptions, 'env'> {
  readonly simulation: Simulation;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Wall-time limit for the whole run once the services are up (default 10 min). */
  readonly timeoutMs?: number;
  /** Delete the run's topics and drop its database at the end (default true). */
  readonly cleanup?: boolean;
  /** Progress lines, every `progressEveryMs` (default 5 s). */
  readonly onProgress?: (line: string) => void;
  readonly progressEveryMs?: number;
}

export interface ScenarioRunResult {
  readonly id: string;
  readonly alerts: Alert[];
  readonly eventsProduced: number;
  readonly eventsValidated: number;
  /** Rows in ClickHouse after the run (FINAL). */
  readonly eventsWritten: number;
  readonly windows: number;
  readonly windowsWritten: number;
  readonly alertsWritten: number;
  readonly wallMs: number;
  /** Wall time from the first event produced to the last alert read. */
  readonly processingMs: number;
}

const n = (value: number): string => value.toLocaleString('en-US');

/** One line of live counters: how far the producer got, and what each stage has done so far. */
export function formatProgress(counts: PipelineCounts): string {
  const at =
    counts.producedUpToMs === null ? '-' : new Date(counts.producedUpToMs).toISOString().slice(11, 16);
  const rows = counts.rows;
  return (
    `event time ${at} | events ${n(counts.produced)} sent, ${n(counts.validated)} valid, ${n(counts.deadLettered)} dead-lettered | ` +
    `windows ${n(counts.windows)} | ClickHouse ${n(rows.events ?? 0)} events, ${n(rows.window_aggregates ?? 0)} windows, ` +
    `${n(rows.alerts ?? 0)} alerts | notifications ${n(counts.alertsFiring)} firing, ${n(counts.alertsResolved)} resolved`
  );
}

/**
 * Runs one simulation through a fresh pipeline as fast as it goes: start the services, produce every event,
 * close the last windows with sentinels, wait until the alerts are all read and the writer is done, stop.
 */
export async function runScenarioPipeline(options: ScenarioRunOptions): Promise<ScenarioRunResult> {
  const started = Date.now();
  const pipeline = new ScenarioPipeline({ ...options, env: options.env ?? process.env });
  const every = options.progressEveryMs ?? 5_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await pipeline.start();
    const processingStart = Date.now();
    if (options.onProgress !== undefined) {
      const report = options.onProgress;
      timer = setInterval(() => {
        pipeline
          .counts()
          .then((c) => report(formatProgress(c)))
          .catch(() => undefined);
      }, every);
    }
    const crash = pipeline.crashed().then((error) => {
      throw new Error(`a pipeline service failed: ${error.message}`);
    });
    crash.catch(() => undefined);
    const work = (async () => {
      await pipeline.produce(options.simulation);
      const endMs = options.simulation.options.endMs;
      await pipeline.sendSentinels(endMs);
      await pipeline.drain(endMs, options.timeoutMs ?? 10 * 60_000);
    })();
    await Promise.race([work, crash]);
    const processingMs = Date.now() - processingStart;
    const counts = await pipeline.counts();
    const tables = await pipeline.tableCounts();
    return {
      id: pipeline.id,
      alerts: [...pipeline.alerts],
      eventsProduced: counts.produced,
      eventsValidated: counts.validated,
      eventsWritten: tables.events ?? 0,
      windows: counts.windows,
      windowsWritten: tables.window_aggregates ?? 0,
      alertsWritten: tables.alerts ?? 0,
      wallMs: Date.now() - started,
      processingMs,
    };
  } finally {
    if (timer !== undefined) clearInterval(timer);
    await pipeline.stop({ cleanup: options.cleanup ?? true });
  }
}
