import { describe, expect, it } from 'vitest';
import { detectionRulesDiff, detectionRulesHash } from '../src/index.js';

describe('detection rules change', () => {
  it('hashes the rules as written, whatever the key order', () => {
    const a = { latency: { z_threshold: 4, min_samples: 20 }, overrides: [] };
    const b = { overrides: [], latency: { min_samples: 20, z_threshold: 4 } };
    expect(detectionRulesHash(a)).toBe(detectionRulesHash(b));
    expect(detectionRulesHash(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(detectionRulesHash({ latency: { z_threshold: 5 } })).not.toBe(detectionRulesHash(a));
    expect(detectionRulesHash(undefined)).toBe(detectionRulesHash({}));
  });

  it('summarises added, removed and changed leaves, sorted by path', () => {
    const before = { latency: { z_threshold: 4, min_samples: 20 }, cost: { enabled: true }, overrides: [] };
    const after = {
      latency: { z_threshold: 5, min_samples: 20 },
      errors: { ratio: 0.2 },
      overrides: [{ a: 1 }],
    };
    expect(detectionRulesDiff(before, after)).toEqual([
      '- cost',
      '+ errors = {"ratio":0.2}',
      '~ latency.z_threshold: 4 -> 5',
      '~ overrides: [] -> [{"a":1}]',
    ]);
    expect(detectionRulesDiff(after, after)).toEqual([]);
    expect(detectionRulesDiff(null, { a: 1 })).toEqual(['+ a = 1']);
  });
});
