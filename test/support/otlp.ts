import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '@aiops/otlp';

/** A tenant's token, or its token and its own request rate. */
export type TestTenant = string | { readonly token: string; readonly requests_per_second: number };

/** A tokens file for the otlp-receiver: tenant id → token, stored as SHA-256 hashes. */
export function writeTokensFile(tenants: Record<string, TestTenant>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'aiops-otlp-')), 'tokens.json');
  const entries = Object.entries(tenants).map(([tenant_id, tenant]) =>
    typeof tenant === 'string'
      ? { tenant_id, token_sha256: sha256Hex(tenant) }
      : { tenant_id, token_sha256: sha256Hex(tenant.token), requests_per_second: tenant.requests_per_second },
  );
  writeFileSync(path, JSON.stringify({ tenants: entries }));
  return path;
}

/** POSTs one OTLP body to the receiver and returns status, headers and body. */
export async function postOtlp(
  port: number,
  path: string,
  body: Uint8Array | string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers, body });
  return {
    status: response.status,
    headers: response.headers,
    body: Buffer.from(await response.arrayBuffer()),
  };
}
