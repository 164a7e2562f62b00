import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level: the same rules give the same text whatever the key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** `sha256:<hex>` of the rules as written (canonical JSON), before defaults: what a person changed. */
export function detectionRulesHash(rules: unknown): string {
  return `sha256:${createHash('sha256')
    .update(canonicalJson(rules ?? {}), 'utf8')
    .digest('hex')}`;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * What changed between two rules files, one line per leaf: `+ path = value`, `- path`, `~ path: a -> b`
 * (arrays compare as a whole: `overrides` is an ordered list). Sorted by path, so the summary is stable.
 */
export function detectionRulesDiff(before: unknown, after: unknown): string[] {
  const out: string[] = [];
  const walk = (path: string, a: unknown, b: unknown) => {
    if (isObject(a) && isObject(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const key of keys) walk(path === '' ? key : `${path}.${key}`, a[key], b[key]);
      return;
    }
    if (a === undefined && b === undefined) return;
    if (a === undefined) out.push(`+ ${path} = ${canonicalJson(b)}`);
    else if (b === undefined) out.push(`- ${path}`);
    else if (canonicalJson(a) !== canonicalJson(b))
      out.push(`~ ${path || '(root)'}: ${canonicalJson(a)} -> ${canonicalJson(b)}`);
  };
  walk('', before ?? {}, after ?? {});
  return out;
}
