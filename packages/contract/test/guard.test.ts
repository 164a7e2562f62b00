import avro from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAvroGuard } from '../src/avro/guard.js';
import { TELEMETRY_EVENT_V1_SCHEMA, WINDOW_AGGREGATE_V1_SCHEMA } from '../src/avro/schemas.js';
import { ContractError } from '../src/errors.js';

/** Zig-zag varint bytes of a (small enough) integer. */
function varint(n: number): number[] {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  do {
    let b = z % 128;
    z = Math.floor(z / 128);
    if (z > 0) b |= 0x80;
    out.push(b);
  } while (z > 0);
  return out;
}

function reasonOf(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(ContractError);
    return (error as ContractError).reason;
  }
}

describe('the Avro structural guard', () => {
  const strings = compileAvroGuard({ type: 'array', items: 'string' });
  const map = compileAvroGuard({ type: 'map', values: 'long' });

  it('refuses a block that claims more items than bytes remain, at once (no 2^40-step loop)', () => {
    const started = performance.now();
    expect(reasonOf(() => strings(Buffer.from([...varint(2 ** 40), 2, 0x61]), 0))).toBe('truncated_avro');
    expect(reasonOf(() => map(Buffer.from([...varint(2 ** 30), 2, 0x61, 0]), 0))).toBe('truncated_avro');
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('refuses a block of more than a million items even when bytes would allow it', () => {
    const nulls = compileAvroGuard({ type: 'array', items: 'null' });
    expect(reasonOf(() => nulls(Buffer.from([...varint(2_000_000), 0]), 0))).toBe('invalid_avro');
    expect(reasonOf(() => nulls(Buffer.from([...varint(3), 0]), 0))).toBeNull();
  });

  it('reads blocks with a negative count and a byte size', () => {
    const body = Buffer.from([...varint(-2), ...varint(4), 2, 0x61, 2, 0x62, 0]);
    expect(reasonOf(() => strings(body, 0))).toBeNull();
  });

  it('refuses negative lengths, long varints, bad booleans and out-of-range ints', () => {
    expect(reasonOf(() => compileAvroGuard('string')(Buffer.from(varint(-3)), 0))).toBe('invalid_avro');
    const tooLong = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(reasonOf(() => compileAvroGuard('long')(tooLong, 0))).toBe('invalid_avro');
    expect(reasonOf(() => compileAvroGuard('boolean')(Buffer.from([2]), 0))).toBe('invalid_avro');
    expect(reasonOf(() => compileAvroGuard('int')(Buffer.from(varint(2 ** 31)), 0))).toBe('invalid_avro');
    expect(reasonOf(() => compileAvroGuard('int')(Buffer.from(varint(-(2 ** 31))), 0))).toBeNull();
  });

  it('accepts the extreme longs avsc carries (±(2^53 − 2)) and refuses beyond', () => {
    const long = compileAvroGuard('long');
    const type = avro.Type.forSchema('long');
    expect(reasonOf(() => long(type.toBuffer(2 ** 53 - 2), 0))).toBeNull();
    expect(reasonOf(() => long(type.toBuffer(-(2 ** 53) + 2), 0))).toBeNull();
    // 2^53 − 1 zig-zag encoded by hand (avsc itself refuses to write it).
    const maxSafe = Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f]);
    expect(reasonOf(() => long(maxSafe, 0))).toBe('schema_violation');
    const beyond = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02]); // zig-zag 2^57 → 2^56
    expect(reasonOf(() => long(beyond, 0))).toBe('schema_violation');
  });

  it('accepts every body avsc writes for random values of our schemas (property)', () => {
    for (const schema of [TELEMETRY_EVENT_V1_SCHEMA, WINDOW_AGGREGATE_V1_SCHEMA]) {
      const type = avro.Type.forSchema(schema as avro.Schema, { registry: {} });
      const guard = compileAvroGuard(schema);
      for (let i = 0; i < 200; i++) {
        const value = type.random();
        let body: Buffer;
        try {
          body = type.toBuffer(value);
        } catch {
          continue; // avsc's random longs may exceed the safe range
        }
        expect(reasonOf(() => guard(body, 0))).toBeNull();
      }
    }
  });

  it('throws only ContractErrors on arbitrary bytes (property)', () => {
    const guard = compileAvroGuard(TELEMETRY_EVENT_V1_SCHEMA);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        reasonOf(() => guard(Buffer.from(bytes), 0));
      }),
      { numRuns: 2000 },
    );
  });
});
