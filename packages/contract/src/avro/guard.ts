import { isUtf8 } from 'node:buffer';
import { ContractError } from '../errors.js';

/**
 * A structural check of an Avro binary body against its writer schema, run before the body is decoded.
 * Decoding libraries trust their input: a ten-byte message can claim an array of 2^50 items, a string
 * can hold invalid UTF-8 (silently replaced), a long can exceed 2^53. The guard walks the bytes once,
 * allocating nothing, and refuses with a typed error naming the field:
 * truncated_avro (body ends early), invalid_avro (bad union/enum index, negative length, varint too long,
 * trailing bytes), invalid_utf8, schema_violation (a long outside the safe-integer range).
 */
export type AvroGuard = (buf: Uint8Array, start: number) => void;

type Check = (buf: Uint8Array, pos: number, end: number) => number;

interface Compiled {
  readonly check: Check;
  /** Fewest bytes one value can occupy (to bound block counts by the bytes left). */
  readonly minBytes: number;
}

/** Items in one array or map block, whatever the item size (a cap against zero-byte items). */
const MAX_BLOCK_ITEMS = 1_000_000;

// Result of the last varint read; module-level so that reads allocate nothing (single-threaded).
let varint = 0;

function truncated(path: string): ContractError {
  return new ContractError('truncated_avro', `field ${path}: Avro body ends before the value does`, {
    field: path,
  });
}
function invalid(path: string, what: string): ContractError {
  return new ContractError('invalid_avro', `field ${path}: ${what}`, { field: path });
}

/**
 * Reads a zig-zag varint into `varint`; returns the new position. Values beyond the safe-integer range
 * are refused; lengths and indexes are range-checked by the caller.
 */
function readVarint(buf: Uint8Array, pos: number, end: number, path: string): number {
  let n = 0;
  let shift = 1;
  let b: number;
  let bytes = 0;
  do {
    if (pos >= end) throw truncated(path);
    b = buf[pos++] as number;
    if (++bytes > 7) return readBigVarint(buf, pos - bytes, end, path);
    n += (b & 0x7f) * shift;
    shift *= 128;
  } while (b & 0x80);
  varint = n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  return pos;
}

/** The longs avsc decodes without "potential precision loss": ±(2^53 − 2). */
const MAX_LONG = 9_007_199_254_740_990n;

/** Slow path for varints of 8+ bytes (|value| >= 2^48): exact with BigInt, refused outside ±MAX_LONG. */
function readBigVarint(buf: Uint8Array, pos: number, end: number, path: string): number {
  let n = 0n;
  let shift = 0n;
  let b: number;
  do {
    if (pos >= end) throw truncated(path);
    if (shift >= 70n) throw invalid(path, 'varint longer than 10 bytes');
    b = buf[pos++] as number;
    n |= BigInt(b & 0x7f) << shift;
    shift += 7n;
  } while (b & 0x80);
  const value = (n & 1n) === 0n ? n >> 1n : -((n + 1n) >> 1n);
  if (value > MAX_LONG || value < -MAX_LONG) {
    throw new ContractError(
      'schema_violation',
      `field ${path}: long value ${value} is outside the safe integer range (±(2^53 − 2))`,
      { field: path },
    );
  }
  varint = Number(value);
  return pos;
}

function readLength(buf: Uint8Array, pos: number, end: number, path: string): number {
  pos = readVarint(buf, pos, end, path);
  if (varint < 0) throw invalid(path, `negative length ${varint}`);
  if (varint > end - pos) throw truncated(path);
  return pos;
}

function checkUtf8(buf: Uint8Array, from: number, to: number, path: string): void {
  for (let i = from; i < to; i++) {
    if ((buf[i] as number) >= 0x80) {
      if (!isUtf8(buf.subarray(from, to))) {
        throw new ContractError('invalid_utf8', `field ${path}: string is not valid UTF-8`, { field: path });
      }
      return;
    }
  }
}

const PRIMITIVE_CHECKS: Readonly<Record<string, (path: string) => Compiled>> = {
  null: () => ({ check: (_b, pos) => pos, minBytes: 0 }),
  boolean: (path) => ({
    check: (buf, pos, end) => {
      if (pos >= end) throw truncated(path);
      if ((buf[pos] as number) > 1) throw invalid(path, `boolean byte ${buf[pos]} is neither 0 nor 1`);
      return pos + 1;
    },
    minBytes: 1,
  }),
  int: (path) => ({
    check: (buf, pos, end) => {
      pos = readVarint(buf, pos, end, path);
      if (varint > 2_147_483_647 || varint < -2_147_483_648)
        throw invalid(path, `int ${varint} out of range`);
      return pos;
    },
    minBytes: 1,
  }),
  long: (path) => ({ check: (buf, pos, end) => readVarint(buf, pos, end, path), minBytes: 1 }),
  float: (path) => fixedSize(4, path),
  double: (path) => fixedSize(8, path),
  bytes: (path) => ({
    check: (buf, pos, end) => {
      pos = readLength(buf, pos, end, path);
      return pos + varint;
    },
    minBytes: 1,
  }),
  string: (path) => ({
    check: (buf, pos, end) => {
      pos = readLength(buf, pos, end, path);
      const to = pos + varint;
      checkUtf8(buf, pos, to, path);
      return to;
    },
    minBytes: 1,
  }),
};

function fixedSize(size: number, path: string): Compiled {
  return {
    check: (_buf, pos, end) => {
      if (pos + size > end) throw truncated(path);
      return pos + size;
    },
    minBytes: size,
  };
}

function blocks(path: string, item: Compiled, isMap: boolean): Compiled {
  const keyPath = `${path} key`;
  const itemMin = item.minBytes + (isMap ? 1 : 0);
  const checkItem = item.check;
  return {
    check: (buf, pos, end) => {
      for (;;) {
        pos = readVarint(buf, pos, end, path);
        let n = varint;
        if (n === 0) return pos;
        if (n < 0) {
          n = -n;
          pos = readVarint(buf, pos, end, path);
          if (varint < 0) throw invalid(path, `negative block size ${varint}`);
        }
        if (n * itemMin > end - pos) throw truncated(path);
        if (n > MAX_BLOCK_ITEMS) throw invalid(path, `block of ${n} items exceeds ${MAX_BLOCK_ITEMS}`);
        for (let i = 0; i < n; i++) {
          if (isMap) {
            pos = readLength(buf, pos, end, keyPath);
            const to = pos + varint;
            checkUtf8(buf, pos, to, keyPath);
            pos = to;
          }
          pos = checkItem(buf, pos, end);
        }
      }
    },
    minBytes: 1,
  };
}

function compile(
  schema: unknown,
  path: string,
  namespace: string | undefined,
  named: Map<string, Compiled>,
): Compiled {
  if (typeof schema === 'string') {
    const primitive = Object.hasOwn(PRIMITIVE_CHECKS, schema) ? PRIMITIVE_CHECKS[schema] : undefined;
    if (primitive !== undefined) return primitive(path);
    const ref =
      named.get(schema) ?? (namespace === undefined ? undefined : named.get(`${namespace}.${schema}`));
    if (ref === undefined) throw new TypeError(`Avro guard: unknown named type ${schema}`);
    return ref;
  }
  if (Array.isArray(schema)) {
    const branches = schema.map((branch) => compile(branch, path, namespace, named).check);
    const count = branches.length;
    return {
      check: (buf, pos, end) => {
        pos = readVarint(buf, pos, end, path);
        const index = varint;
        if (index < 0 || index >= count) throw invalid(path, `union branch index ${index} out of range`);
        return (branches[index] as Check)(buf, pos, end);
      },
      minBytes: 1,
    };
  }
  if (typeof schema !== 'object' || schema === null) throw new TypeError('Avro guard: invalid schema');
  const s = schema as Record<string, unknown>;
  const type = s.type;
  const compiler =
    typeof type === 'string' && Object.hasOwn(TYPE_COMPILERS, type) ? TYPE_COMPILERS[type] : undefined;
  // {"type": "long", "logicalType": …}, {"type": "Name"} or {"type": [...]}: the inner type decides.
  if (compiler === undefined) return compile(type, path, namespace, named);
  return compiler(s, path, namespace, named);
}

type TypeCompiler = (
  s: Record<string, unknown>,
  path: string,
  namespace: string | undefined,
  named: Map<string, Compiled>,
) => Compiled;

function qualified(s: Record<string, unknown>, namespace: string | undefined): string {
  const name = String(s.name);
  if (name.includes('.')) return name;
  const ns = typeof s.namespace === 'string' ? s.namespace : namespace;
  return ns === undefined || ns === '' ? name : `${ns}.${name}`;
}

const TYPE_COMPILERS: Readonly<Record<string, TypeCompiler>> = {
  record: compileRecord,
  error: compileRecord,
  enum: (s, path, namespace, named) => {
    const size = (s.symbols as unknown[]).length;
    const compiled: Compiled = {
      check: (buf, pos, end) => {
        pos = readVarint(buf, pos, end, path);
        if (varint < 0 || varint >= size) throw invalid(path, `enum index ${varint} out of range`);
        return pos;
      },
      minBytes: 1,
    };
    named.set(qualified(s, namespace), compiled);
    return compiled;
  },
  fixed: (s, path, namespace, named) => {
    const compiled = fixedSize(Number(s.size), path);
    named.set(qualified(s, namespace), compiled);
    return compiled;
  },
  array: (s, path, namespace, named) => blocks(path, compile(s.items, `${path}[*]`, namespace, named), false),
  map: (s, path, namespace, named) => blocks(path, compile(s.values, `${path}[*]`, namespace, named), true),
};

function compileRecord(
  s: Record<string, unknown>,
  path: string,
  namespace: string | undefined,
  named: Map<string, Compiled>,
): Compiled {
  const name = qualified(s, namespace);
  const inner = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : undefined;
  const checks: Check[] = [];
  let minBytes = 0;
  // Registered before its fields so that a recursive reference resolves (lazily, through `checks`).
  const compiled: Compiled = {
    check: (buf, pos, end) => {
      for (let i = 0; i < checks.length; i++) pos = (checks[i] as Check)(buf, pos, end);
      return pos;
    },
    get minBytes() {
      return minBytes;
    },
  };
  named.set(name, compiled);
  for (const field of s.fields as { name: string; type: unknown }[]) {
    const fieldPath = path === '' ? field.name : `${path}.${field.name}`;
    const c = compile(field.type, fieldPath, inner, named);
    checks.push(c.check);
    minBytes += c.minBytes;
  }
  return compiled;
}

/** Compiles a guard for bodies written with `schema` (parsed Avro JSON). */
export function compileAvroGuard(schema: unknown): AvroGuard {
  const { check } = compile(schema, '', undefined, new Map());
  return (buf, start) => {
    const end = buf.length;
    const pos = check(buf, start, end);
    if (pos !== end) {
      throw new ContractError('invalid_avro', `${end - pos} unexpected trailing byte(s) after the record`);
    }
  };
}
