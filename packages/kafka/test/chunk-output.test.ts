import { describe, expect, it } from 'vitest';
import { chunkOutput } from '../src/index.js';

describe('chunkOutput', () => {
  const message = (bytes: number) => ({ key: 'k', value: Buffer.alloc(bytes, 0x41) });

  it('cuts output into sends of bounded size, keeping order and every message', () => {
    const events = Array.from({ length: 10 }, () => message(300_000));
    const dlq = Array.from({ length: 3 }, () => message(900_000));
    const sends = chunkOutput(
      [
        { topic: 'events', messages: events },
        { topic: 'dlq', messages: dlq },
        { topic: 'alerts', messages: [] },
      ],
      1024 * 1024,
    );
    const flattened = sends.flatMap((send) => send.flatMap((b) => b.messages.map((m) => [b.topic, m])));
    expect(flattened.map(([topic]) => topic)).toEqual([
      ...events.map(() => 'events'),
      ...dlq.map(() => 'dlq'),
    ]);
    for (const send of sends) {
      const bytes = send.reduce(
        (n, b) => n + b.messages.reduce((k, m) => k + (m.value as Buffer).length, 0),
        0,
      );
      expect(bytes).toBeLessThanOrEqual(1024 * 1024);
    }
    expect(chunkOutput([{ topic: 'events', messages: [message(10)] }], 1024)).toHaveLength(1);
    expect(chunkOutput([{ topic: 'events', messages: [] }], 1024)).toEqual([]);
    // A single message above the bound goes alone.
    expect(chunkOutput([{ topic: 'dlq', messages: [message(5000), message(10)] }], 1024)).toHaveLength(2);
  });
});
