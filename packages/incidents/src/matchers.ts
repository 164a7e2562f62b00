import type { Labels } from './labels.js';
import type { Matcher } from './model.js';

// Compiled anchored regexes, keyed by source: matchers come from a handful of config entries and silences.
const compiled = new Map<string, RegExp>();

function anchored(source: string): RegExp {
  let re = compiled.get(source);
  if (re === undefined) {
    re = new RegExp(`^(?:${source})$`, 'u');
    if (compiled.size >= 10_000) compiled.clear();
    compiled.set(source, re);
  }
  return re;
}

/** Alertmanager semantics: an absent label has the value "", so `team=""` matches alerts without `team`. */
export function matches(matcher: Matcher, labels: Labels): boolean {
  const value = labels[matcher.name] ?? '';
  switch (matcher.op) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return anchored(matcher.value).test(value);
    case '!~':
      return !anchored(matcher.value).test(value);
  }
}

/** True when every matcher matches (so an empty list matches everything). */
export function matchesAll(matchers: readonly Matcher[], labels: Labels): boolean {
  for (const m of matchers) if (!matches(m, labels)) return false;
  return true;
}

/** The text form Alertmanager prints: provider="anthropic". */
export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}
