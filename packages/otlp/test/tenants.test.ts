import { describe, expect, it } from 'vitest';
import { TenantRateLimiter } from '../src/rate-limit.js';
import { sha256Hex, TenantDirectory, tenantTokensSchema } from '../src/tenants.js';

const tokens = tenantTokensSchema.parse({
  tenants: [
    { tenant_id: 'acme', token_sha256: sha256Hex('acme-secret') },
    { tenant_id: 'globex', token_sha256: sha256Hex('globex-secret'), requests_per_second: 1 },
  ],
});

describe('TenantDirectory', () => {
  const directory = new TenantDirectory(tokens);

  it('maps a bearer token to its tenant by hash', () => {
    const auth = directory.authenticate('Bearer acme-secret');
    expect(auth.ok && auth.tenant.tenant_id).toBe('acme');
    const lower = directory.authenticate('bearer globex-secret');
    expect(lower.ok && lower.tenant.tenant_id).toBe('globex');
  });

  it.each([
    [undefined, /missing Authorization/],
    ['', /missing Authorization/],
    ['Basic YWNtZTpzZWNyZXQ=', /must be "Bearer <token>"/],
    ['Bearer', /must be "Bearer <token>"/],
    ['Bearer wrong', /unknown bearer token/],
    [`Bearer ${sha256Hex('acme-secret')}`, /unknown bearer token/],
  ])('refuses %s', (header, message) => {
    const auth = directory.authenticate(header);
    expect(auth.ok).toBe(false);
    if (!auth.ok) expect(auth.message).toMatch(message);
  });

  it('refuses a file with plain tokens, and two tenants on one hash', () => {
    expect(
      tenantTokensSchema.safeParse({ tenants: [{ tenant_id: 'a', token_sha256: 'plain-token' }] }).success,
    ).toBe(false);
    const twice = { tenants: [tokens.tenants[0]!, { ...tokens.tenants[0]!, tenant_id: 'b' }] };
    expect(() => new TenantDirectory(twice)).toThrow(/share the token hash/);
  });
});

describe('TenantRateLimiter', () => {
  const limiter = () =>
    new TenantRateLimiter((tenant) => ({
      requestsPerSecond: tenant === 'slow' ? 1 : 10,
      bytesPerSecond: 1000,
      burstSeconds: 2,
    }));

  it('admits a burst, then refuses with the seconds until the next token', () => {
    const l = limiter();
    expect(l.admit('slow', 1, 0)).toEqual({ ok: true });
    expect(l.admit('slow', 1, 0)).toEqual({ ok: true });
    expect(l.admit('slow', 1, 0)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(l.admit('slow', 1, 1000)).toEqual({ ok: true });
  });

  it('limits bytes, and tenants do not share buckets', () => {
    const l = limiter();
    expect(l.admit('a', 2000, 0)).toEqual({ ok: true });
    expect(l.admit('a', 500, 0)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(l.admit('b', 500, 0)).toEqual({ ok: true });
    expect(l.admit('a', 500, 600)).toEqual({ ok: true });
  });
});
