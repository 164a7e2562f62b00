import type { WatermarkPosition } from './watermark.js';

/**
 * Restart safety: which source offset a partition must be replayed from, and with which watermark.
 *
 * The operator keeps, for each window bucket (all series' windows of one size and start in one
 * partition), the offset of its first record, the watermark just before that record was processed,
 * and the offset of its last record. A restart that replays from offset O, starting with the watermark
 * W_O the partition had just before O, sees the same watermarks at every later record (the watermark
 * is max(W_O, event times since O − bound)), so it makes the same decisions — provided every window
 * it touches gets all its records again. Hence the cut O must satisfy:
 *   1. O ≤ first offset of every open (not yet evicted) bucket — open windows are rebuilt whole;
 *   2. no evicted bucket straddles O (first < O ≤ last) — otherwise a replay would rebuild that window
 *      from its tail and emit a partial revision 0. Evicted buckets that straddle pull O back to their
 *      first offset (they are then rebuilt whole and re-emitted identically; downstream dedups them).
 * The highest such O is found by lowering O until no evicted span straddles it. Evicted spans that end
 * before O can never matter again (later cuts are never lower) and are dropped, so this state stays
 * as small as the set of buckets evicted while older buckets were still open.
 *
 * Records between O and the last processed one that went to the late side output are replayed to it
 * again: the late output is at-least-once.
 */
export interface Checkpoint {
  /** The lowest source offset still needed: where a restart resumes reading. */
  readonly offset: number;
  /** The partition's watermark as it was just before the record at `offset` was processed. */
  readonly watermark: number;
  /** With the per-source state behind that watermark, when known (see WatermarkPosition). */
  readonly position?: WatermarkPosition;
  /** Where, after `offset`, the original run stopped waiting for unseen sources (see UnseenGiveUp). */
  readonly unseenGiveUp?: UnseenGiveUp;
}

/**
 * The point in the records where the watermark tracker stopped waiting for announced sources it never
 * saw: a wall-clock decision, so a replay is told where to repeat it. `beforeRecord`: it happened between
 * records (the idle check), before the record at `offset`; otherwise while observing that record.
 */
export interface UnseenGiveUp {
  readonly offset: number;
  readonly beforeRecord: boolean;
}

/** Offsets of one bucket of windows. */
export interface OffsetSpan {
  readonly firstOffset: number;
  /** Partition watermark just before the record at `firstOffset` was processed. */
  readonly firstWatermark: number;
  /** The tracker's event-time state at that point, when known. */
  readonly firstPosition?: WatermarkPosition;
  readonly lastOffset: number;
}

export interface SourceOffsetsSnapshot {
  lastProcessed: number | null;
  evicted: OffsetSpan[];
}

export class SourceOffsets {
  private lastProcessed: number | null = null;
  private evicted: OffsetSpan[] = [];

  /** The offset to give a record without source metadata: one after the last processed. */
  nextOffset(): number {
    return this.lastProcessed === null ? 0 : this.lastProcessed + 1;
  }

  processed(offset: number): void {
    this.lastProcessed = offset;
  }

  /** A bucket was evicted; its span still constrains cuts until a cut passes its end. */
  evict(span: OffsetSpan): void {
    this.evicted.push({
      firstOffset: span.firstOffset,
      firstWatermark: span.firstWatermark,
      ...(span.firstPosition === undefined ? {} : { firstPosition: span.firstPosition }),
      lastOffset: span.lastOffset,
    });
  }

  /** Evicted spans still remembered (for stats and tests). */
  get evictedSpans(): number {
    return this.evicted.length;
  }

  /**
   * The cut for a restart (see the file comment), or null when no record was processed since the
   * partition was (re)started. `open`: the spans of the buckets still open; `watermark`: the current
   * watermark, which a record processed next would start from (and `position`, its source state).
   */
  checkpoint(open: Iterable<OffsetSpan>, watermark: number, position?: WatermarkPosition): Checkpoint | null {
    if (this.lastProcessed === null) return null;
    let offset = this.lastProcessed + 1;
    let atOffset = watermark;
    let atPosition = position;
    for (const span of open) {
      if (span.firstOffset < offset) {
        offset = span.firstOffset;
        atOffset = span.firstWatermark;
        atPosition = span.firstPosition;
      }
    }
    let lowered = true;
    while (lowered) {
      lowered = false;
      for (const span of this.evicted) {
        if (span.firstOffset < offset && offset <= span.lastOffset) {
          offset = span.firstOffset;
          atOffset = span.firstWatermark;
          atPosition = span.firstPosition;
          lowered = true;
        }
      }
    }
    this.evicted = this.evicted.filter((span) => span.lastOffset >= offset);
    return atPosition === undefined
      ? { offset, watermark: atOffset }
      : { offset, watermark: atOffset, position: atPosition };
  }

  snapshot(): SourceOffsetsSnapshot {
    return { lastProcessed: this.lastProcessed, evicted: this.evicted.map((span) => ({ ...span })) };
  }

  restore(snapshot: SourceOffsetsSnapshot): void {
    this.lastProcessed = snapshot.lastProcessed;
    this.evicted = snapshot.evicted.map((span) => ({ ...span }));
  }
}
