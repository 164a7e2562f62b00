import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { WireBytes } from '../src/index.js';

const { Partitioners } = kafkajs;

describe('WireBytes', () => {
  it('encodes each distinct string once, as UTF-8', () => {
    const wire = new WireBytes();
    const a = wire.bytes('tenant|app|prod|openai|gpt-4o|chat');
    expect(a.toString('utf8')).toBe('tenant|app|prod|openai|gpt-4o|chat');
    expect(wire.bytes('tenant|app|prod|openai|gpt-4o|chat')).toBe(a);
    expect(wire.bytes('é/ü').equals(Buffer.from('é/ü', 'utf8'))).toBe(true);
  });

  it('turns string keys and header values into the same bytes, leaving the message as it was', () => {
    const wire = new WireBytes();
    const value = Buffer.from('body');
    const original = {
      key: 'series-1',
      value,
      partition: 2,
      headers: { 'aiops.source': '0/3', bin: Buffer.from([1, 2]), many: ['x', Buffer.from('y')] },
    };
    const out = wire.message(original);
    expect(out.value).toBe(value);
    expect(out.partition).toBe(2);
    expect((out.key as Buffer).toString()).toBe('series-1');
    const headers = out.headers as Record<string, Buffer | Buffer[]>;
    expect((headers['aiops.source'] as Buffer).toString()).toBe('0/3');
    expect(headers.bin).toBe(original.headers.bin);
    expect((headers.many as Buffer[]).map((b) => b.toString())).toEqual(['x', 'y']);
    expect(original.key).toBe('series-1');
    expect(original.headers['aiops.source']).toBe('0/3');
  });

  it('keeps null keys and absent headers', () => {
    const wire = new WireBytes();
    const out = wire.message({ key: null, value: Buffer.from('v') });
    expect(out.key).toBeNull();
    expect(out.headers).toBeUndefined();
  });

  it('does not move a keyed message to another partition', () => {
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = [0, 1, 2, 3, 4, 5].map((partitionId) => ({
      partitionId,
      leader: 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    const wire = new WireBytes();
    for (const key of ['a', 'tenant-1|support-bot|prod|anthropic|claude|chat', 'ключ', 'x'.repeat(300)]) {
      const asString = partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
      const asBytes = partitioner({
        topic: 't',
        partitionMetadata,
        message: { key: wire.bytes(key), value: null },
      });
      expect(asBytes).toBe(asString);
    }
  });
});
