import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '@aiops/core';
import type { Logger } from '@aiops/ops';
import {
  type AckBody,
  ackBodySchema,
  BadRequest,
  groupQuerySchema,
  incidentIdSchema,
  incidentsQuerySchema,
  overviewQuerySchema,
  parseRequest,
  promptsQuerySchema,
  searchParamsObject,
  seriesListQuerySchema,
  seriesQuerySchema,
  weekQuerySchema,
} from './api.js';
import { type Dashboard, UnknownTenant } from './dashboard.js';
import { renderWeeklyReportHtml } from './report.js';

/** The bundled front end (`npm run build` writes it; see bundle.ts). Same path from src/ and dist/. */
export const WEB_DIR = fileURLToPath(new URL('../dist/web/', import.meta.url));

/** The only files served: name → content type. Nothing else on disk is reachable. */
const ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

export interface UiServerOptions {
  readonly dashboard: Dashboard;
  /** Acknowledges an incident the way `aiops incidents ack` does (Kafka action + audit log). */
  readonly acknowledge?: (incidentId: string, body: AckBody) => Promise<void>;
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly webDir?: string;
}

export interface UiServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

type Handler = (params: Record<string, string>, request: IncomingMessage) => Promise<unknown>;

const MAX_BODY = 16 * 1024;

async function readJson(request: IncomingMessage): Promise<unknown> {
  if (!(request.headers['content-type'] ?? '').startsWith('application/json'))
    throw new BadRequest(['the body must be JSON (Content-Type: application/json)'], 415);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new BadRequest([`the body is larger than ${MAX_BODY} bytes`], 413);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest(['the body is not valid JSON']);
  }
}

function send(
  response: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  ms?: number,
): void {
  response.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // The page loads nothing from elsewhere (bundled at build time): say so to the browser.
    'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
    ...(ms === undefined ? {} : { 'server-timing': `total;dur=${ms.toFixed(1)}` }),
  });
  response.end(body);
}

/** The dashboard's HTTP server: static bundle + JSON API. ClickHouse credentials stay on this side. */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const { dashboard, logger } = options;
  const webDir = options.webDir ?? WEB_DIR;
  const get: Record<string, Handler> = {
    '/api/meta': async () => ({
      database: dashboard.scope.database,
      window_size_s: dashboard.scope.windowSizeS,
      rollup_window_size_s: dashboard.rollupWindowSizeS,
      now: Date.now(),
      can_acknowledge: options.acknowledge !== undefined,
    }),
    '/api/tenants': async () => ({ tenants: await dashboard.tenants() }),
    '/api/overview': (p) => dashboard.overview(parseRequest(overviewQuerySchema, p)),
    '/api/series': (p) => dashboard.seriesList(parseRequest(seriesListQuerySchema, p)),
    '/api/series/windows': (p) => dashboard.series(parseRequest(seriesQuerySchema, p)),
    '/api/group/windows': (p) => dashboard.group(parseRequest(groupQuerySchema, p)),
    '/api/incidents': (p) => dashboard.incidents(parseRequest(incidentsQuerySchema, p)),
    '/api/prompts': (p) => dashboard.prompts(parseRequest(promptsQuerySchema, p)),
    '/api/report/week': (p) => dashboard.week(parseRequest(weekQuerySchema, p)),
  };

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const json = (status: number, body: unknown) =>
      send(
        response,
        status,
        'application/json; charset=utf-8',
        JSON.stringify(body),
        performance.now() - started,
      );
    try {
      if (request.method === 'GET' && path === '/report/week.html') {
        const report = await dashboard.week(
          parseRequest(weekQuerySchema, searchParamsObject(url.searchParams)),
        );
        send(response, 200, 'text/html; charset=utf-8', renderWeeklyReportHtml(report, Date.now()));
        return;
      }
      const incident = /^\/api\/incidents\/([^/]+)(\/ack)?$/.exec(path);
      if (incident) {
        const id = parseRequest(incidentIdSchema, decodeURIComponent(incident[1] ?? ''));
        if (incident[2] !== undefined) {
          if (request.method !== 'POST') throw new BadRequest(['acknowledge with POST'], 405);
          if (options.acknowledge === undefined)
            throw new BadRequest(['acknowledging needs Kafka: start aiops ui with KAFKA_BROKERS set'], 503);
          const body = parseRequest(ackBodySchema, await readJson(request));
          const found = await dashboard.incident(id);
          if (found === null) throw new BadRequest([`no incident ${id}`], 404);
          if (found.incident.status === 'resolved')
            throw new BadRequest([`incident ${id} is already resolved`], 409);
          await options.acknowledge(id, body);
          logger.info({ incident: id, by: body.by }, 'incident acknowledged from the dashboard');
          json(200, { acknowledged: id, by: body.by });
          return;
        }
        const found = await dashboard.incident(id);
        if (found === null) throw new BadRequest([`no incident ${id}`], 404);
        json(200, found);
        return;
      }
      const handler = get[path];
      if (handler !== undefined) {
        if (request.method !== 'GET') throw new BadRequest([`${path} answers GET only`], 405);
        json(200, await handler(searchParamsObject(url.searchParams), request));
        return;
      }
      const asset = path === '/' ? 'index.html' : path.slice(1);
      const type = ASSETS[asset];
      if (request.method === 'GET' && type !== undefined) {
        send(response, 200, type, await readFile(`${webDir}${asset}`));
        return;
      }
      throw new BadRequest([`no such page: ${path}`], 404);
    } catch (error) {
      if (error instanceof BadRequest) {
        json(error.status, { error: error.message, reasons: error.reasons });
      } else if (error instanceof UnknownTenant) {
        json(400, { error: error.message, reasons: [error.message] });
      } else if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        json(500, { error: `the front end is not built (${webDir}): run npm run build` });
      } else {
        logger.warn({ err: errorMessage(error), path }, 'dashboard request failed');
        json(502, { error: `ClickHouse could not answer: ${errorMessage(error)}` });
      }
    }
  }

  const server = createServer((request, response) => {
    void route(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
