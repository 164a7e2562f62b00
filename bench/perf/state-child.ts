/**
 * One state measurement in a process of its own (run with --expose-gc): `node state-child.js
 * <aggregator|tenants|detector> <series>`. Prints one JSON line: heap and RSS growth for `series` active
 * series (`tenants`: each its own tenant, fed from 6 raw partitions).
 */
import { SOURCE_HEADER, type TelemetryEvent, type WindowAggregate } from '@aiops/contract';
import { createDetectionEngine } from '@aiops/detectors';
import { ProcessorDriver } from '@aiops/kafka';
import { createSimulation } from '@aiops/simulator';
import { committedPosition, WindowOperator, type WindowOutput } from '@aiops/windowing';

const kind = process.argv[2];
const series = Number(process.argv[3]);
const EVENTS_PER_SERIES = 20;
const WINDOWS_PER_SERIES = 5;
const MINUTE = 60_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

function measure(): { heap: number; rss: number } {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external + m.arrayBuffers, rss: m.rss };
}

/** Realistic event shapes (the simulator's), as templates to vary the series of. */
function templates(): TelemetryEvent[] {
  const out: TelemetryEvent[] = [];
  const startMs = Date.now() - 10 * MINUTE;
  for (const e of createSimulation({
    seed: 3,
    startMs,
    durationMs: 10 * MINUTE,
    eventsPerMinute: 300,
    scenarios: [],
  }).events()) {
    if (e.duration_ms !== null) out.push(e);
    if (out.length >= 500) break;
  }
  return out;
}

const base = templates();

/** The six series dimensions of `anchor`, with an application name unique to series `i`. */
function dims(anchor: TelemetryEvent, i: number) {
  return {
    tenant_id: anchor.tenant_id,
    application: `app-${i}`,
    environment: anchor.environment,
    provider: anchor.provider,
    model: anchor.model,
    operation: anchor.operation,
  };
}
const t0 = Math.floor(Date.now() / MINUTE) * MINUTE - 60 * MINUTE;
let committedBytesPerTenant = Number.NaN;

/** Bytes per tenant that the operator's tenants' clocks (as they are now) take in a committed position. */
function committedClockBytes(operator: WindowOperator, expected: number): number {
  const tenants = operator.snapshot().partitions[0]?.tenants;
  if (tenants?.length !== expected) return Number.NaN;
  const position = { watermarkMs: 0, sources: [], expectedSources: 6, unseenGivenUp: false };
  const committed = JSON.stringify(committedPosition({ ...position, tenants })).length;
  return (committed - JSON.stringify(committedPosition(position)).length) / expected;
}
let keep: unknown;
let extra: Record<string, number> = {};
const before = measure();

if (kind === 'aggregator' || kind === 'tenants') {
  // Defaults of the service: 1-minute windows, 60 s allowed lateness, one open window per series.
  // `tenants`: each series its own tenant, its events from 6 raw partitions (sources), so every series
  // also has a tenant clock with 6 sources: the difference to `aggregator` is the clocks' cost.
  const tenants = kind === 'tenants';
  const operator = new WindowOperator({ windowSizesMs: [MINUTE] });
  const driver = new ProcessorDriver<string, TelemetryEvent, string, WindowOutput>(operator);
  let offset = 0;
  for (let i = 0; i < series; i++) {
    for (let j = 0; j < EVENTS_PER_SERIES; j++) {
      const template = base[(i * 7 + j) % base.length]!;
      const event: TelemetryEvent = {
        ...template,
        ...dims(base[i % base.length]!, i),
        ...(tenants ? { tenant_id: `tenant-${i}` } : {}),
        event_id: `${i}-${j}-${template.event_id}`,
        timestamp: t0 + ((j * 997) % (MINUTE - 1000)),
      };
      const key = `${event.tenant_id}|${event.application}|${event.environment}|${event.provider}|${event.model}|${event.operation}`;
      driver.process(
        key,
        event,
        event.timestamp,
        { topic: 'bench', partition: 0, offset: offset++ },
        { [SOURCE_HEADER]: tenants ? `${j % 6}/6` : '0/1' },
      );
    }
    if (i % 1000 === 0) driver.drain();
    // What 20 tenants' clocks add to the commit metadata (more do not fit in its 4 KB: left out).
    if (tenants && i === 19) committedBytesPerTenant = committedClockBytes(operator, 20);
  }
  driver.drain();
  const stats = operator.stats();
  extra = {
    openWindows: stats.openWindows,
    activeSeries: stats.activeSeries,
    sketchBytes: stats.sketchBytes,
    tenants: stats.tenants,
  };
  if (tenants) extra.committedBytesPerTenant = committedBytesPerTenant;
  keep = driver;
} else if (kind === 'detector') {
  // Windows as the aggregator makes them (one series' worth aggregated for real), cloned per series.
  const operator = new WindowOperator({ windowSizesMs: [MINUTE], allowedLatenessMs: 0 });
  const driver = new ProcessorDriver<string, TelemetryEvent, string, WindowOutput>(operator);
  let offset = 0;
  for (let w = 0; w <= WINDOWS_PER_SERIES; w++) {
    for (let j = 0; j < EVENTS_PER_SERIES; j++) {
      const template = base[(w * 31 + j) % base.length]!;
      const event: TelemetryEvent = {
        ...template,
        ...dims(base[0]!, 0),
        event_id: `t-${w}-${j}`,
        timestamp: t0 + w * MINUTE + j * 1000,
      };
      driver.process(
        'k',
        event,
        event.timestamp,
        { topic: 'bench', partition: 0, offset: offset++ },
        { source: '0/1' },
      );
    }
  }
  const windows = (driver.drain().get('') ?? [])
    .map((r) => r.value as WindowAggregate)
    .slice(0, WINDOWS_PER_SERIES);
  const engine = createDetectionEngine({});
  let alerts = 0;
  // Measured from here: the windows above are templates, not state.
  const start = measure();
  before.heap = start.heap;
  before.rss = start.rss;
  for (const [w, template] of windows.entries()) {
    for (let i = 0; i < series; i++) {
      alerts += engine.process({ ...template, ...dims(base[i % base.length]!, i) }).length;
    }
    alerts += engine.tick(template.window_end).length;
    void w;
  }
  extra = { windowsPerSeries: windows.length, alerts, engineSeries: engine.stats().series };
  keep = engine;
} else {
  throw new Error(`unknown kind ${kind}`);
}

const after = measure();
process.stdout.write(
  `${JSON.stringify({
    kind,
    series,
    heapDeltaBytes: after.heap - before.heap,
    rssDeltaBytes: after.rss - before.rss,
    heapBytesPerSeries: (after.heap - before.heap) / series,
    rssBytesPerSeries: (after.rss - before.rss) / series,
    rssMb: after.rss / 1024 / 1024,
    ...extra,
  })}\n`,
);
void keep;
