import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { encodeEventAvroSingleObject, seriesKey } from '@aiops/contract';
import { deadLetter, type OutputMessages } from '@aiops/kafka';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import {
  contentTypeOf,
  decodeLogsRequest,
  decodeTraceRequest,
  encodingOf,
  exportResponseBody,
  type MappedBatch,
  mapLogsRequest,
  mapTraceRequest,
  OtlpDecodeError,
  type OtlpEncoding,
  type RecentCalls,
  type Signal,
  STATUS_CODE,
  statusBody,
  type TenantDirectory,
  type TenantRateLimiter,
} from '@aiops/otlp';
import type { Message } from 'kafkajs';
import type { OtlpReceiverConfig } from './config.js';
import type { ReceiverMetrics } from './metrics.js';

const gunzipAsync = promisify(gunzip);
export const SERVICE = 'otlp-receiver';
const PATHS: Readonly<Record<string, Signal>> = { '/v1/traces': 'traces', '/v1/logs': 'logs' };

export interface ReceiverParts {
  readonly config: OtlpReceiverConfig;
  readonly directory: TenantDirectory;
  readonly limiter: TenantRateLimiter;
  readonly recent: RecentCalls;
  /** Resolves when Kafka acknowledged every message. */
  readonly send: (output: OutputMessages[]) => Promise<void>;
  readonly metrics: ReceiverMetrics;
  readonly pipelineMetrics: PipelineMetrics;
  readonly log: Logger;
  readonly now: () => number;
}

interface Answer {
  readonly status: number;
  readonly body: Buffer;
  readonly headers?: Record<string, string>;
  /** True when the body was not read: the connection is closed rather than drained. */
  readonly close?: boolean;
}

type Body = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false };

/** Reads at most `limit` bytes; stops listening beyond it (the answer closes the connection). */
function readBody(request: IncomingMessage, limit: number): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.off('data', onData);
        request.pause();
        resolve({ ok: false });
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => resolve({ ok: true, bytes: Buffer.concat(chunks, size) }));
    request.once('error', reject);
  });
}

/**
 * OTLP/HTTP export handling: checks in the order that costs the sender least (path, content type, token,
 * size, capacity, rate), then decode → map → produce, answering 200 only after Kafka acknowledged.
 */
export class OtlpReceiver {
  private inFlightBytes = 0;

  constructor(private readonly parts: ReceiverParts) {}

  get bytesInFlight(): number {
    return this.inFlightBytes;
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const signal = PATHS[path];
    const encoding = encodingOf(request.headers['content-type']);
    let answer: Answer;
    try {
      answer = await this.answer(request, signal, encoding);
    } catch (error) {
      if (request.destroyed || (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
        // The client went away mid-body: nothing for a human to do.
        this.parts.log.debug({ err: (error as Error).message, path }, 'OTLP client disconnected');
      } else {
        this.parts.log.error({ err: (error as Error).message, path }, 'OTLP request failed');
      }
      answer = this.failure(500, STATUS_CODE.internal, 'internal error', encoding);
    }
    const headers: Record<string, string> = {
      'content-type': contentTypeOf(encoding ?? 'json'),
      ...answer.headers,
    };
    if (answer.close) headers.connection = 'close';
    response.writeHead(answer.status, headers).end(answer.body);
    const label = signal ?? 'none';
    this.parts.metrics.requests.inc({ signal: label, code: String(answer.status) });
    this.parts.metrics.requestSeconds.observe({ signal: label }, (performance.now() - started) / 1000);
  }

  private failure(
    status: number,
    code: number,
    message: string,
    encoding: OtlpEncoding | null,
    extra: Partial<Answer> = {},
  ): Answer {
    return { status, body: statusBody(code, message, encoding), ...extra };
  }

  private async answer(
    request: IncomingMessage,
    signal: Signal | undefined,
    encoding: OtlpEncoding | null,
  ): Promise<Answer> {
    const { config, directory, limiter } = this.parts;
    const unread = { close: true };
    if (signal === undefined) {
      return this.failure(
        404,
        STATUS_CODE.invalidArgument,
        'not found: POST to /v1/traces or /v1/logs',
        encoding,
        unread,
      );
    }
    if (request.method !== 'POST') {
      return this.failure(
        405,
        STATUS_CODE.invalidArgument,
        `${request.method} not allowed: use POST`,
        encoding,
        {
          ...unread,
          headers: { allow: 'POST' },
        },
      );
    }
    if (encoding === null) {
      const sent = request.headers['content-type'] ?? '(none)';
      return this.failure(
        415,
        STATUS_CODE.invalidArgument,
        `Content-Type ${sent} is not supported: use application/x-protobuf or application/json`,
        encoding,
        unread,
      );
    }
    const contentEncoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (contentEncoding !== 'identity' && contentEncoding !== 'gzip') {
      return this.failure(
        415,
        STATUS_CODE.invalidArgument,
        `Content-Encoding ${contentEncoding} is not supported: use gzip or none`,
        encoding,
        unread,
      );
    }
    const auth = directory.authenticate(request.headers.authorization);
    if (!auth.ok) {
      return this.failure(401, STATUS_CODE.unauthenticated, auth.message, encoding, {
        ...unread,
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    const tenantId = auth.tenant.tenant_id;
    const declared = Number(request.headers['content-length']);
    const tooLarge = `request body above the limit of ${config.maxBodyBytes} bytes`;
    if (declared > config.maxBodyBytes) {
      return this.failure(413, STATUS_CODE.invalidArgument, tooLarge, encoding, unread);
    }
    // Capacity is reserved before reading, so that memory stays bounded whatever arrives.
    const reserved = Number.isFinite(declared) ? declared : config.maxBodyBytes;
    if (this.inFlightBytes + reserved > config.maxInFlightBytes) {
      return this.failure(
        503,
        STATUS_CODE.unavailable,
        'the receiver is busy (Kafka is slow or down): retry later',
        encoding,
        {
          ...unread,
          headers: { 'retry-after': String(config.retryAfterSeconds) },
        },
      );
    }
    const admission = limiter.admit(tenantId, reserved, this.parts.now());
    if (!admission.ok) {
      return this.failure(
        429,
        STATUS_CODE.resourceExhausted,
        `rate limit of tenant ${tenantId} exceeded`,
        encoding,
        {
          ...unread,
          headers: { 'retry-after': String(admission.retryAfterSeconds) },
        },
      );
    }
    this.reserve(reserved);
    let held = reserved;
    let handedToKafka = false;
    try {
      const body = await readBody(request, config.maxBodyBytes);
      if (!body.ok) return this.failure(413, STATUS_CODE.invalidArgument, tooLarge, encoding, unread);
      let bytes = body.bytes;
      if (contentEncoding === 'gzip') {
        try {
          bytes = await gunzipAsync(bytes, { maxOutputLength: config.maxBodyBytes });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
            return this.failure(
              413,
              STATUS_CODE.invalidArgument,
              `gzip body inflates above ${config.maxBodyBytes} bytes`,
              encoding,
            );
          }
          return this.failure(
            400,
            STATUS_CODE.invalidArgument,
            `malformed gzip body: ${(error as Error).message}`,
            encoding,
          );
        }
        // What the body inflated to is held too, so the bound counts what is really in memory.
        if (bytes.length > held) {
          this.reserve(bytes.length - held);
          held = bytes.length;
        }
      }
      const options = { tenantId, applicationKey: config.applicationAttribute, nowMs: this.parts.now() };
      let mapped: MappedBatch;
      try {
        mapped =
          signal === 'traces'
            ? mapTraceRequest(decodeTraceRequest(bytes, encoding), options, this.parts.recent)
            : mapLogsRequest(decodeLogsRequest(bytes, encoding), options, this.parts.recent);
      } catch (error) {
        if (!(error instanceof OtlpDecodeError)) throw error;
        return this.failure(400, STATUS_CODE.invalidArgument, error.message, encoding);
      }
      const sending = this.parts.send(this.output(mapped, path(signal)));
      handedToKafka = true;
      // The reservation lasts until Kafka settles, even when the client was already answered 503.
      const release = () => this.reserve(-held);
      sending.then(release, release);
      const acked = await this.withTimeout(sending);
      if (acked !== true) {
        this.parts.log.warn(
          { tenant: tenantId, reason: acked },
          'Kafka did not acknowledge in time: answered 503',
        );
        return this.failure(503, STATUS_CODE.unavailable, `Kafka did not acknowledge: ${acked}`, encoding, {
          headers: { 'retry-after': String(config.retryAfterSeconds) },
        });
      }
      this.count(signal, mapped);
      const message =
        mapped.refused.length === 0
          ? ''
          : `${mapped.refused.length} refused; first: ${mapped.refused[0]?.message ?? ''}`.slice(0, 1000);
      return { status: 200, body: exportResponseBody(signal, mapped.refused.length, message, encoding) };
    } finally {
      // Answered before anything went to Kafka: the reservation ends with the request.
      if (!handedToKafka) this.reserve(-held);
    }
  }

  private reserve(delta: number): void {
    this.inFlightBytes += delta;
    this.parts.metrics.inFlightBytes.set(this.inFlightBytes);
  }

  private async withTimeout(sending: Promise<void>): Promise<true | string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(
        () => resolve(`no acknowledgement within ${this.parts.config.produceTimeoutMs} ms`),
        this.parts.config.produceTimeoutMs,
      );
    });
    try {
      return await Promise.race([
        sending.then(
          () => true as const,
          (error: unknown) => `produce failed: ${(error as Error).message}`,
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private output(mapped: MappedBatch, source: string): OutputMessages[] {
    const { topics } = this.parts.config;
    const now = this.parts.now();
    const events: Message[] = mapped.events.map((event) => ({
      key: seriesKey(event),
      value: encodeEventAvroSingleObject(event),
    }));
    const letters: Message[] = mapped.refused.map((refusal) => {
      const value = Buffer.from(JSON.stringify(refusal.input ?? { span_id: refusal.spanId }), 'utf8');
      const original = { key: null, value, headers: {}, timestamp: String(now), attributes: 0, offset: '-1' };
      return deadLetter(original, { topic: source, partition: -1, offset: '-1' }, refusal, SERVICE, now);
    });
    return [
      { topic: topics.raw, messages: events },
      { topic: topics.dlq, messages: letters },
    ];
  }

  private count(signal: Signal, mapped: MappedBatch): void {
    const { metrics, pipelineMetrics, config } = this.parts;
    metrics.items.inc({ signal, outcome: 'accepted' }, mapped.events.length);
    if (mapped.refused.length > 0) metrics.items.inc({ signal, outcome: 'refused' }, mapped.refused.length);
    if (mapped.ignored > 0) metrics.items.inc({ signal, outcome: 'ignored' }, mapped.ignored);
    if (mapped.droppedContent > 0) metrics.contentDropped.inc({ signal }, mapped.droppedContent);
    if (mapped.tenantOverwritten > 0) metrics.tenantOverwritten.inc({ signal }, mapped.tenantOverwritten);
    pipelineMetrics.produced.inc({ service: SERVICE, topic: config.topics.raw }, mapped.events.length);
    for (const refusal of mapped.refused)
      pipelineMetrics.deadLettered.inc({ service: SERVICE, reason: refusal.reason });
  }
}

function path(signal: Signal): string {
  return `otlp:/v1/${signal}`;
}
