import type { StreamRecord } from './record.js';

export type PunctuationType = 'stream-time' | 'wall-clock-time';

export type Punctuator = (timestamp: number) => void;

export interface Cancellable {
  cancel(): void;
}

/** Where the record being processed came from (absent when a processor is driven without Kafka). */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** What a processor may do besides computing: forward results, read the two clocks, ask to be called back. */
export interface ProcessorContext<KOut, VOut> {
  /** Sends a result downstream; `childName` picks a named output (e.g. 'late' for a side output). */
  forward(record: StreamRecord<KOut, VOut>, childName?: string): void;
  recordMetadata(): RecordMetadata | null;
  /** Highest event time seen so far by this task; advances only when records arrive. */
  currentStreamTimeMs(): number;
  /** The system's wall clock: for timestamps a person reads (when a result was emitted). */
  currentSystemTimeMs(): number;
  /**
   * Wall-clock time as far as input goes: it stands still while the consumer cannot fetch (see
   * ProgressClock), and wall-clock punctuation runs on it. Idle decisions use it, never the system clock.
   */
  currentProgressTimeMs(): number;
  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable;
}

/** Three methods, no Kafka: the unit every service is built from. */
export interface Processor<KIn, VIn, KOut, VOut> {
  init(context: ProcessorContext<KOut, VOut>): void;
  process(record: StreamRecord<KIn, VIn>): void;
  close(): void;
}

/** A processor whose state can be written out and read back, so that a restart resumes where it was. */
export interface Snapshotable<S> {
  snapshot(): S;
  restore(snapshot: S): void;
}
