/**
 * OTLP receiver load: a bounded loopback load generator posting OTLP protobuf batches of 100 GenAI spans
 * to a real `aiops run otlp-receiver` process (which produces to Kafka and answers after the ack).
 * Phase 1, closed loop at `concurrency` requests in flight: the spans/s accepted. Phase 2, paced at
 * `targetSpansPerSecond` (half the validator's rate measured in the same run, else half of phase 1): the
 * p50/p99 request latency at that rate.
 *
 *   node bench/dist/perf/otlp.js [--seconds 20] [--concurrency 8]     (alone, without the rest of the run)
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLP_MESSAGES, sha256Hex } from '@aiops/otlp';
import {
  type Endpoints,
  endpoints,
  kafkaClient,
  percentile,
  round,
  type ServiceProcess,
  say,
  startService,
  waitReady,
} from './common.js';

const SPANS_PER_BATCH = 100;
const TOKEN = 'bench-otlp-token';
const OTLP_PORT = 14318;

export interface OtlpLoadOptions {
  readonly seconds: number;
  readonly concurrency: number;
  /** Pace of phase 2; null → half of phase 1's accepted rate. */
  readonly targetSpansPerSecond: number | null;
}

export interface OtlpPhase {
  readonly requests: number;
  readonly accepted: number;
  readonly refusedOrFailed: number;
  readonly spansPerSecond: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

export interface OtlpResult {
  readonly maxRate: OtlpPhase;
  readonly paced: OtlpPhase & { readonly targetSpansPerSecond: number };
  readonly peakRssMb: number | null;
}

/** `count` distinct request bodies of 100 chat spans each (distinct span ids, so no deduplication). */
function bodies(count: number, nowMs: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let b = 0; b < count; b++) {
    const spans = Array.from({ length: SPANS_PER_BATCH }, (_, i) => {
      const end = BigInt(nowMs - 1000 + i) * 1_000_000n;
      const id = Buffer.alloc(8);
      id.writeUInt32BE(b + 1, 0);
      id.writeUInt32BE(i + 1, 4);
      return {
        traceId: Buffer.concat([Buffer.from('be0c0be0c0be0c0b', 'hex'), id]),
        spanId: id,
        name: 'chat',
        startTimeUnixNano: String(end - 800_000_000n),
        endTimeUnixNano: String(end),
        attributes: [
          { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
          { key: 'gen_ai.provider.name', value: { stringValue: 'openai' } },
          { key: 'gen_ai.request.model', value: { stringValue: i % 2 === 0 ? 'gpt-4o' : 'gpt-4o-mini' } },
          { key: 'gen_ai.usage.input_tokens', value: { intValue: 900 + i } },
          { key: 'gen_ai.usage.output_tokens', value: { intValue: 200 } },
        ],
      };
    });
    const request = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench' } }] },
          scopeSpans: [{ spans }],
        },
      ],
    };
    out.push(OTLP_MESSAGES.traceRequest.encode(request).finish());
  }
  return out;
}

async function post(body: Uint8Array): Promise<{ ok: boolean; ms: number }> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${OTLP_PORT}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${TOKEN}` },
    body,
  });
  const answer = await response.arrayBuffer();
  // A 200 with a body carries partial_success: not a full acceptance.
  return { ok: response.status === 200 && answer.byteLength === 0, ms: performance.now() - started };
}

function phase(latencies: number[], accepted: number, requests: number, seconds: number): OtlpPhase {
  latencies.sort((a, b) => a - b);
  return {
    requests,
    accepted,
    refusedOrFailed: requests - accepted,
    spansPerSecond: (accepted * SPANS_PER_BATCH) / seconds,
    p50Ms: round(percentile(latencies, 0.5), 2),
    p99Ms: round(percentile(latencies, 0.99), 2),
  };
}

/** Closed loop: `concurrency` workers post back to back until the deadline. */
async function closedLoop(pool: Uint8Array[], seconds: number, concurrency: number): Promise<OtlpPhase> {
  const latencies: number[] = [];
  let requests = 0;
  let accepted = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const r = await post(pool[next++ % pool.length]!);
        requests++;
        if (r.ok) accepted++;
        latencies.push(r.ms);
      }
    }),
  );
  return phase(latencies, accepted, requests, (performance.now() - started) / 1000);
}

/** Open loop at a fixed request rate (bounded: at most `maxInFlight` outstanding, beyond it counts as late). */
async function paced(
  pool: Uint8Array[],
  seconds: number,
  spansPerSecond: number,
  maxInFlight: number,
): Promise<OtlpPhase> {
  const interval = (1000 * SPANS_PER_BATCH) / spansPerSecond;
  const latencies: number[] = [];
  const pending = new Set<Promise<void>>();
  let requests = 0;
  let accepted = 0;
  let skipped = 0;
  const started = performance.now();
  for (let i = 0; ; i++) {
    const due = started + i * interval;
    if (due > started + seconds * 1000) break;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (pending.size >= maxInFlight) {
      skipped++;
      continue;
    }
    const request = post(pool[i % pool.length]!).then((r) => {
      requests++;
      if (r.ok) accepted++;
      latencies.push(r.ms);
    });
    pending.add(request);
    void request.finally(() => pending.delete(request));
  }
  await Promise.all(pending);
  const result = phase(latencies, accepted, requests + skipped, (performance.now() - started) / 1000);
  return result;
}

function rssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+)/.exec(status)?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  } catch {
    return null;
  }
}

export async function measureOtlp(
  ep: Endpoints,
  topics: { readonly raw: string; readonly dlq: string },
  opsPort: number,
  options: OtlpLoadOptions,
): Promise<OtlpResult> {
  const dir = mkdtempSync(join(tmpdir(), 'aiops-bench-otlp-'));
  const tokensFile = join(dir, 'tokens.json');
  writeFileSync(
    tokensFile,
    JSON.stringify({ tenants: [{ tenant_id: 'bench', token_sha256: sha256Hex(TOKEN) }] }),
  );
  const service: ServiceProcess = startService(
    'otlp-receiver',
    {
      KAFKA_BROKERS: ep.brokers.join(','),
      TOPIC_RAW: topics.raw,
      TOPIC_DLQ: topics.dlq,
      TOPIC_PARTITIONS: '3',
      OTLP_TOKENS_FILE: tokensFile,
      OTLP_PORT: String(OTLP_PORT),
      OTLP_RATE_REQUESTS_PER_SECOND: '1000000',
      OTLP_RATE_BYTES_PER_SECOND: String(1 << 30),
    },
    opsPort,
  );
  try {
    await waitReady(service);
    const pool = bodies(64, Date.now());
    await closedLoop(pool, 1, 2); // warm-up: connections, JIT, producer metadata
    say(`otlp: ${options.seconds} s closed loop at ${options.concurrency} requests in flight`);
    const maxRate = await closedLoop(pool, options.seconds, options.concurrency);
    say(`otlp: ${Math.round(maxRate.spansPerSecond)} spans/s accepted, p99 ${maxRate.p99Ms} ms`);
    const target = options.targetSpansPerSecond ?? maxRate.spansPerSecond / 2;
    const pacedPhase = await paced(
      pool,
      options.seconds,
      Math.max(SPANS_PER_BATCH, target),
      options.concurrency * 4,
    );
    say(
      `otlp: paced at ${Math.round(target)} spans/s: p50 ${pacedPhase.p50Ms} ms, p99 ${pacedPhase.p99Ms} ms`,
    );
    return {
      maxRate,
      paced: { ...pacedPhase, targetSpansPerSecond: round(target) ?? 0 },
      peakRssMb: round(rssMb(service.child.pid), 1),
    };
  } finally {
    await service.stop();
  }
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ep = endpoints();
  // bench.run-* topics are what run.ts cleans up when a run was interrupted.
  const prefix = `bench.run-otlp-${Date.now().toString(36)}`;
  const topics = { raw: `${prefix}.raw`, dlq: `${prefix}.dlq` };
  const run = async () => {
    try {
      const result = await measureOtlp(ep, topics, 19_465, {
        seconds: flag('--seconds', 20),
        concurrency: flag('--concurrency', 8),
        targetSpansPerSecond: null,
      });
      console.log(JSON.stringify(result, null, 2));
    } finally {
      const admin = kafkaClient(ep.brokers, 'bench-otlp-cleanup').admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topics.raw, topics.dlq], timeout: 30_000 });
      await admin.disconnect();
    }
  };
  run().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
