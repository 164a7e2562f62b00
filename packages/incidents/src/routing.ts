import type { Labels } from './labels.js';
import { matchesAll } from './matchers.js';
import {
  DEFAULT_GROUP_BY,
  DEFAULT_GROUP_INTERVAL_MS,
  DEFAULT_GROUP_WAIT_MS,
  DEFAULT_REPEAT_INTERVAL_MS,
  type Matcher,
  type RouteConfig,
} from './model.js';

/** A route of the tree with every inherited option resolved. */
export interface Route {
  /** Position in the tree: "0" is the root, "0.2.1" the second child of the third child of the root. */
  readonly path: string;
  readonly receiver: string;
  readonly matchers: readonly Matcher[];
  /** Sorted label names, or null for `...` (group by every label). */
  readonly groupBy: readonly string[] | null;
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  readonly continue: boolean;
  readonly routes: readonly Route[];
}

interface Inherited {
  readonly receiver: string;
  readonly groupBy: readonly string[] | null;
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
}

const ROOT_DEFAULTS: Inherited = {
  receiver: '',
  groupBy: [...DEFAULT_GROUP_BY].sort(),
  groupWaitMs: DEFAULT_GROUP_WAIT_MS,
  groupIntervalMs: DEFAULT_GROUP_INTERVAL_MS,
  repeatIntervalMs: DEFAULT_REPEAT_INTERVAL_MS,
};

/** Resolves the config tree: a child inherits receiver, group_by and the three intervals it does not set. */
export function compileRoutes(config: RouteConfig): Route {
  return compile(config, ROOT_DEFAULTS, '0');
}

function compile(config: RouteConfig, parent: Inherited, path: string): Route {
  const groupBy =
    config.group_by === undefined
      ? parent.groupBy
      : config.group_by.includes('...')
        ? null
        : [...new Set(config.group_by)].sort();
  const own: Inherited = {
    receiver: config.receiver,
    groupBy,
    groupWaitMs: config.group_wait_ms ?? parent.groupWaitMs,
    groupIntervalMs: config.group_interval_ms ?? parent.groupIntervalMs,
    repeatIntervalMs: config.repeat_interval_ms ?? parent.repeatIntervalMs,
  };
  return {
    path,
    ...own,
    matchers: config.matchers ?? [],
    continue: config.continue ?? false,
    routes: (config.routes ?? []).map((child, i) => compile(child, own, `${path}.${i}`)),
  };
}

/**
 * The routes an alert goes to (Alertmanager's dispatcher): a route matches when its matchers do; its children
 * are tried in order and the first that matches ends the search unless it has `continue: true`; a matching
 * route none of whose children match takes the alert itself. The root matches everything (its matchers, if
 * any, are ignored, as in Alertmanager).
 */
export function matchRoutes(root: Route, labels: Labels): Route[] {
  return descend(root, labels, true) ?? [root];
}

function descend(route: Route, labels: Labels, isRoot: boolean): Route[] | null {
  if (!isRoot && !matchesAll(route.matchers, labels)) return null;
  const all: Route[] = [];
  for (const child of route.routes) {
    const found = descend(child, labels, false);
    if (found === null) continue;
    all.push(...found);
    if (!child.continue) break;
  }
  if (all.length === 0) all.push(route);
  return all;
}

/** Every route of the tree, depth first (for validation and listing). */
export function allRoutes(root: Route): Route[] {
  const out: Route[] = [root];
  for (const child of root.routes) out.push(...allRoutes(child));
  return out;
}

/** The group labels of an alert under a route: its labels named in the route's group_by (absent ones left out). */
export function groupLabelsOf(route: Route, labels: Labels): Record<string, string> {
  if (route.groupBy === null) return { ...labels };
  const out: Record<string, string> = {};
  for (const name of route.groupBy) {
    const value = labels[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
