import type { RecordSource } from '@aiops/core';
import type { Checkpoint, UnseenGiveUp } from './offsets.js';
import type { WatermarkTracker } from './watermark.js';

/**
 * The one wall-clock decision in a partition's event time that a replay must repeat: where its
 * watermark tracker stopped waiting for announced sources it never saw (see UnseenGiveUp). Notes where
 * this run gave up, so a checkpoint before that point carries it, and makes a run resumed from such a
 * checkpoint give up at the same record instead of when its own wall clock says.
 */
export class UnseenGiveUpReplay {
  /** Where this run stopped waiting (null: not yet, or before it was resumed). */
  givenUpAt: UnseenGiveUp | null = null;
  /** Resumed from a checkpoint taken before that point: where to repeat it. */
  replay: UnseenGiveUp | null = null;
  /** The replayed give-up is due while the next record is observed. */
  private dueWhileObserving = false;

  constructor(private readonly tracker: WatermarkTracker) {}

  /** A resumed partition: repeat `giveUp` (from the checkpoint), unless its position had given up already. */
  resume(giveUp: UnseenGiveUp | undefined): void {
    if (giveUp !== undefined && !this.tracker.gaveUpOnUnseen()) this.replay = giveUp;
  }

  /**
   * Before the record at `offset`: repeats a give-up the original run made here, between records (the
   * tracker's watermark may move; the caller reads it), or arms it for `observe` when it came with it.
   */
  beforeRecord(offset: number, wallNowMs: number): void {
    const replay = this.replay;
    this.dueWhileObserving = false;
    if (replay === null || offset < replay.offset) return;
    this.replay = null;
    this.givenUpAt = replay;
    if (replay.beforeRecord) this.tracker.giveUpOnUnseen(wallNowMs);
    else this.dueWhileObserving = true;
  }

  /** Observes the record at `offset` on the tracker and notes a give-up it causes; returns the watermark. */
  observe(offset: number, eventTimeMs: number, wallNowMs: number, source: RecordSource | undefined): number {
    const waiting = !this.tracker.gaveUpOnUnseen();
    if (this.dueWhileObserving) this.tracker.giveUpOnUnseen(wallNowMs);
    this.dueWhileObserving = false;
    const watermark = this.tracker.observe(eventTimeMs, wallNowMs, source);
    if (waiting && this.tracker.gaveUpOnUnseen()) this.givenUpAt ??= { offset, beforeRecord: false };
    return watermark;
  }

  /** The wall-clock idle check, before the record at `nextOffset`; returns the watermark. */
  onIdleCheck(nextOffset: number, wallNowMs: number): number {
    const waiting = !this.tracker.gaveUpOnUnseen();
    const watermark = this.tracker.onIdleCheck(wallNowMs);
    if (waiting && this.tracker.gaveUpOnUnseen())
      this.givenUpAt ??= { offset: nextOffset, beforeRecord: true };
    return watermark;
  }

  /** `checkpoint` with the give-up a replay from it must repeat, when it lies after its offset. */
  annotate(checkpoint: Checkpoint): Checkpoint {
    const giveUp = this.givenUpAt ?? this.replay;
    return giveUp !== null && checkpoint.offset <= giveUp.offset
      ? { ...checkpoint, unseenGiveUp: giveUp }
      : checkpoint;
  }
}
