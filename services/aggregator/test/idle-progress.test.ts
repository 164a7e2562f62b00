import type { TelemetryEvent, WindowAggregate } from '@aiops/contract';
import { ManualClock, ProgressClock } from '@aiops/core';
import { ProcessorDriver } from '@aiops/kafka';
import { telemetryEvent } from '@aiops/testkit';
import { WindowOperator, type WindowOutput } from '@aiops/windowing';
import { describe, expect, it } from 'vitest';

/**
 * The aggregator's idle rule runs on fetch-progress time (ProgressClock), as the shell wires it: a broker
 * outage is not quiet input. Before this, 30 s without a fetch advanced the watermark of every partition,
 * and the events the outage held up came back late (window revisions, and learned partial windows in the
 * detector: the chaos suite's `kafka` fault).
 */
describe('aggregator idle handling on fetch-progress time', () => {
  const start = 1_700_000_040_000;
  const setup = () => {
    const wall = new ManualClock(1_000_000);
    const progress = new ProgressClock(5_000, wall);
    const driver = new ProcessorDriver<string, TelemetryEvent, string, WindowOutput>(
      new WindowOperator({
        windowSizesMs: [60_000],
        maxOutOfOrdernessMs: 5_000,
        allowedLatenessMs: 60_000,
        idleTimeoutMs: 30_000,
      }),
      wall,
      progress,
    );
    let offset = 0;
    const send = (timestamp: number) =>
      driver.process('k', telemetryEvent({ event_id: `e${offset}`, timestamp }), timestamp, {
        topic: 'events',
        partition: 0,
        offset: offset++,
      });
    /** `ms` of wall time, a tick each second, with or without fetches completing. */
    const pass = (ms: number, fetching: boolean) => {
      for (let t = 0; t < ms; t += 1_000) {
        wall.advance(1_000);
        if (fetching) progress.progressed();
        driver.tick();
      }
    };
    const windows = () => (driver.drain().get('') ?? []).map((r) => r.value as WindowAggregate);
    return { send, pass, windows };
  };

  it('closes no window while the consumer cannot fetch, however long the outage', () => {
    const { send, pass, windows } = setup();
    for (let i = 0; i < 40; i++) send(start + i * 1_000);
    pass(120_000, false); // the broker is down for two minutes
    expect(windows()).toEqual([]);
    send(start + 41_000); // the held-up events arrive: in their window, not late
    pass(10_000, true);
    expect(windows()).toEqual([]);
    pass(40_000, true); // then quiet while fetching: closed once, with every event
    expect(windows().map((w) => [w.events, w.late_events, w.revision])).toEqual([[41, 0, 0]]);
  });

  it('still closes the windows of a partition that is quiet while fetches succeed', () => {
    const { send, pass, windows } = setup();
    for (let i = 0; i < 40; i++) send(start + i * 1_000);
    pass(120_000, true);
    const out = windows();
    expect(out).toHaveLength(1);
    expect(out[0]!.events).toBe(40);
    expect(out[0]!.revision).toBe(0);
  });
});
