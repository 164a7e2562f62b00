import type { Alert, WindowAggregate } from '@aiops/contract';
import type { RecordSource } from '@aiops/core';
import { type AlignerOptions, type AlignerSnapshot, DEFAULT_LANE, EventTimeAligner } from '@aiops/windowing';
import {
  createDetectionEngine,
  type DetectionChanges,
  type DetectionEngine,
  type DetectionSnapshot,
  type DetectionStats,
} from './engine.js';

/**
 * How windows reach the detection engine, in one place for the live detector (services/detector) and the
 * backtest (backtest.ts): an event-time aligner whose lanes are tenants hands the engine windows in
 * event-time order, with absence checks (ticks) at fixed event-time steps on each tenant's own clock;
 * history (a window that closed far behind live data) only teaches the baselines when the policy says so.
 */

/** A window waiting for the event-time clock. */
export interface AlignedWindow {
  readonly window: WindowAggregate;
  /** Its series key (contract seriesKey). */
  readonly series: string;
  /** How far behind their raw partitions' newest data its tenant's records came, the least (header aiops.behind-ms); 0 if unknown. */
  readonly behind: number;
  /** A late correction's place in event time (header aiops.align-at); a window's is its end. */
  readonly at?: number;
}

/** What history does (the detector's `backfill` and `liveHorizonMs`). */
export interface BackfillPolicy {
  readonly backfill: 'learn' | 'page';
  readonly liveHorizonMs: number;
}

/** Windows of one end are judged in a fixed order, so a run does not depend on arrival order. */
export function compareAlignedWindows(a: AlignedWindow, b: AlignedWindow): number {
  const x = a.window;
  const y = b.window;
  if (x.window_start !== y.window_start) return x.window_start - y.window_start;
  if (a.series !== b.series) return a.series < b.series ? -1 : 1;
  if (x.revision !== y.revision) return x.revision - y.revision;
  const c = x.correction_event_id ?? '';
  const d = y.correction_event_id ?? '';
  return c === d ? 0 : c < d ? -1 : 1;
}

/** The aligner the engine is fed through: time = window end, lanes = tenants. */
export function createWindowAligner<T extends AlignedWindow>(options: AlignerOptions): EventTimeAligner<T> {
  return new EventTimeAligner<T>(
    options,
    (held) => held.at ?? held.window.window_end,
    compareAlignedWindows,
    (held) => held.window.tenant_id,
  );
}

/** The detector state of one windows partition, as a checkpoint stores it (held windows as `H`). */
export interface PartitionDetectorState<H> {
  engine: DetectionSnapshot;
  /** The event-time merge of the aggregator partitions: clock, per-source watermarks, held windows. */
  aligner: AlignerSnapshot<H>;
  /** Tenants whose latest judged window was history (backfill): their absence is not judged. */
  backfilling?: string[];
}

/** What one checkpoint carries: the engine's changes since the last one, the rest small and whole. */
export interface PartitionDetectorChanges<H> {
  engine: DetectionChanges;
  aligner: AlignerSnapshot<H>;
  backfilling: string[];
}

export interface PartitionDetectorOptions extends AlignerOptions, BackfillPolicy {}

/**
 * Detection for one windows partition, without Kafka: windows and the aggregators' watermark markers
 * go in, the aligner releases them in event-time order per tenant, and `judge` returns the
 * notifications. The live detector runs one per input partition; the backtest one per replayed
 * partition. Its state is the engine's, the aligner's and the set of tenants in backfill; `takeChanges`
 * gives what a checkpoint must add since the previous one, `restore` takes a checkpoint back.
 */
export class PartitionDetector<T extends AlignedWindow> {
  private readonly engine: DetectionEngine;
  private readonly aligner: EventTimeAligner<T>;
  private readonly backfilling = new Set<string>();

  constructor(
    rules: unknown,
    private readonly options: PartitionDetectorOptions,
  ) {
    this.engine = createDetectionEngine(rules);
    this.aligner = createWindowAligner<T>(options);
  }

  add(item: T): void {
    this.aligner.add(item);
  }

  /** An aggregator partition's marker (see EventTimeAligner.observeWatermark); `progressMs` its idle clock. */
  observeWatermark(
    source: RecordSource,
    watermarkMs: number,
    progressMs: number,
    tenants?: ReadonlyArray<readonly [string, number]>,
  ): void {
    this.aligner.observeWatermark(source, watermarkMs, progressMs, tenants);
  }

  /**
   * Judges what the clock released at `progressMs`: windows in event-time order and absence checks. A
   * window the engine cannot judge goes to `onFailed` and never stops the rest.
   */
  judge(progressMs: number, onFailed: (item: T, error: unknown) => void): Alert[] {
    const alerts: Alert[] = [];
    for (const step of this.aligner.advance(progressMs)) {
      if (step.kind === 'tick') {
        // Each tenant's absence is judged on its own clock, and not while its windows are history.
        if (step.lane !== DEFAULT_LANE && !this.backfilling.has(step.lane))
          alerts.push(...this.engine.tick(step.atMs, step.lane));
        continue;
      }
      try {
        const tenant = step.item.window.tenant_id;
        const history = this.options.backfill === 'learn' && step.item.behind > this.options.liveHorizonMs;
        if (history) this.backfilling.add(tenant);
        else this.backfilling.delete(tenant);
        alerts.push(...this.engine.process(step.item.window, history));
      } catch (error) {
        onFailed(step.item, error);
      }
    }
    return alerts;
  }

  /** Changes whenever the event-time clock or what it holds changes (a tick with nothing to say included). */
  version(): number {
    return this.aligner.version();
  }

  /** The highest tenant clock (0 before any marker). */
  clock(): number {
    return this.aligner.clock();
  }

  stats(): DetectionStats {
    return this.engine.stats();
  }

  /** Takes a checkpoint back; `toHeld` turns its held windows into what `add` takes. */
  restore<H>(state: PartitionDetectorState<H>, progressMs: number, toHeld: (held: H) => T): void {
    this.engine.restore(state.engine);
    this.aligner.restore({ ...state.aligner, held: state.aligner.held.map(toHeld) }, progressMs);
    this.backfilling.clear();
    for (const tenant of state.backfilling ?? []) this.backfilling.add(tenant);
  }

  /** What a checkpoint must add now (one taker only); `fromHeld` turns held windows into their stored form. */
  takeChanges<H>(fromHeld: (held: T) => H): PartitionDetectorChanges<H> {
    const aligner = this.aligner.snapshot();
    return {
      engine: this.engine.takeChanges(),
      aligner: { ...aligner, held: aligner.held.map(fromHeld) },
      backfilling: [...this.backfilling].sort(),
    };
  }
}
