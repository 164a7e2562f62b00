import { ManualClock, type Processor, type ProcessorContext, type StreamRecord } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { ProcessorDriver } from '../src/index.js';

/** Sums values per key; forwards the running sum, odd values to 'odd', and a tick count on punctuation. */
class Summer implements Processor<string, number, string, number> {
  private context!: ProcessorContext<string, number>;
  private readonly sums = new Map<string, number>();
  ticks = 0;
  streamTicks: number[] = [];
  init(context: ProcessorContext<string, number>): void {
    this.context = context;
    context.schedule(1000, 'wall-clock-time', () => {
      this.ticks++;
    });
    context.schedule(60_000, 'stream-time', (t) => {
      this.streamTicks.push(t);
    });
  }
  process(record: StreamRecord<string, number>): void {
    const sum = (this.sums.get(record.key) ?? 0) + record.value;
    this.sums.set(record.key, sum);
    const meta = this.context.recordMetadata();
    const child = record.value % 2 === 1 ? 'odd' : undefined;
    this.context.forward({ ...record, value: sum, headers: { offset: String(meta?.offset) } }, child);
  }
  close(): void {}
}

describe('ProcessorDriver', () => {
  it('gives the processor its record position, collects outputs per child and drains them once', () => {
    const driver = new ProcessorDriver(new Summer(), new ManualClock(0));
    driver.process('a', 2, 1000, { topic: 't', partition: 0, offset: 7 });
    driver.process('a', 3, 2000, { topic: 't', partition: 0, offset: 8 });
    const out = driver.drain();
    expect(out.get('')!.map((r) => [r.value, r.headers.offset])).toEqual([[2, '7']]);
    expect(out.get('odd')!.map((r) => [r.value, r.headers.offset])).toEqual([[5, '8']]);
    expect(driver.drain().size).toBe(0);
  });

  it('runs wall-clock punctuators on tick and stream-time punctuators as records move stream time', () => {
    const clock = new ManualClock(0);
    const summer = new Summer();
    const driver = new ProcessorDriver(summer, clock);
    driver.tick();
    expect(summer.ticks).toBe(0);
    clock.advance(1000);
    driver.tick();
    driver.tick();
    expect(summer.ticks).toBe(1);
    driver.process('a', 1, 10_000, null);
    expect(summer.streamTicks).toEqual([]);
    driver.process('a', 1, 59_000, null);
    expect(summer.streamTicks).toEqual([]);
    driver.process('a', 1, 70_000, null);
    driver.process('a', 1, 70_500, null);
    expect(summer.streamTicks).toEqual([70_000]);
  });

  it('refuses records with a negative timestamp', () => {
    const driver = new ProcessorDriver(new Summer(), new ManualClock(0));
    expect(() => driver.process('a', 1, -1, null)).toThrow(/non-negative/);
  });
});
