import { SCENARIO_KINDS, type ScenarioKind } from './scenarios.js';

/**
 * Parsers for the human spellings the `aiops simulate` command accepts. Pure, so they are tested here and
 * shared by every command that takes a duration or a rate.
 */

const UNIT_MS: Readonly<Record<string, number>> = Object.freeze({
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
});

/** '90m', '2h', '1h30m', '45s', '1d', '1500ms', or a plain number of milliseconds → milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return check(Number(trimmed), text);
  const part = /(\d+(?:\.\d+)?)(ms|sec|min|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(trimmed); match !== null; match = part.exec(trimmed)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    consumed = part.lastIndex;
  }
  if (consumed === 0 || consumed !== trimmed.length) {
    throw new RangeError(`cannot read duration "${text}"; write e.g. 90m, 2h, 1h30m, 45s or 1d`);
  }
  return check(total, text);
}

function check(ms: number, text: string): number {
  if (!(ms > 0) || !Number.isFinite(ms)) throw new RangeError(`duration "${text}" must be > 0`);
  return Math.round(ms);
}

const RATE_UNITS: Readonly<Record<string, number>> = Object.freeze({
  s: 60,
  sec: 60,
  m: 1,
  min: 1,
  h: 1 / 60,
});

/** '600/min', '10/s', '36000/h', or a plain number (per minute) → events per minute. */
export function parseRate(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|sec|m|min|h))?\s*$/i.exec(text);
  if (match === null) throw new RangeError(`cannot read rate "${text}"; write e.g. 600/min, 10/s or 600`);
  const perMinute = Number(match[1]) * (match[2] === undefined ? 1 : RATE_UNITS[match[2].toLowerCase()]!);
  if (!(perMinute > 0)) throw new RangeError(`rate "${text}" must be > 0`);
  return perMinute;
}

/** 'max' (as fast as possible → Infinity) or a factor of event time over wall time ('60', '60x'). */
export function parseSpeed(text: string): number {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'max') return Number.POSITIVE_INFINITY;
  const match = /^(\d+(?:\.\d+)?)x?$/.exec(trimmed);
  if (match === null || !(Number(match[1]) > 0)) {
    throw new RangeError(`cannot read speed "${text}"; write max, or a factor such as 1, 60 or 600`);
  }
  return Number(match[1]);
}

/** 'all', 'none', or a comma-separated list of scenario kinds. */
export function parseScenarioKinds(text: string): ScenarioKind[] {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'none') return [];
  if (trimmed === 'all') return [...SCENARIO_KINDS];
  return trimmed.split(',').map((raw) => {
    const name = raw.trim();
    if (!(SCENARIO_KINDS as readonly string[]).includes(name)) {
      throw new RangeError(
        `unknown scenario "${name}"; expected all, none or some of ${SCENARIO_KINDS.join(', ')}`,
      );
    }
    return name as ScenarioKind;
  });
}
