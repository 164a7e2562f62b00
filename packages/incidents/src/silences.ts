import type { Labels } from './labels.js';
import { matchesAll } from './matchers.js';
import type { Silence } from './model.js';

/** A silence mutes at `at` when it has started, has not ended and has not been expired by hand. */
export function silenceActive(silence: Silence, at: number): boolean {
  if (at < silence.starts_at || at >= silence.ends_at) return false;
  return silence.expired_at === null || at < silence.expired_at;
}

/** Ids (sorted) of the silences active at `at` whose matchers all match the labels. */
export function silencesMuting(silences: Iterable<Silence>, labels: Labels, at: number): string[] {
  const ids: string[] = [];
  for (const s of silences)
    if (silenceActive(s, at) && matchesAll(s.matchers, labels)) ids.push(s.silence_id);
  return ids.sort();
}

/** A silence is of no further use once it can never be active again. */
export function silenceOver(silence: Silence, at: number): boolean {
  return at >= silence.ends_at || (silence.expired_at !== null && at >= silence.expired_at);
}
