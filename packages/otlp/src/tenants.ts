import { createHash } from 'node:crypto';
import * as z from 'zod';

/**
 * The tokens file: tenants and the SHA-256 of their bearer tokens (never the tokens themselves), with
 * optional per-tenant rate limits. `aiops` prints the hash of a token with `sha256sum` or
 * `node -e "console.log(require('crypto').createHash('sha256').update(process.argv[1]).digest('hex'))" TOKEN`.
 */
export const tenantTokensSchema = z.strictObject({
  tenants: z
    .array(
      z.strictObject({
        tenant_id: z.string().min(1).max(256),
        /** Lowercase hex SHA-256 of the UTF-8 token. */
        token_sha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (SHA-256 of the token)'),
        requests_per_second: z.number().positive().optional(),
        bytes_per_second: z.number().positive().optional(),
      }),
    )
    .min(1, 'must name at least one tenant'),
});
export type TenantTokens = z.output<typeof tenantTokensSchema>;
export type TenantEntry = TenantTokens['tenants'][number];

export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export type Authentication =
  | { readonly ok: true; readonly tenant: TenantEntry }
  | { readonly ok: false; readonly message: string };

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/** Bearer token → tenant. The token is hashed on arrival, so only hashes are held and compared. */
export class TenantDirectory {
  private readonly byHash = new Map<string, TenantEntry>();

  constructor(tokens: TenantTokens) {
    for (const entry of tokens.tenants) {
      if (this.byHash.has(entry.token_sha256)) {
        throw new Error(`tokens file: two tenants share the token hash ${entry.token_sha256.slice(0, 12)}…`);
      }
      this.byHash.set(entry.token_sha256, entry);
    }
  }

  get tenants(): readonly TenantEntry[] {
    return [...this.byHash.values()];
  }

  authenticate(authorization: string | undefined): Authentication {
    if (authorization === undefined || authorization === '') {
      return {
        ok: false,
        message: 'missing Authorization header (expected "Authorization: Bearer <token>")',
      };
    }
    const match = BEARER.exec(authorization);
    if (match === null) return { ok: false, message: 'the Authorization header must be "Bearer <token>"' };
    const tenant = this.byHash.get(sha256Hex(match[1] ?? ''));
    return tenant === undefined ? { ok: false, message: 'unknown bearer token' } : { ok: true, tenant };
  }
}
