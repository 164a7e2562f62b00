import avro from 'avsc';
import { ContractError } from '../errors.js';
import { schemaFingerprint, singleObjectHeader } from './fingerprint.js';
import { type AvroGuard, compileAvroGuard } from './guard.js';

/** Avro single-object encoding marker (spec: "Single-object encoding"). */
export const SINGLE_OBJECT_MAGIC_0 = 0xc3;
export const SINGLE_OBJECT_MAGIC_1 = 0x01;
export const SINGLE_OBJECT_HEADER_BYTES = 10;

type Resolver = ReturnType<avro.Type['createResolver']>;

/** One writer schema the codec can read, resolved to the reader schema. */
export interface AvroWriterVersion {
  readonly schema: unknown;
  readonly fingerprint: bigint;
  /** Undefined when the writer schema is the reader schema (no resolution needed). */
  readonly resolver: Resolver | undefined;
  readonly guard: AvroGuard;
}

/** Fresh options per type: avsc stores its name registry in the options object it is given. */
function typeFor(schema: unknown): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, { omitRecordMethods: true, registry: {} });
}

export function fingerprintHex(fingerprint: bigint): string {
  return `0x${fingerprint.toString(16).padStart(16, '0')}`;
}

/**
 * Reads and writes one record type in Avro: the reader (current) schema, plus every writer schema it
 * knows, looked up by CRC-64-AVRO fingerprint and resolved to the reader schema (so that readers of v1
 * read v1.1 and the other way round). Encoding always uses the reader schema.
 */
export class AvroRecordCodec {
  readonly schema: unknown;
  readonly type: avro.Type;
  readonly fingerprint: bigint;
  readonly header: Buffer;
  private readonly versions = new Map<bigint, AvroWriterVersion>();
  private readonly ownVersion: AvroWriterVersion;
  private scratch = Buffer.allocUnsafe(8192);

  constructor(readerSchema: unknown, writerSchemas: readonly unknown[] = []) {
    this.schema = readerSchema;
    this.type = typeFor(readerSchema);
    this.fingerprint = schemaFingerprint(readerSchema);
    this.header = singleObjectHeader(this.fingerprint);
    this.ownVersion = {
      schema: readerSchema,
      fingerprint: this.fingerprint,
      resolver: undefined,
      guard: compileAvroGuard(readerSchema),
    };
    this.versions.set(this.fingerprint, this.ownVersion);
    for (const schema of writerSchemas) this.register(schema);
  }

  /**
   * Adds a writer schema. Throws (a plain Error: a configuration problem, not bad input) when the schema
   * is not valid Avro or cannot be resolved to the reader schema.
   */
  register(writerSchema: unknown): AvroWriterVersion {
    const fingerprint = schemaFingerprint(writerSchema);
    const known = this.versions.get(fingerprint);
    if (known !== undefined) return known;
    const writer = typeFor(writerSchema);
    let resolver: Resolver;
    try {
      resolver = this.type.createResolver(writer);
    } catch (cause) {
      throw new Error(
        `writer schema ${fingerprintHex(fingerprint)} cannot be read as ${String(this.type.name)}: ${String(
          (cause as Error).message,
        )}`,
        { cause },
      );
    }
    const version: AvroWriterVersion = {
      schema: writerSchema,
      fingerprint,
      resolver,
      guard: compileAvroGuard(writerSchema),
    };
    this.versions.set(fingerprint, version);
    return version;
  }

  version(fingerprint: bigint): AvroWriterVersion | undefined {
    return this.versions.get(fingerprint);
  }

  knownFingerprints(): bigint[] {
    return [...this.versions.keys()];
  }

  /** Encodes `value` with the reader schema, after `prefix` (a single-object or Confluent header). */
  encodeWithPrefix(value: unknown, prefix: Uint8Array): Buffer {
    let scratch = this.scratch;
    scratch.set(prefix, 0);
    let end: number;
    try {
      end = this.type.encode(value, scratch, prefix.length);
      if (end < 0) {
        scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end));
        this.scratch = scratch;
        scratch.set(prefix, 0);
        end = this.type.encode(value, scratch, prefix.length);
      }
    } catch (cause) {
      throw new ContractError('schema_violation', `cannot encode as Avro: ${(cause as Error).message}`, {
        cause,
      });
    }
    const out = Buffer.allocUnsafe(end);
    scratch.copy(out, 0, 0, end);
    return out;
  }

  encodeSingleObject(value: unknown): Buffer {
    return this.encodeWithPrefix(value, this.header);
  }

  /** Guards then decodes an Avro body starting at `start` and ending at the end of `buf`. */
  decodeBody(buf: Buffer, start: number, version: AvroWriterVersion): unknown {
    version.guard(buf, start);
    let decoded: { value: unknown; offset: number };
    try {
      decoded = this.type.decode(buf, start, version.resolver);
    } catch (cause) {
      throw new ContractError('invalid_avro', `Avro body cannot be decoded: ${(cause as Error).message}`, {
        cause,
      });
    }
    if (decoded.offset < 0)
      throw new ContractError('truncated_avro', 'Avro body ends before the record does');
    return decoded.value;
  }

  /** Decodes a single-object message (C3 01 + fingerprint + body); the caller has checked the magic. */
  decodeSingleObject(buf: Buffer): unknown {
    if (buf.length < SINGLE_OBJECT_HEADER_BYTES) {
      throw new ContractError(
        'truncated_avro',
        `Avro single-object message of ${buf.length} bytes is shorter than its 10-byte header`,
      );
    }
    const fingerprint = buf.readBigUInt64LE(2);
    const version = fingerprint === this.fingerprint ? this.ownVersion : this.versions.get(fingerprint);
    if (version === undefined) {
      throw new ContractError(
        'unknown_fingerprint',
        `writer schema fingerprint ${fingerprintHex(fingerprint)} is not a known ${String(this.type.name)} version (known: ${this.knownFingerprints().map(fingerprintHex).join(', ')})`,
      );
    }
    return this.decodeBody(buf, SINGLE_OBJECT_HEADER_BYTES, version);
  }
}
