import {
  type Cancellable,
  type Clock,
  makeRecord,
  type Processor,
  type ProcessorContext,
  type PunctuationType,
  type Punctuator,
  type RecordMetadata,
  type StreamRecord,
  systemClock,
} from '@aiops/core';

interface Schedule {
  readonly intervalMs: number;
  readonly type: PunctuationType;
  readonly punctuator: Punctuator;
  next: number;
  cancelled: boolean;
}

/** Records a processor forwarded, by output name ('' for the default output). */
export type Forwarded<K, V> = Map<string, StreamRecord<K, V>[]>;

/**
 * The context a processor sees when the Kafka shell drives it: records are pushed in one at a time
 * with their source position, forwarded results are collected for the shell to send, and punctuators
 * run on stream time (after records) or wall-clock time (on `tick`). Deliberately Kafka-free.
 *
 * Two wall clocks: `clock` is the system's, for timestamps; `progress` (default: the same) is what
 * wall-clock punctuation and the processor's idle decisions run on — a ProgressClock fed by the consumer's
 * fetches, so an outage does not look like quiet input.
 */
export class ProcessorDriver<KIn, VIn, KOut, VOut> {
  private metadata: RecordMetadata | null = null;
  private streamTime = -1;
  private forwarded: Forwarded<KOut, VOut> = new Map();
  private readonly schedules: Schedule[] = [];
  private readonly context: ProcessorContext<KOut, VOut>;

  constructor(
    readonly processor: Processor<KIn, VIn, KOut, VOut>,
    private readonly clock: Clock = systemClock,
    private readonly progress: Clock = clock,
  ) {
    const self = this;
    this.context = {
      forward(record, childName) {
        const name = childName ?? '';
        let list = self.forwarded.get(name);
        if (list === undefined) {
          list = [];
          self.forwarded.set(name, list);
        }
        list.push(record);
      },
      recordMetadata: () => self.metadata,
      currentStreamTimeMs: () => self.streamTime,
      currentSystemTimeMs: () => self.clock.now(),
      currentProgressTimeMs: () => self.progress.now(),
      schedule(intervalMs, type, punctuator): Cancellable {
        const base = type === 'wall-clock-time' ? self.progress.now() : self.streamTime;
        const schedule: Schedule = {
          intervalMs,
          type,
          punctuator,
          next: base + intervalMs,
          cancelled: false,
        };
        self.schedules.push(schedule);
        return {
          cancel: () => {
            schedule.cancelled = true;
          },
        };
      },
    };
    processor.init(this.context);
  }

  /** Feeds one record from `metadata`'s position; stream-time punctuators due by now run after it. */
  process(key: KIn, value: VIn, timestamp: number, metadata: RecordMetadata | null, headers = {}): void {
    this.metadata = metadata;
    this.processor.process(makeRecord(key, value, timestamp, headers));
    this.metadata = null;
    if (timestamp > this.streamTime) {
      this.streamTime = timestamp;
      this.runDue('stream-time', timestamp);
    }
  }

  /** Runs the wall-clock punctuators that are due. */
  tick(): void {
    this.runDue('wall-clock-time', this.progress.now());
  }

  /** Hands over everything forwarded since the last drain. */
  drain(): Forwarded<KOut, VOut> {
    const out = this.forwarded;
    this.forwarded = new Map();
    return out;
  }

  close(): void {
    this.processor.close();
  }

  private runDue(type: PunctuationType, now: number): void {
    for (const schedule of this.schedules) {
      if (schedule.cancelled || schedule.type !== type) continue;
      if (Number.isNaN(schedule.next)) schedule.next = now + schedule.intervalMs;
      if (now < schedule.next) continue;
      schedule.next = now + schedule.intervalMs;
      schedule.punctuator(now);
    }
  }
}
