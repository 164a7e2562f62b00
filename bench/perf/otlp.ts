/**
 * OTLP receiver load: a bounded loopback load generator posting OTLP protobuf batches of 100 GenAI spans
 * to a real `aiops run otlp-receiver` process (which produces to Kafka and answers after the ack).
 * Phase 1, closed loop at `concurrency` requests in flight: the spans/s accepted. Phase 2, paced at
 * `targetSpansPerSecond` (half the validator's rate measured in the same run, else half of phase 1): the
 * p50/p99 request latency at that rate.
 *
 *   node bench/dist/perf/otlp.js [--seconds 20] [--concurrency 8]     (alone, without the rest of the run)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@aiops/harness';
import { OTLP_MESSAGES, sha256Hex } from '@aiops/otlp';
import { type Endpoints, endpoints, percentile, round, say } from './common.js';
import { benchPipeline, STOP_GRACE_MS } from './stages.js';

const SPANS_PER_BATCH = 100;
const TOKEN = 'bench-otlp-token';

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

/** A request poster to the receiver on `port`. */
type Post = (body: Uint8Array) => Promise<{ ok: boolean; ms: number }>;

const poster =
  (port: number): Post =>
  async (body) => {
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${TOKEN}` },
      body,
    });
    const answer = await response.arrayBuffer();
    // A 200 with a body carries partial_success: not a full acceptance.
    return { ok: response.status === 200 && answer.byteLength === 0, ms: performance.now() - started };
  };

function phase(latencies: number[], accepted: number, requests: number, seconds: number): OtlpPhase {
  latencies.sort((a, b) => a - b);
  return {
    requests,
    accepted,
    refusedOrFailed: requests - accepted,
    spansPerSecond: (accepted * SPANS_PER_BATCH) / seconds,
    p50Ms: round(percentile(latencies, 50), 2),
    p99Ms: round(percentile(latencies, 99), 2),
  };
}

/** Closed loop: `concurrency` workers post back to back until the deadline. */
async function closedLoop(
  post: Post,
  pool: Uint8Array[],
  seconds: number,
  concurrency: number,
): Promise<OtlpPhase> {
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
  post: Post,
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

export async function measureOtlp(ep: Endpoints, options: OtlpLoadOptions): Promise<OtlpResult> {
  const dir = mkdtempSync(join(tmpdir(), 'aiops-bench-otlp-'));
  const tokensFile = join(dir, 'tokens.json');
  writeFileSync(
    tokensFile,
    JSON.stringify({ tenants: [{ tenant_id: 'bench', token_sha256: sha256Hex(TOKEN) }] }),
  );
  const pipeline = benchPipeline(ep, 'o', { otlpTokensFile: tokensFile });
  const port = await freePort();
  const post = poster(port);
  const service = await pipeline.spawn('otlp-receiver', {
    restart: false,
    env: {
      OTLP_PORT: String(port),
      OTLP_RATE_REQUESTS_PER_SECOND: '1000000',
      OTLP_RATE_BYTES_PER_SECOND: String(1 << 30),
    },
  });
  try {
    await service.waitReady();
    const pool = bodies(64, Date.now());
    await closedLoop(post, pool, 1, 2); // warm-up: connections, JIT, producer metadata
    say(`otlp: ${options.seconds} s closed loop at ${options.concurrency} requests in flight`);
    const maxRate = await closedLoop(post, pool, options.seconds, options.concurrency);
    say(`otlp: ${Math.round(maxRate.spansPerSecond)} spans/s accepted, p99 ${maxRate.p99Ms} ms`);
    const target = options.targetSpansPerSecond ?? maxRate.spansPerSecond / 2;
    const pacedPhase = await paced(
      post,
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
      peakRssMb: round((service.usage()?.peakRssBytes ?? Number.NaN) / 1024 / 1024, 1),
    };
  } finally {
    await pipeline.stopAll(STOP_GRACE_MS);
    await pipeline.cleanup();
  }
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  measureOtlp(endpoints(), {
    seconds: flag('--seconds', 20),
    concurrency: flag('--concurrency', 8),
    targetSpansPerSecond: null,
  }).then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
