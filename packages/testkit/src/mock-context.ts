import type {
  Cancellable,
  ProcessorContext,
  PunctuationType,
  Punctuator,
  RecordMetadata,
  StreamRecord,
} from '@aiops/core';

/** The child name under which records forwarded without one are captured. */
export const DEFAULT_CHILD = 'default';

export interface CapturedForward<K, V> {
  readonly record: StreamRecord<K, V>;
  /** DEFAULT_CHILD when forwarded without a child name. */
  readonly childName: string;
}

export interface ScheduledPunctuator {
  readonly intervalMs: number;
  readonly type: PunctuationType;
  readonly punctuator: Punctuator;
  /** Time of its next call on its clock. */
  readonly nextAtMs: number;
  readonly cancelled: boolean;
}

export interface MockProcessorContextOptions {
  streamTimeMs?: number;
  wallTimeMs?: number;
  recordMetadata?: RecordMetadata | null;
}

interface Schedule {
  readonly intervalMs: number;
  readonly type: PunctuationType;
  readonly punctuator: Punctuator;
  nextAtMs: number;
  cancelled: boolean;
  readonly order: number;
}

/**
 * A ProcessorContext for unit tests, in the spirit of Kafka Streams' MockProcessorContext: captures
 * every forwarded record with its child name, lets the test set the record metadata and both clocks
 * by hand, and runs scheduled punctuators when their clock passes their time.
 *
 * Punctuation. `schedule(interval, type, p)` at clock time t calls p at t + interval, t + 2·interval, …
 * When a clock is moved (`setWallTimeMs`, `advanceWallTimeMs`, `setStreamTimeMs`, `advanceStreamTimeMs`),
 * every call that falls due up to the new time runs in time order (ties in scheduling order), each with
 * its due time as argument and with the clock reading that time while it runs. Clocks never go back.
 */
export class MockProcessorContext<K, V> implements ProcessorContext<K, V> {
  private readonly captured: CapturedForward<K, V>[] = [];
  private readonly schedules: Schedule[] = [];
  private metadata: RecordMetadata | null;
  private streamTime: number;
  private wallTime: number;
  private scheduled = 0;

  constructor(options: MockProcessorContextOptions = {}) {
    this.streamTime = options.streamTimeMs ?? 0;
    this.wallTime = options.wallTimeMs ?? 0;
    this.metadata = options.recordMetadata ?? null;
  }

  // --- ProcessorContext ---

  forward(record: StreamRecord<K, V>, childName?: string): void {
    this.captured.push({ record, childName: childName ?? DEFAULT_CHILD });
  }

  recordMetadata(): RecordMetadata | null {
    return this.metadata;
  }

  currentStreamTimeMs(): number {
    return this.streamTime;
  }

  currentSystemTimeMs(): number {
    return this.wallTime;
  }

  /** The one wall clock of the mock: a test moves it by hand, so there is no stall to leave out. */
  currentProgressTimeMs(): number {
    return this.wallTime;
  }

  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable {
    if (!(intervalMs > 0)) throw new RangeError(`punctuation interval must be > 0; got ${intervalMs}`);
    const now = type === 'wall-clock-time' ? this.wallTime : this.streamTime;
    const schedule: Schedule = {
      intervalMs,
      type,
      punctuator,
      nextAtMs: now + intervalMs,
      cancelled: false,
      order: this.scheduled++,
    };
    this.schedules.push(schedule);
    return {
      cancel: () => {
        schedule.cancelled = true;
      },
    };
  }

  // --- test controls ---

  /** Metadata returned by `recordMetadata()` from now on (null: driven without Kafka). */
  setRecordMetadata(metadata: RecordMetadata | null): void {
    this.metadata = metadata;
  }

  setWallTimeMs(ms: number): void {
    this.moveClock('wall-clock-time', ms);
  }

  advanceWallTimeMs(ms: number): void {
    this.moveClock('wall-clock-time', this.wallTime + ms);
  }

  setStreamTimeMs(ms: number): void {
    this.moveClock('stream-time', ms);
  }

  advanceStreamTimeMs(ms: number): void {
    this.moveClock('stream-time', this.streamTime + ms);
  }

  /** Everything forwarded, in order. */
  forwarded(): readonly CapturedForward<K, V>[] {
    return this.captured;
  }

  /** Records forwarded to `childName` (DEFAULT_CHILD: those forwarded without a name), in order. */
  forwardedTo(childName: string = DEFAULT_CHILD): StreamRecord<K, V>[] {
    return this.captured.filter((c) => c.childName === childName).map((c) => c.record);
  }

  /** Values forwarded to `childName`, in order. */
  valuesTo(childName: string = DEFAULT_CHILD): V[] {
    return this.forwardedTo(childName).map((r) => r.value);
  }

  /** Forgets the captured records (not the schedules). */
  resetForwarded(): void {
    this.captured.length = 0;
  }

  scheduledPunctuators(): ScheduledPunctuator[] {
    return this.schedules.map(({ intervalMs, type, punctuator, nextAtMs, cancelled }) => ({
      intervalMs,
      type,
      punctuator,
      nextAtMs,
      cancelled,
    }));
  }

  private moveClock(type: PunctuationType, to: number): void {
    const from = type === 'wall-clock-time' ? this.wallTime : this.streamTime;
    if (!Number.isFinite(to) || to < from)
      throw new RangeError(`${type} cannot go back from ${from} to ${to}`);
    for (;;) {
      let due: Schedule | undefined;
      for (const s of this.schedules) {
        if (s.cancelled || s.type !== type || s.nextAtMs > to) continue;
        if (
          due === undefined ||
          s.nextAtMs < due.nextAtMs ||
          (s.nextAtMs === due.nextAtMs && s.order < due.order)
        ) {
          due = s;
        }
      }
      if (due === undefined) break;
      const at = due.nextAtMs;
      due.nextAtMs += due.intervalMs;
      this.setClock(type, at);
      due.punctuator(at);
    }
    this.setClock(type, to);
  }

  private setClock(type: PunctuationType, ms: number): void {
    if (type === 'wall-clock-time') this.wallTime = Math.max(this.wallTime, ms);
    else this.streamTime = Math.max(this.streamTime, ms);
  }
}
