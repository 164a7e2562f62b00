import { isRetryable } from '@aiops/core';
import { createDecoder, type DecoderOptions, type TelemetryDecoder } from './decoder.js';
import { ContractError } from './errors.js';
import { type ContractLimits, DEFAULT_LIMITS } from './limits.js';
import { type NormalizeOptions, normalizeEvent } from './normalize.js';
import type { PriceTable } from './pricing.js';
import type { TelemetryEvent } from './types.js';
import type { WireFormat } from './wire.js';

/** Everything the validator's hot path needs, built once; set `nowMs` per batch (`{ ...ctx, nowMs }`). */
export interface ParseContext extends NormalizeOptions {
  readonly decoder: TelemetryDecoder;
  readonly limits: ContractLimits;
}

export interface ParseContextOptions extends DecoderOptions {
  readonly priceTable: PriceTable | null;
  readonly userIdSalt: string | null;
  readonly nowMs?: number;
}

export function createParseContext(options: ParseContextOptions): ParseContext {
  const limits = options.limits ?? DEFAULT_LIMITS;
  return {
    decoder: createDecoder({ ...options, limits }),
    limits,
    priceTable: options.priceTable,
    userIdSalt: options.userIdSalt,
    nowMs: options.nowMs ?? 0,
  };
}

export type ParseResult =
  | { readonly ok: true; readonly event: TelemetryEvent; readonly format: WireFormat }
  | { readonly ok: false; readonly error: ContractError; readonly format: WireFormat | null };

/**
 * Decode + validate + normalise one raw message. Never throws for bad input: every problem comes back
 * as a ContractError with its reason and field. (The one exception is a programming error of the
 * caller: a Confluent schema id not prefetched, see TelemetryDecoder.prefetch, which throws a
 * RetryableError.)
 */
export function parseTelemetryMessage(buf: Uint8Array, ctx: ParseContext): ParseResult {
  let format: WireFormat | null = null;
  try {
    const decoded = ctx.decoder.decodeMessage(buf);
    format = decoded.format;
    return { ok: true, event: normalizeEvent(decoded.value, ctx), format };
  } catch (error) {
    if (error instanceof ContractError) return { ok: false, error, format };
    if (isRetryable(error)) throw error;
    return {
      ok: false,
      format,
      error: new ContractError(
        'schema_violation',
        `message could not be decoded: ${String((error as Error)?.message ?? error)}`,
        {
          cause: error,
        },
      ),
    };
  }
}
