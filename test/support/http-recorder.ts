import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A real HTTP receiver for notification tests: a node:http server on 127.0.0.1 that records every request
 * and answers as scripted — 200 by default, or a queue of replies (500, 429 + Retry-After...), or no
 * answer at all (`refuse()` closes the port, so connections are refused, until `resume()`).
 */

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly atMs: number;
  /** What this server answered. */
  readonly status: number;
}

export interface ScriptedReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export class HttpRecorder {
  readonly requests: RecordedRequest[] = [];
  private readonly replies: ScriptedReply[] = [];
  private fallback: ScriptedReply = { status: 200, body: 'ok' };
  private server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private port: number,
    server: Server,
  ) {
    this.server = server;
  }

  /** Starts on a free port (or `port`). */
  static async start(port = 0): Promise<HttpRecorder> {
    const recorder = new HttpRecorder(port, createServer());
    await recorder.listen();
    return recorder;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private listen(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const reply = this.replies.shift() ?? this.fallback;
        this.requests.push({
          method: request.method ?? '',
          path: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          atMs: Date.now(),
          status: reply.status,
        });
        response.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
        response.end(reply.body ?? '');
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** The next requests get these answers, in order; then the fallback again. */
  reply(...replies: ScriptedReply[]): void {
    this.replies.push(...replies);
  }

  /** The answer once the scripted ones are used up (default 200). */
  answer(reply: ScriptedReply): void {
    this.fallback = reply;
  }

  /** Closes the port: connections are refused until resume(). */
  async refuse(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  resume(): Promise<void> {
    return this.listen();
  }

  /** The request bodies parsed as JSON. */
  json<T = Record<string, unknown>>(): T[] {
    return this.requests.map((r) => JSON.parse(r.body) as T);
  }

  /** Resolves when `condition(requests)` holds; rejects after `timeoutMs` saying what it saw. */
  async waitFor(
    condition: (requests: readonly RecordedRequest[]) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition(this.requests)) {
      if (Date.now() > deadline)
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; ${this.requests.length} requests recorded`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    await this.refuse();
  }
}
