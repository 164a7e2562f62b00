import type { OutputMessages } from '@aiops/kafka';
import { describe, expect, it } from 'vitest';
import { groupSend } from '../src/group-send.js';

const out = (topic: string, ...values: string[]): OutputMessages[] => [
  { topic, messages: values.map((v) => ({ value: Buffer.from(v) })) },
];
const values = (output: OutputMessages[]) =>
  output.map((b) => `${b.topic}:${b.messages.map((m) => String(m.value)).join(',')}`);

describe('groupSend', () => {
  it('sends what arrives during a send together in the next one, merged by topic, in order', async () => {
    const sent: string[][] = [];
    const releases: Array<() => void> = [];
    const send = groupSend(async (output) => {
      sent.push(values(output));
      await new Promise<void>((resolve) => releases.push(resolve));
    });
    const first = send(out('raw', 'a'));
    const second = send([...out('raw', 'b'), ...out('dlq', 'x')]);
    const third = send(out('raw', 'c'));
    expect(sent).toEqual([['raw:a']]);
    releases[0]!();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([['raw:a'], ['raw:b,c', 'dlq:x']]);
    releases[1]!();
    await Promise.all([second, third]);
  });

  it('fails every request of a failed send, and the next send goes on', async () => {
    let calls = 0;
    const send = groupSend(async () => {
      calls++;
      if (calls === 1) throw new Error('broker down');
    });
    await expect(send(out('raw', 'a'))).rejects.toThrow('broker down');
    await expect(send(out('raw', 'b'))).resolves.toBeUndefined();
  });
});
