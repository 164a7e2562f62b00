import type { Labels } from './labels.js';
import { matchesAll } from './matchers.js';
import type { InhibitRule } from './model.js';

/** A firing alert, as inhibition sees it. */
export interface FiringAlert {
  readonly alertId: string;
  readonly labels: Labels;
}

/**
 * Alertmanager's inhibitor: a target is muted when some rule's target matchers match it and a *firing* alert
 * (not the target itself) matches the rule's source matchers with the same values of every `equal` label
 * (absent counts as "", so two alerts both without the label are equal on it).
 */
export function isInhibited(
  rules: readonly InhibitRule[],
  target: FiringAlert,
  firing: readonly FiringAlert[],
): boolean {
  for (const rule of rules) {
    if (!matchesAll(rule.target_matchers, target.labels)) continue;
    for (const source of firing) {
      if (source.alertId === target.alertId) continue;
      if (!matchesAll(rule.source_matchers, source.labels)) continue;
      if (rule.equal.every((name) => (source.labels[name] ?? '') === (target.labels[name] ?? '')))
        return true;
    }
  }
  return false;
}
