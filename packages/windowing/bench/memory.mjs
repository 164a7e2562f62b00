// Heap held by the window operator per active series, at steady state.
// Run: npx tsc -b packages/windowing packages/testkit && node --expose-gc packages/windowing/bench/memory.mjs
import { makeRecord, seededRandom } from '@aiops/core';
import { MockProcessorContext, telemetryEvent } from '@aiops/testkit';
import { WindowOperator } from '../dist/index.js';

const SERIES = Number(process.env.SERIES ?? 5_000);
const MINUTES = 4;

function event(series, timestamp, random) {
  const latency = Math.exp(
    Math.log(2000) + 0.9 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()),
  );
  return telemetryEvent({
    tenant_id: `tenant-${series % 50}`,
    application: `app-${series % 7}`,
    environment: 'prod',
    model: `model-${series}`,
    event_id: `${series}-${timestamp}`,
    timestamp,
    status: random() < 0.02 ? 'error' : 'ok',
    duration_ms: Math.round(latency),
    time_to_first_token_ms: Math.round(latency / 5),
    input_tokens: 500,
    output_tokens: 200,
    cost_usd: 0.002,
    cost_source: 'price_table',
    scores: random() < 0.1 ? { faithfulness: random() } : {},
  });
}

/** Heap plus array-buffer bytes, after letting the collector (and its buffer sweeper) finish. */
async function used() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function run(label, options, perMinute) {
  const random = seededRandom(7);
  const operator = new WindowOperator(options);
  const context = new MockProcessorContext();
  operator.init(context);
  const before = await used();
  const start = 1_700_000_000_000;
  const step = 60_000 / perMinute;
  let offset = 0;
  let peak = 0;
  for (let minute = 0; minute < MINUTES; minute++) {
    for (let i = 0; i < perMinute; i++) {
      const t = start + minute * 60_000 + i * step;
      for (let s = 0; s < SERIES; s++) {
        context.setRecordMetadata({ topic: 'events', partition: 0, offset: offset++ });
        const e = event(s, Math.round(t + (s % 1000)), random);
        operator.process(makeRecord('', e, e.timestamp));
      }
    }
    context.resetForwarded();
    if (minute >= 2) {
      const stats = operator.stats();
      const bytes = (await used()) - before;
      peak = Math.max(peak, bytes);
      console.log(
        `${label.padEnd(34)} minute ${minute}: ${stats.activeSeries} series, ${stats.openWindows} windows, ` +
          `${Math.round(bytes / stats.activeSeries)} B/series (${Math.round(bytes / stats.openWindows)} B/window, ` +
          `sketch arrays ${Math.round(stats.sketchBytes / stats.openWindows)} B/window)`,
      );
    }
  }
  return peak;
}

await run('1 min windows, 1 event/min', { windowSizesMs: [60_000] }, 1);
await run('1 min windows, 12 events/min', { windowSizesMs: [60_000] }, 12);
await run('1 min windows, 60 events/min', { windowSizesMs: [60_000] }, 60);
await run('1+5 min windows, 12 events/min', { windowSizesMs: [60_000, 300_000] }, 12);
