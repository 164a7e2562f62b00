import { describe, expect, it } from 'vitest';
import {
  createDetectionEngine,
  DEFAULT_BURN_ALERTS,
  DetectionConfigError,
  defaultDetectionConfig,
  parseDetectionConfig,
  resolveRules,
} from '../src/index.js';
import { SERIES } from './helpers.js';

describe('detection config', () => {
  it('works with no config at all: every key has a default', () => {
    const c = parseDetectionConfig(undefined);
    expect(c).toEqual(defaultDetectionConfig());
    expect(c.latency).toMatchObject({ enabled: true, z_threshold: 4, metrics: ['p95', 'p99', 'ttft_p95'] });
    expect(c.errors.slo).toBeNull();
    expect(c.lifecycle.pending_for_ms).toBe(120_000);
    expect(c.overrides).toEqual([]);
  });

  it('fills an SLO with the SRE-workbook burn alerts', () => {
    const c = parseDetectionConfig({ errors: { slo: { objective: 0.995 } } });
    expect(c.errors.slo).toEqual({
      objective: 0.995,
      period_days: 30,
      min_events: 10,
      burn_alerts: DEFAULT_BURN_ALERTS,
    });
  });

  it('fails with a readable error naming each bad key', () => {
    const bad = () =>
      parseDetectionConfig({
        latency: { z_threshold: 'high', typo: 1 },
        errors: { slo: { objective: 1.5 } },
        overrides: [{ match: { tenant: 'x' }, cost: { min_ratio: 0.5 } }],
      });
    expect(bad).toThrow(DetectionConfigError);
    const message = (() => {
      try {
        bad();
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(message).toMatch(/^invalid detection config: /);
    expect(message).toContain('latency.z_threshold: expected number, received string');
    expect(message).toContain('latency.typo: unknown key');
    expect(message).toContain('errors.slo.objective');
    expect(message).toContain('overrides.0.match.tenant: unknown key');
    expect(message).toContain('overrides.0.cost.min_ratio');
    expect(() => createDetectionEngine({ guardrail: { flags: 'pii' } })).toThrow(/guardrail\.flags/);
  });

  it('checks cross-field rules', () => {
    expect(() => parseDetectionConfig({ quality: { psi_threshold: 0.3, psi_critical: 0.2 } })).toThrow(
      /quality\.psi_critical: must be ≥ quality\.psi_threshold/,
    );
  });

  it('applies per-tenant/application overrides in order, key by key', () => {
    const c = parseDetectionConfig({
      latency: { z_threshold: 5 },
      overrides: [
        { match: { tenant_id: 'acme' }, latency: { min_ratio: 2 }, cost: { budget: { daily_usd: 100 } } },
        {
          match: { tenant_id: 'acme', model: 'gpt-4o' },
          latency: { z_threshold: 6 },
          errors: { slo: { objective: 0.999 } },
        },
        { match: { tenant_id: 'other' }, latency: { enabled: false } },
      ],
    });
    const gpt = resolveRules(c, SERIES);
    expect(gpt.latency).toMatchObject({ z_threshold: 6, min_ratio: 2, enabled: true, critical_ratio: 3 });
    expect(gpt.errors.slo?.objective).toBe(0.999);
    expect(gpt.cost.budget).toMatchObject({ daily_usd: 100, monthly_usd: null, min_elapsed_fraction: 0.05 });
    const mini = resolveRules(c, { ...SERIES, model: 'gpt-4o-mini' });
    expect(mini.latency).toMatchObject({ z_threshold: 5, min_ratio: 2 });
    expect(mini.errors.slo).toBeNull();
    expect(resolveRules(c, { ...SERIES, tenant_id: 'other' }).latency.enabled).toBe(false);
    // the base config is untouched
    expect(c.latency.min_ratio).toBe(1.5);
  });
});
