import { RetryableError } from '@aiops/core';

/** A schema as a Confluent-compatible registry returns it. Only Avro schemas are supported. */
export interface RegisteredSchema {
  readonly id: number;
  /** Parsed Avro schema JSON. */
  readonly schema: unknown;
}

/**
 * Looks up writer schemas by Confluent schema id. `getSchemaById` resolves to null when the registry
 * does not know the id (a permanent answer) and rejects with a RetryableError when it could not answer.
 * `getCachedSchema` answers synchronously from what is already loaded (undefined: not loaded yet).
 */
export interface SchemaRegistryClient {
  getSchemaById(id: number): Promise<RegisteredSchema | null>;
  getCachedSchema(id: number): RegisteredSchema | null | undefined;
}

/**
 * A registry held in memory: schemas pinned by id in configuration (e.g. an air-gapped deployment that
 * mirrors its registry's ids), and the way tests exercise Confluent framing without a registry service.
 */
export class StaticSchemaRegistry implements SchemaRegistryClient {
  private readonly schemas = new Map<number, RegisteredSchema>();

  constructor(entries: Iterable<readonly [number, unknown]> = []) {
    for (const [id, schema] of entries) this.add(id, schema);
  }

  add(id: number, schema: unknown): void {
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff)
      throw new RangeError(`schema id ${id} is not a uint32`);
    this.schemas.set(id, { id, schema: typeof schema === 'string' ? JSON.parse(schema) : schema });
  }

  async getSchemaById(id: number): Promise<RegisteredSchema | null> {
    return this.schemas.get(id) ?? null;
  }

  getCachedSchema(id: number): RegisteredSchema | null {
    return this.schemas.get(id) ?? null;
  }
}

export interface HttpSchemaRegistryOptions {
  /** Base URL, e.g. http://schema-registry:8081 */
  readonly url: string;
  readonly basicAuth?: { readonly username: string; readonly password: string };
  readonly timeoutMs?: number;
  /**
   * The transport, injected by the caller (usually `globalThis.fetch`): the contract package itself does
   * no I/O, so the shell that wants a network registry hands it one.
   */
  readonly fetch: typeof fetch;
}

/**
 * Confluent Schema Registry over HTTP: GET {url}/schemas/ids/{id}, cached forever (ids are immutable),
 * 404 cached as unknown. Other failures reject with RetryableError and are not cached.
 * Not exercised against a live registry in this repository's tests (none runs here).
 */
export class HttpSchemaRegistry implements SchemaRegistryClient {
  private readonly cache = new Map<number, RegisteredSchema | null>();
  private readonly inflight = new Map<number, Promise<RegisteredSchema | null>>();
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(options: HttpSchemaRegistryOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.headers = { accept: 'application/vnd.schemaregistry.v1+json, application/json' };
    if (options.basicAuth !== undefined) {
      const token = Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString(
        'base64',
      );
      this.headers.authorization = `Basic ${token}`;
    }
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.fetchFn = options.fetch;
  }

  getCachedSchema(id: number): RegisteredSchema | null | undefined {
    return this.cache.get(id);
  }

  getSchemaById(id: number): Promise<RegisteredSchema | null> {
    if (this.cache.has(id)) return Promise.resolve(this.cache.get(id) ?? null);
    let pending = this.inflight.get(id);
    if (pending === undefined) {
      pending = this.fetchSchema(id).finally(() => this.inflight.delete(id));
      this.inflight.set(id, pending);
    }
    return pending;
  }

  private async fetchSchema(id: number): Promise<RegisteredSchema | null> {
    const url = `${this.base}/schemas/ids/${id}`;
    let response: Response;
    try {
      response = await this.fetchFn(url, {
        headers: this.headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      throw new RetryableError(`schema registry ${url} unreachable: ${(cause as Error).message}`, { cause });
    }
    if (response.status === 404) {
      this.cache.set(id, null);
      return null;
    }
    if (!response.ok) {
      throw new RetryableError(`schema registry ${url} answered HTTP ${response.status}`);
    }
    const body = (await response.json()) as { schema?: unknown; schemaType?: unknown };
    if (body.schemaType !== undefined && body.schemaType !== 'AVRO') {
      // A permanent answer: this id names a Protobuf/JSON Schema, which the contract does not read.
      this.cache.set(id, null);
      return null;
    }
    if (typeof body.schema !== 'string') {
      throw new RetryableError(`schema registry ${url} answered without a schema string`);
    }
    const entry: RegisteredSchema = { id, schema: JSON.parse(body.schema) };
    this.cache.set(id, entry);
    return entry;
  }
}
