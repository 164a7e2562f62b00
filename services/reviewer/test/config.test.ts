import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reviewerConfigFromEnv } from '../src/index.js';

describe('reviewer configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aiops-reviewer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const withRules = (rules: string) => {
    const file = join(dir, `rules-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, rules);
    return () => reviewerConfigFromEnv({ KAFKA_BROKERS: '127.0.0.1:19092', REVIEW_RULES_FILE: file });
  };

  it('reads the rules file, every key defaulted', () => {
    const config = withRules('{"thresholds": {"faithfulness": 0.7}, "cap_per_tenant": 50}')();
    expect(config.review).toMatchObject({
      thresholds: { faithfulness: 0.7 },
      default_threshold: 0.3,
      cap_per_tenant: 50,
      cap_window_ms: 3_600_000,
      sample_rate: 1,
    });
    expect(config.topics.review).toBe('aiops.review.v1');
    expect(config.groupId).toBe('aiops-reviewer');
  });

  it('a bad rules file fails the start naming the key', () => {
    expect(withRules('{"cap_per_tenant": 0}')).toThrow(/review\.cap_per_tenant/);
    expect(withRules('{"thresholds": {"faithfulness": "high"}}')).toThrow(/review\.thresholds\.faithfulness/);
    expect(withRules('{"sample": 0.5}')).toThrow(/review: Unrecognized key: "sample"/);
    expect(withRules('{not json')).toThrow(/REVIEW_RULES_FILE .* is not valid JSON/);
  });
});
