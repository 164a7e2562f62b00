import { RetryableError } from '@aiops/core';
import { AvroRecordCodec, type AvroWriterVersion } from './avro/codec.js';
import { TELEMETRY_EVENT_OLDER_SCHEMAS, TELEMETRY_EVENT_SCHEMA } from './avro/schemas.js';
import { ContractError } from './errors.js';
import { type ContractLimits, DEFAULT_LIMITS } from './limits.js';
import type { SchemaRegistryClient } from './registry.js';
import {
  asBuffer,
  badMagic,
  CONFLUENT_HEADER_BYTES,
  detectWireFormat,
  parseJsonObject,
  type WireFormat,
} from './wire.js';

export interface DecoderOptions {
  /** Enables Confluent framing (00 + schema id). Without it such messages are refused as bad_magic. */
  readonly registry?: SchemaRegistryClient;
  /** Writer schemas besides v1 that single-object messages may use (e.g. a newer minor version). */
  readonly knownSchemas?: readonly unknown[];
  readonly limits?: ContractLimits;
}

export interface DecodedMessage {
  readonly format: WireFormat;
  /** The raw object: a parsed JSON object (producer names), or an Avro record resolved to v1. */
  readonly value: Record<string, unknown>;
}

/** Thrown when a Confluent schema id has not been loaded: call `prefetch` for the batch first. */
export class SchemaNotLoadedError extends RetryableError {
  readonly schemaId: number;
  constructor(schemaId: number) {
    super(`schema id ${schemaId} is not loaded yet: call decoder.prefetch(messages) before decoding`);
    this.schemaId = schemaId;
  }
}

export interface TelemetryDecoder {
  /** Detects the wire format and decodes; throws ContractError (or SchemaNotLoadedError, see prefetch). */
  decodeMessage(buf: Uint8Array): DecodedMessage;
  /** decodeMessage(buf).value */
  decode(buf: Uint8Array): Record<string, unknown>;
  /**
   * Loads, from the registry, the writer schema of every Confluent-framed message in `messages` that is
   * not loaded yet, so that decode stays synchronous. Rejects with RetryableError when the registry could
   * not answer. A no-op without a registry or when every id is cached.
   */
  prefetch(messages: Iterable<Uint8Array>): Promise<void>;
  /** Adds a writer schema for single-object messages at run time; returns its fingerprint. */
  registerSchema(schema: unknown): bigint;
  /** The codec of the current reader schema (encoding, fingerprints). */
  readonly avro: AvroRecordCodec;
}

/**
 * A telemetry decoder for one set of limits and known schemas: JSON, Avro single-object (writer schema
 * by fingerprint among the known versions, resolved to the current (v1.1) reader schema) and, with a registry,
 * Confluent framing. The returned object is raw: canonicalize/normalize it next.
 */
export function createDecoder(options: DecoderOptions = {}): TelemetryDecoder {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const avro = new AvroRecordCodec(TELEMETRY_EVENT_SCHEMA, [
    ...TELEMETRY_EVENT_OLDER_SCHEMAS,
    ...(options.knownSchemas ?? []),
  ]);
  const registry = options.registry;
  /** Confluent schema id → resolved writer version, or the ContractError that id always yields. */
  const byId = new Map<number, AvroWriterVersion | ContractError>();

  const versionForId = (
    id: number,
    loaded: { schema: unknown } | null,
  ): AvroWriterVersion | ContractError => {
    let entry: AvroWriterVersion | ContractError;
    if (loaded === null) {
      entry = new ContractError('unknown_schema_id', `schema id ${id} is unknown to the schema registry`);
    } else {
      try {
        entry = avro.register(loaded.schema);
      } catch (cause) {
        entry = new ContractError(
          'unknown_schema_id',
          `schema id ${id} is not a readable TelemetryEvent schema: ${(cause as Error).message}`,
          { cause },
        );
      }
    }
    byId.set(id, entry);
    return entry;
  };

  const decodeConfluent = (buf: Buffer): Record<string, unknown> => {
    if (registry === undefined) {
      throw new ContractError(
        'bad_magic',
        'message uses Confluent framing (0x00 + schema id) but no schema registry is configured',
      );
    }
    if (buf.length < CONFLUENT_HEADER_BYTES) {
      throw new ContractError(
        'truncated_avro',
        `Confluent-framed message of ${buf.length} bytes has no body`,
      );
    }
    const id = buf.readUInt32BE(1);
    let entry = byId.get(id);
    if (entry === undefined) {
      const cached = registry.getCachedSchema(id);
      if (cached === undefined) throw new SchemaNotLoadedError(id);
      entry = versionForId(id, cached);
    }
    if (entry instanceof ContractError) throw entry;
    return avro.decodeBody(buf, CONFLUENT_HEADER_BYTES, entry) as Record<string, unknown>;
  };

  const decodeMessage = (bytes: Uint8Array): DecodedMessage => {
    if (bytes.length > limits.maxMessageBytes) {
      throw new ContractError(
        'message_too_large',
        `message of ${bytes.length} bytes exceeds the limit of ${limits.maxMessageBytes} bytes`,
      );
    }
    const buf = asBuffer(bytes);
    const format = detectWireFormat(buf);
    switch (format) {
      case 'json':
        return { format, value: parseJsonObject(buf, limits.maxJsonDepth) };
      case 'avro':
        return { format, value: avro.decodeSingleObject(buf) as Record<string, unknown> };
      case 'confluent':
        return { format, value: decodeConfluent(buf) };
      default:
        throw badMagic(buf);
    }
  };

  return {
    avro,
    decodeMessage,
    decode: (buf) => decodeMessage(buf).value,
    registerSchema: (schema) => avro.register(schema).fingerprint,
    async prefetch(messages) {
      if (registry === undefined) return;
      const missing = new Set<number>();
      for (const m of messages) {
        if (m.length >= CONFLUENT_HEADER_BYTES && m[0] === 0x00) {
          const id = asBuffer(m).readUInt32BE(1);
          if (!byId.has(id)) missing.add(id);
        }
      }
      for (const id of missing) versionForId(id, await registry.getSchemaById(id));
    },
  };
}
