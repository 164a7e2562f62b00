import { isUtf8 } from 'node:buffer';
import { SINGLE_OBJECT_MAGIC_0, SINGLE_OBJECT_MAGIC_1 } from './avro/codec.js';
import { ContractError } from './errors.js';

/**
 * The wire formats a message may use, detected per message from its first bytes:
 * - 'json': first non-whitespace byte is `{` (a UTF-8 BOM is skipped);
 * - 'avro': Avro single-object encoding, C3 01 + 8-byte little-endian CRC-64-AVRO schema fingerprint;
 * - 'confluent': Confluent Schema Registry framing, 00 + 4-byte big-endian schema id (decoded only when a
 *   schema registry is configured).
 */
export type WireFormat = 'json' | 'avro' | 'confluent';

export const CONFLUENT_MAGIC = 0x00;
export const CONFLUENT_HEADER_BYTES = 5;

/** Index of the first byte that is not JSON whitespace or a UTF-8 BOM. */
export function skipJsonWhitespace(buf: Uint8Array): number {
  let i = 0;
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3;
  for (; i < buf.length; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
  }
  return i;
}

/** The wire format of one message, or null when its first bytes match none. */
export function detectWireFormat(buf: Uint8Array): WireFormat | null {
  if (buf.length === 0) return null;
  const first = buf[0];
  if (first === SINGLE_OBJECT_MAGIC_0) return buf[1] === SINGLE_OBJECT_MAGIC_1 ? 'avro' : null;
  if (first === CONFLUENT_MAGIC) return 'confluent';
  if (first === 0x7b) return 'json';
  return buf[skipJsonWhitespace(buf)] === 0x7b ? 'json' : null;
}

/** The error for a message whose first bytes match no wire format. */
export function badMagic(buf: Uint8Array): ContractError {
  if (buf.length === 0) return new ContractError('bad_magic', 'empty message');
  const head = Buffer.from(buf.buffer, buf.byteOffset, Math.min(buf.length, 4)).toString('hex');
  return new ContractError(
    'bad_magic',
    `message starts with 0x${head}: not a JSON object ("{"), Avro single-object (0xc301) or Confluent framing (0x00)`,
  );
}

/** A Buffer view of the same bytes (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** True when the nesting of `{`/`[` outside strings exceeds `maxDepth` (a byte scan, before parsing). */
export function jsonDepthExceeds(buf: Buffer, start: number, maxDepth: number): boolean {
  let depth = 0;
  const end = buf.length;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c === 0x22) {
      // Jump to the closing quote: the next quote not preceded by an odd run of backslashes.
      let j = i;
      for (;;) {
        j = buf.indexOf(0x22, j + 1);
        if (j < 0) return false; // unterminated string: JSON.parse will say so
        let backslashes = 0;
        for (let k = j - 1; buf[k] === 0x5c; k--) backslashes++;
        if ((backslashes & 1) === 0) break;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/**
 * Parses a JSON message whose top level must be an object. Refuses invalid UTF-8 (JSON.parse would
 * silently replace it), nesting deeper than `maxDepth`, syntax errors and non-object tops, each with its
 * own reason.
 */
export function parseJsonObject(buf: Buffer, maxDepth: number): Record<string, unknown> {
  if (!isUtf8(buf)) throw new ContractError('invalid_utf8', 'JSON message is not valid UTF-8');
  const start = skipJsonWhitespace(buf);
  if (jsonDepthExceeds(buf, start, maxDepth)) {
    throw new ContractError('json_too_deep', `JSON nests deeper than ${maxDepth} levels`);
  }
  let value: unknown;
  try {
    value = JSON.parse(buf.toString('utf8', start));
  } catch (cause) {
    throw new ContractError('invalid_json', `invalid JSON: ${(cause as Error).message.slice(0, 200)}`, {
      cause,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ContractError('invalid_json', 'JSON message must be an object');
  }
  return value as Record<string, unknown>;
}
