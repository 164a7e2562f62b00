import type { RecordSource } from '@aiops/core';
import { type WatermarkOptions, type WatermarkSnapshot, WatermarkTracker } from './watermark.js';

/** The changelog key of a monitor's clock (its other keys are its own: traces, agents, prompts). */
export const CLOCK_KEY = 'clock';

/** The clock's changelog value. */
export interface ClockState {
  v: 1;
  watermark: WatermarkSnapshot;
}

/**
 * The event-time clock of a processor whose state is changelogged key by key (the agent and prompt
 * monitors): a bounded-out-of-orderness WatermarkTracker over all its sources that also knows when its own
 * changelog record is due — the watermark moved, or a record moved what it knows of its sources, since the
 * last advance. Restored from that record, a restart resumes with the same watermark and sources.
 */
export class ChangelogClock {
  private readonly tracker: WatermarkTracker;
  private lastAdvanced = Number.NaN;
  /** A record moved the tracker (its sources or highest event time) since the last advance. */
  private observed = false;

  /** Takes only the two bounds from `options`, so that a monitor can pass its own options whole. */
  constructor(options: Pick<WatermarkOptions, 'maxOutOfOrdernessMs' | 'idleTimeoutMs'>) {
    this.tracker = new WatermarkTracker({
      maxOutOfOrdernessMs: options.maxOutOfOrdernessMs,
      idleTimeoutMs: options.idleTimeoutMs,
    });
  }

  current(): number {
    return this.tracker.current();
  }

  observe(eventTimeMs: number, wallNowMs: number, source?: RecordSource): void {
    this.tracker.observe(eventTimeMs, wallNowMs, source);
    this.observed = true;
  }

  /** Wall-clock punctuation: an idle input advances the watermark (see WatermarkTracker.onIdleCheck). */
  onIdleCheck(wallNowMs: number): void {
    this.tracker.onIdleCheck(wallNowMs);
  }

  /**
   * The watermark to advance to; `moved` when it differs from the last advance's, `changed` when the
   * clock's changelog record is due (it moved, or records moved what the clock knows of its sources).
   */
  advance(): { watermarkMs: number; moved: boolean; changed: boolean } {
    const watermarkMs = this.tracker.current();
    const moved = watermarkMs !== this.lastAdvanced;
    const changed = moved || this.observed;
    this.lastAdvanced = watermarkMs;
    this.observed = false;
    return { watermarkMs, moved, changed };
  }

  /**
   * advance() for a monitor that collects its changed changelog keys in `dirty`: adds CLOCK_KEY there when
   * the clock's record is due.
   */
  advanceMarkingDirty(dirty: Set<string>): { watermarkMs: number; moved: boolean; changed: boolean } {
    const advanced = this.advance();
    if (advanced.changed) dirty.add(CLOCK_KEY);
    return advanced;
  }

  state(): ClockState {
    return { v: 1, watermark: this.tracker.snapshot() };
  }

  /**
   * Takes the event-time state back, not the wall times: those are the previous process's, and counted
   * from them the downtime would pass for idleness — the first idle check would advance the watermark by
   * it, past the backlog this run is about to read, and close its traces early. Like a replayed
   * WatermarkTracker position, the restored clock is idle only after `idleTimeoutMs` without a record here.
   */
  restore(state: ClockState): void {
    const { watermark } = state;
    this.tracker.restore({
      ...watermark,
      lastRecordWallMs: null,
      firstRecordWallMs: null,
      sources: (watermark.sources ?? []).map(([id, maxEventTime]) => [id, maxEventTime, Number.NaN]),
    });
    this.lastAdvanced = this.tracker.current();
    this.observed = false;
  }
}
