/**
 * Parsing Canonical Form and the CRC-64-AVRO (Rabin) fingerprint, as the Avro specification defines them.
 * Used to name a writer schema in the single-object encoding header (0xC3 0x01 + 8-byte little-endian
 * fingerprint).
 */

const PRIMITIVES: ReadonlySet<string> = new Set([
  'null',
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'bytes',
  'string',
]);

function fullName(name: string, namespace: string | undefined): string {
  if (name.includes('.') || namespace === undefined || namespace === '') return name;
  return `${namespace}.${name}`;
}

function namespaceOf(fullname: string): string | undefined {
  const dot = fullname.lastIndexOf('.');
  return dot < 0 ? undefined : fullname.slice(0, dot);
}

/**
 * The Parsing Canonical Form of a schema given as parsed JSON: primitives as bare strings, full names,
 * only the attributes that matter for parsing (name, type, fields, symbols, items, values, size) in that
 * order, no whitespace. Named types already written appear as their full name.
 */
export function parsingCanonicalForm(schema: unknown): string {
  return canonical(schema, undefined, new Set());
}

function canonical(schema: unknown, namespace: string | undefined, seen: Set<string>): string {
  if (typeof schema === 'string') {
    if (PRIMITIVES.has(schema)) return JSON.stringify(schema);
    return JSON.stringify(fullName(schema, namespace));
  }
  if (Array.isArray(schema)) {
    return `[${schema.map((branch) => canonical(branch, namespace, seen)).join(',')}]`;
  }
  if (typeof schema !== 'object' || schema === null) {
    throw new TypeError(`not an Avro schema: ${JSON.stringify(schema)}`);
  }
  const s = schema as Record<string, unknown>;
  const type = s.type;
  if (typeof type !== 'string') return canonical(type, namespace, seen);
  if (PRIMITIVES.has(type)) return JSON.stringify(type);
  switch (type) {
    case 'record':
    case 'error':
    case 'enum':
    case 'fixed': {
      const name = fullName(
        String(s.name),
        typeof s.namespace === 'string' ? s.namespace : String(s.name).includes('.') ? undefined : namespace,
      );
      if (seen.has(name)) return JSON.stringify(name);
      seen.add(name);
      const head = `{"name":${JSON.stringify(name)},"type":${JSON.stringify(type)}`;
      if (type === 'enum') {
        return `${head},"symbols":[${(s.symbols as string[]).map((x) => JSON.stringify(x)).join(',')}]}`;
      }
      if (type === 'fixed') return `${head},"size":${Number(s.size)}}`;
      const inner = namespaceOf(name);
      const fields = (s.fields as { name: string; type: unknown }[]).map(
        (f) => `{"name":${JSON.stringify(f.name)},"type":${canonical(f.type, inner, seen)}}`,
      );
      return `${head},"fields":[${fields.join(',')}]}`;
    }
    case 'array':
      return `{"type":"array","items":${canonical(s.items, namespace, seen)}}`;
    case 'map':
      return `{"type":"map","values":${canonical(s.values, namespace, seen)}}`;
    default:
      // A reference to a named type written as {"type": "Name"}.
      return canonical(type, namespace, seen);
  }
}

const MASK64 = (1n << 64n) - 1n;
/** The CRC-64-AVRO "empty" value, which is also the polynomial seed. */
const EMPTY = 0xc15d213aa4d7a795n;

const TABLE: readonly bigint[] = (() => {
  const table: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK64);
    table.push(fp);
  }
  return table;
})();

/** CRC-64-AVRO of raw bytes, as an unsigned 64-bit bigint. */
export function crc64Avro(bytes: Uint8Array): bigint {
  let fp = EMPTY;
  for (const b of bytes) fp = (fp >> 8n) ^ (TABLE[Number((fp ^ BigInt(b)) & 0xffn)] as bigint);
  return fp;
}

/** The 64-bit Rabin fingerprint of a schema's Parsing Canonical Form. */
export function schemaFingerprint(schema: unknown): bigint {
  return crc64Avro(new TextEncoder().encode(parsingCanonicalForm(schema)));
}

/** The 10-byte single-object header: C3 01, then the fingerprint little-endian. */
export function singleObjectHeader(fingerprint: bigint): Buffer {
  const header = Buffer.alloc(10);
  header[0] = 0xc3;
  header[1] = 0x01;
  header.writeBigUInt64LE(fingerprint, 2);
  return header;
}
