import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { tailLines } from './render.js';

/** True when something accepts a TCP connection on host:port within `timeoutMs`. */
export function tcpAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** A small HTTP(S) request (GET, or POST when `body` is given); rejects on network errors or timeout. */
export function httpRequest(
  url: string,
  options: { body?: string; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : request;
    const headers: Record<string, string> = {};
    if (target.username !== '') {
      headers.authorization = `Basic ${Buffer.from(
        `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`,
      ).toString('base64')}`;
      target.username = '';
      target.password = '';
    }
    const req = send(target, { method: options.body === undefined ? 'GET' : 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.setTimeout(options.timeoutMs ?? 2000, () =>
      req.destroy(new Error(`timeout after ${options.timeoutMs ?? 2000} ms: ${url}`)),
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** ClickHouse readiness: GET /ping answers "Ok.". */
export async function clickhousePing(baseUrl: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const answer = await httpRequest(new URL('/ping', baseUrl).toString(), { timeoutMs });
    return answer.status === 200 && answer.body.trim() === 'Ok.';
  } catch {
    return false;
  }
}

export async function clickhouseVersion(baseUrl: string, timeoutMs = 2000): Promise<string | null> {
  try {
    const answer = await httpRequest(baseUrl, { body: 'SELECT version()', timeoutMs });
    return answer.status === 200 ? answer.body.trim() : null;
  } catch {
    return null;
  }
}

/** The last lines of each existing log file, labelled, for error messages. */
export function logTails(files: readonly string[], lines = 30): string {
  const parts: string[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    const tail = tailLines(readEnd(file, 64 * 1024), lines);
    if (tail.trim().length > 0) parts.push(`--- last lines of ${file} ---\n${tail}`);
  }
  return parts.length === 0 ? '(no log output)' : parts.join('\n');
}

/** The last `bytes` bytes of a file (logs can be large; only the end matters). */
function readEnd(file: string, bytes: number): string {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
