import { readFileSync } from 'node:fs';
import { parseConfig } from '@aiops/ops';
import { z } from 'zod';
import { isIdentifier } from './identifiers.js';

/**
 * Credentials and database may ride in the URL (http://user:pass@host:8123/db, as testcontainers and
 * many providers print it): they are moved to their own keys, where explicit keys win, and the URL keeps
 * only scheme, host and port.
 */
function splitUrl(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  const config = { ...(input as Record<string, unknown>) };
  if (typeof config.url !== 'string' || !URL.canParse(config.url)) return input;
  const url = new URL(config.url);
  if (url.username !== '' && config.username === undefined)
    config.username = decodeURIComponent(url.username);
  if (url.password !== '' && config.password === undefined)
    config.password = decodeURIComponent(url.password);
  const database = url.pathname.replace(/^\/+|\/+$/g, '');
  if (database !== '' && config.database === undefined) config.database = database;
  config.url = `${url.protocol}//${url.host}`;
  return config;
}

/** How to reach ClickHouse. Unknown keys are refused so that a typo never silently falls back to a default. */
const clickhouseConfigObject = z
  .object({
    /** HTTP(S) endpoint, e.g. http://127.0.0.1:18123 (the local stack) or https://host:8443. */
    url: z.url({ protocol: /^https?$/ }),
    username: z.string().min(1).default('default'),
    password: z.string().default(''),
    /**
     * A mounted secret file holding the password, read when the client is created (see
     * resolveClickHousePassword). Exclusive with a non-empty `password`, so two sources never disagree
     * silently; the empty default counts as no password.
     */
    passwordFile: z.string().min(1).optional(),
    /** The pipeline's database; a plain identifier since it is pasted into SQL text. */
    database: z
      .string()
      .refine(isIdentifier, 'must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*)')
      .default('aiops'),
    /** PEM file of the CA that signed the server certificate (https only). */
    tlsCaFile: z.string().min(1).optional(),
    requestTimeoutMs: z.number().int().positive().default(30_000),
    /** Parallel HTTP connections the client may open. */
    maxOpenConnections: z.number().int().positive().default(10),
    /**
     * Cluster mode (CLICKHOUSE_CLUSTER): the remote_servers cluster the migrations create their tables on
     * (replicated storage tables + Distributed tables; see clusterStatements). Unset: single node.
     */
    cluster: z
      .string()
      .refine(isIdentifier, 'must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*)')
      .optional(),
    /** Name sent to the server with each request (visible in system.query_log). */
    application: z.string().default('aiops'),
  })
  .strict()
  .refine((config) => config.passwordFile === undefined || config.password === '', {
    message: 'give either password or passwordFile, not both',
    path: ['passwordFile'],
  });

export const clickhouseConfigSchema = z.preprocess(splitUrl, clickhouseConfigObject);

export type ClickHouseConfigInput = z.input<typeof clickhouseConfigObject>;
export type ClickHouseConfig = z.output<typeof clickhouseConfigSchema>;

/** The local stack's HTTP endpoint, used when CLICKHOUSE_URL is not set. */
export const DEFAULT_CLICKHOUSE_URL = 'http://127.0.0.1:18123';

/** Parses a config object; the error names every bad key. */
export function parseClickHouseConfig(input: unknown, source = 'ClickHouse config'): ClickHouseConfig {
  return parseConfig(clickhouseConfigSchema, input, source);
}

/**
 * Reads CLICKHOUSE_URL, CLICKHOUSE_USER, CLICKHOUSE_PASSWORD, CLICKHOUSE_PASSWORD_FILE,
 * CLICKHOUSE_DATABASE, CLICKHOUSE_CA_FILE and CLICKHOUSE_REQUEST_TIMEOUT_MS; `overrides` win over the
 * environment (a password or password file given as override replaces both variables).
 */
export function clickhouseConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  overrides: Partial<ClickHouseConfigInput> = {},
): ClickHouseConfig {
  const fromEnv: Record<string, unknown> = { url: env.CLICKHOUSE_URL ?? DEFAULT_CLICKHOUSE_URL };
  if (env.CLICKHOUSE_USER) fromEnv.username = env.CLICKHOUSE_USER;
  if (env.CLICKHOUSE_PASSWORD !== undefined) fromEnv.password = env.CLICKHOUSE_PASSWORD;
  if (env.CLICKHOUSE_PASSWORD_FILE) fromEnv.passwordFile = env.CLICKHOUSE_PASSWORD_FILE;
  if (env.CLICKHOUSE_DATABASE) fromEnv.database = env.CLICKHOUSE_DATABASE;
  if (env.CLICKHOUSE_CLUSTER) fromEnv.cluster = env.CLICKHOUSE_CLUSTER;
  if (env.CLICKHOUSE_CA_FILE) fromEnv.tlsCaFile = env.CLICKHOUSE_CA_FILE;
  if (env.CLICKHOUSE_REQUEST_TIMEOUT_MS) fromEnv.requestTimeoutMs = Number(env.CLICKHOUSE_REQUEST_TIMEOUT_MS);
  const merged: Record<string, unknown> = { ...fromEnv };
  if (overrides.password !== undefined || overrides.passwordFile !== undefined) {
    delete merged.password;
    delete merged.passwordFile;
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) merged[key] = value;
  }
  return parseClickHouseConfig(merged, 'ClickHouse settings (environment)');
}

/**
 * The password to send: `password`, or the content of `passwordFile` read now (at start, so a missing
 * mount fails fast with its path) without its trailing line break (`echo pw > file`, Kubernetes and
 * Docker secrets); other whitespace is kept, it may belong to the password. The password read from the
 * file is never stored in the config object, so logging the config cannot leak it.
 */
export function resolveClickHousePassword(
  config: Pick<ClickHouseConfig, 'password' | 'passwordFile'>,
): string {
  if (config.passwordFile === undefined) return config.password;
  let text: string;
  try {
    text = readFileSync(config.passwordFile, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read ClickHouse password file ${config.passwordFile} (CLICKHOUSE_PASSWORD_FILE): ${(error as Error).message}`,
    );
  }
  const password = text.replace(/[\r\n]+$/, '');
  if (password === '') {
    throw new Error(`ClickHouse password file ${config.passwordFile} (CLICKHOUSE_PASSWORD_FILE) is empty`);
  }
  return password;
}
