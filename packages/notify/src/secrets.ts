import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Where a secret (a webhook URL, a routing key, an HMAC key) comes from: an environment variable or a file
 * (a mounted secret; a trailing newline is ignored). Config files hold the reference, never the value.
 */
export const secretRefSchema = z.union([
  z.strictObject({ env: z.string().min(1) }),
  z.strictObject({ file: z.string().min(1) }),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;

/** Reads a secret; the error names the variable or file and `what` it is for, never a value. */
export function resolveSecret(ref: SecretRef, what: string, env: NodeJS.ProcessEnv = process.env): string {
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '')
      throw new Error(`${what}: environment variable ${ref.env} is not set`);
    return value;
  }
  let text: string;
  try {
    text = readFileSync(ref.file, 'utf8');
  } catch (error) {
    throw new Error(`${what}: cannot read secret file ${ref.file}: ${(error as Error).message}`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw new Error(`${what}: secret file ${ref.file} is empty`);
  return value;
}
