/**
 * Every bound the contract enforces, in one place. Defaults are what the pipeline runs with; a service may
 * tighten or loosen them through configuration (`resolveLimits`).
 */
export interface ContractLimits {
  /** Whole message, any wire format. */
  readonly maxMessageBytes: number;
  /** Nesting depth of a JSON message (the top-level object is depth 1). */
  readonly maxJsonDepth: number;
  /** ids, series dimensions, names, error_type. */
  readonly maxIdLength: number;
  readonly maxAttributes: number;
  readonly maxAttributeKeyLength: number;
  readonly maxAttributeValueLength: number;
  readonly maxScores: number;
  readonly maxScoreNameLength: number;
  readonly maxGuardrailFlags: number;
  readonly maxGuardrailFlagLength: number;
  /** Upper bound of duration_ms and time_to_first_token_ms. */
  readonly maxDurationMs: number;
  /** Upper bound of each token count of one event (a sanity bound, far above any context window). */
  readonly maxTokens: number;
  /** Upper bound of cost_usd for one event (a sanity bound, far above any real call). */
  readonly maxCostUsd: number;
  /** How far before `nowMs` an event timestamp may lie. */
  readonly maxPastMs: number;
  /** How far after `nowMs` an event timestamp may lie (producer clock skew). */
  readonly maxFutureMs: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const DEFAULT_LIMITS: ContractLimits = Object.freeze({
  maxMessageBytes: 256 * 1024,
  maxJsonDepth: 8,
  maxIdLength: 256,
  maxAttributes: 64,
  maxAttributeKeyLength: 128,
  maxAttributeValueLength: 1024,
  maxScores: 64,
  maxScoreNameLength: 128,
  maxGuardrailFlags: 32,
  maxGuardrailFlagLength: 128,
  maxDurationMs: DAY_MS,
  maxTokens: 1_000_000_000,
  maxCostUsd: 1_000_000,
  maxPastMs: 30 * DAY_MS,
  maxFutureMs: DAY_MS,
});

/** Fills unspecified limits from the defaults; returns the defaults object itself when nothing is overridden. */
export function resolveLimits(overrides?: Partial<ContractLimits>): ContractLimits {
  if (overrides === undefined) return DEFAULT_LIMITS;
  let changed = false;
  for (const key of Object.keys(overrides) as (keyof ContractLimits)[]) {
    const value = overrides[key];
    if (value === undefined) continue;
    if (!(key in DEFAULT_LIMITS)) throw new RangeError(`unknown contract limit "${key}"`);
    if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
      throw new RangeError(`contract limit ${key} must be a finite number >= 0; got ${String(value)}`);
    }
    if (value !== DEFAULT_LIMITS[key]) changed = true;
  }
  if (!changed) return DEFAULT_LIMITS;
  const merged: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) merged[key] = value;
  return Object.freeze(merged) as unknown as ContractLimits;
}

/** The allowed event-time range, relative to a `nowMs` the caller supplies (validation reads no clock). */
export interface TimeRange {
  readonly nowMs: number;
  readonly maxPastMs: number;
  readonly maxFutureMs: number;
}

/** Returns null when `timestamp` lies within the range, else a sentence saying how it is out. */
export function checkTimestampRange(timestamp: number, range: TimeRange): string | null {
  const earliest = range.nowMs - range.maxPastMs;
  const latest = range.nowMs + range.maxFutureMs;
  if (timestamp < earliest) {
    return `is ${iso(timestamp)}, more than ${formatSpan(range.maxPastMs)} before now (${iso(range.nowMs)})`;
  }
  if (timestamp > latest) {
    return `is ${iso(timestamp)}, more than ${formatSpan(range.maxFutureMs)} after now (${iso(range.nowMs)})`;
  }
  return null;
}

/** ISO 8601 when the number is a representable date, else the number itself. */
function iso(ms: number): string {
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms`;
}

function formatSpan(ms: number): string {
  if (ms % DAY_MS === 0) return `${ms / DAY_MS} day${ms === DAY_MS ? '' : 's'}`;
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS} h`;
  return `${ms} ms`;
}
