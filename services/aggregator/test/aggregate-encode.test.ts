import { type TelemetryEvent, type WindowAggregate, windowCodec } from '@aiops/contract';
import { ManualClock } from '@aiops/core';
import { ProcessorDriver } from '@aiops/kafka';
import { telemetryEvent } from '@aiops/testkit';
import { WindowOperator, type WindowOutput } from '@aiops/windowing';
import { describe, expect, it } from 'vitest';

function event(i: number, timestamp: number): TelemetryEvent {
  const error = i % 10 === 0;
  return telemetryEvent({
    event_id: `e${i}`,
    timestamp,
    status: error ? 'error' : 'ok',
    error_type: error ? 'timeout' : null,
    duration_ms: 100 + i,
    scores: { relevance: 0.8 },
  });
}

describe('aggregator core (operator driven like the Kafka shell drives it)', () => {
  it('emits window aggregates that survive the windows topic codec, in Avro and JSON', () => {
    const clock = new ManualClock(1_000_000);
    const driver = new ProcessorDriver<string, TelemetryEvent, string, WindowOutput>(
      new WindowOperator({ windowSizesMs: [60_000], maxOutOfOrdernessMs: 1000, allowedLatenessMs: 5000 }),
      clock,
    );
    const start = 1_700_000_040_000;
    for (let i = 0; i < 50; i++) {
      driver.process('k', event(i, start + i * 1000), start + i * 1000, {
        topic: 't',
        partition: 0,
        offset: i,
      });
    }
    driver.process('k', event(99, start + 70_000), start + 70_000, { topic: 't', partition: 0, offset: 50 });
    const out = driver.drain().get('') ?? [];
    expect(out).toHaveLength(1);
    const aggregate = out[0]!.value as WindowAggregate;
    expect(aggregate.events).toBe(50);
    expect(aggregate.errors).toBe(5);
    for (const format of ['avro', 'json'] as const) {
      const decoded = windowCodec.decode(windowCodec.encode(aggregate, format));
      expect(decoded.events).toBe(50);
      expect(decoded.latency_p50_ms).toBeCloseTo(aggregate.latency_p50_ms!, 9);
      expect(Buffer.from(decoded.latency_sketch!)).toEqual(Buffer.from(aggregate.latency_sketch!));
    }
  });
});
