// Events per second through the window operator (one partition, 1 000 series, 1 and 5 min windows).
// Run: npx tsc -b packages/windowing packages/testkit && node packages/windowing/bench/throughput.mjs
import { makeRecord, seededRandom } from '@aiops/core';
import { MockProcessorContext, telemetryEvent } from '@aiops/testkit';
import { WindowOperator } from '../dist/index.js';

const EVENTS = Number(process.env.EVENTS ?? 300_000);
const SERIES = 1_000;

const random = seededRandom(3);
const start = 1_700_000_000_000;
const records = Array.from({ length: EVENTS }, (_, i) => {
  const s = Math.floor(random() * SERIES);
  const timestamp = start + i * 20 - Math.floor(random() * 3000); // 50 events/s, up to 3 s out of order
  const latency = Math.round(200 * 100 ** random());
  const event = telemetryEvent({
    tenant_id: `tenant-${s % 20}`,
    application: `app-${s % 5}`,
    environment: 'prod',
    model: `model-${s}`,
    event_id: String(i),
    timestamp,
    status: random() < 0.03 ? 'error' : 'ok',
    error_type: random() < 0.5 ? 'timeout' : null,
    duration_ms: latency,
    time_to_first_token_ms: Math.round(latency / 4),
    input_tokens: 800,
    output_tokens: 300,
    cache_read_input_tokens: 0,
    cost_usd: 0.0031,
    cost_source: 'price_table',
    scores: random() < 0.2 ? { faithfulness: random() } : {},
    feedback: random() < 0.05 ? 1 : null,
    guardrail_flags: random() < 0.01 ? ['pii'] : [],
  });
  return makeRecord('', event, timestamp);
});

for (const sizes of [[60_000], [60_000, 300_000]]) {
  const operator = new WindowOperator({ windowSizesMs: sizes });
  const context = new MockProcessorContext();
  operator.init(context);
  const began = process.hrtime.bigint();
  for (let i = 0; i < records.length; i++) {
    context.setRecordMetadata({ topic: 'events', partition: 0, offset: i });
    operator.process(records[i]);
    if (i % 50_000 === 0) context.resetForwarded();
  }
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  const stats = operator.stats();
  console.log(
    `windows ${sizes.map((s) => `${s / 60_000}m`).join('+')}: ${Math.round(EVENTS / seconds).toLocaleString('en')} events/s ` +
      `(${EVENTS} events, ${stats.emitted} aggregates emitted, ${stats.openWindows} windows open)`,
  );
}
