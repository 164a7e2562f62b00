/**
 * The pipeline's functional cores without Kafka or ClickHouse, for fast detector tuning: each simulated
 * event is normalised and priced as the validator does (normalizeEvent with the shipped price table),
 * aggregated by the aggregator's WindowOperator (one partition, one source) and judged by one detection
 * engine, punctuated with the stream time after every batch of windows, as the detector service does.
 *
 * Not the benchmark's result: `bench/scenarios/run.ts` runs the real services; this mode (`--offline`)
 * answers "what would the detectors say" in seconds.
 */
import { readFileSync } from 'node:fs';
import {
  type Alert,
  DEFAULT_PRICE_TABLE_URL,
  loadPriceTable,
  normalizeEvent,
  seriesKey,
  type TelemetryEvent,
  type WindowAggregate,
} from '@aiops/contract';
import { createDetectionEngine } from '@aiops/detectors';
import { ProcessorDriver } from '@aiops/kafka';
import type { Simulation } from '@aiops/simulator';
import { WindowOperator, type WindowOutput } from '@aiops/windowing';

export interface OfflineOptions {
  readonly windowMs: number;
  /**
   * A coarser window size aggregated too (hourly windows for dashboards, as WINDOW_SIZES_MS does): its
   * windows go to `onWindow` only; the engine judges `windowMs` windows, as the detector service does.
   */
  readonly rollupWindowMs?: number;
  readonly rules?: unknown;
  readonly maxOutOfOrdernessMs?: number;
  readonly allowedLatenessMs?: number;
  /** Events between detector batches (the detector ticks after each); default 2000. */
  readonly batchEvents?: number;
  /** Sees every normalised event, window and alert (e.g. to load them into ClickHouse: bench/ui). */
  readonly onEvent?: (event: TelemetryEvent) => void;
  readonly onWindow?: (window: WindowAggregate) => void;
  readonly onAlert?: (alert: Alert) => void;
}

export interface OfflineResult {
  readonly alerts: Alert[];
  readonly events: number;
  readonly rejected: number;
  readonly windows: number;
  readonly wallMs: number;
}

export function runOffline(simulation: Simulation, options: OfflineOptions): OfflineResult {
  const started = Date.now();
  const priceTable = loadPriceTable(JSON.parse(readFileSync(DEFAULT_PRICE_TABLE_URL, 'utf8')) as unknown);
  const normalize = { priceTable, userIdSalt: 'offline-bench-salt', nowMs: Date.now() };
  // A clock that never moves while events stream in (no idle advances), then jumps to flush.
  let wall = 0;
  const operator = new WindowOperator({
    windowSizesMs: options.rollupWindowMs ? [options.windowMs, options.rollupWindowMs] : [options.windowMs],
    maxOutOfOrdernessMs: options.maxOutOfOrdernessMs ?? 5_000,
    allowedLatenessMs: options.allowedLatenessMs ?? 60_000,
    idleTimeoutMs: 30_000,
  });
  const driver = new ProcessorDriver<string, TelemetryEvent, string, WindowOutput>(operator, {
    now: () => wall,
  });
  const engine = createDetectionEngine(options.rules);
  const alerts: Alert[] = [];
  let streamTime = 0;
  let windows = 0;
  const judge = (): void => {
    for (const record of driver.drain().get('') ?? []) {
      const window = record.value as WindowAggregate;
      windows++;
      options.onWindow?.(window);
      if (window.window_end - window.window_start !== options.windowMs) continue;
      const fired = engine.process(window);
      for (const alert of fired) options.onAlert?.(alert);
      alerts.push(...fired);
      if (window.window_end > streamTime) streamTime = window.window_end;
    }
    const ticked = engine.tick(streamTime);
    for (const alert of ticked) options.onAlert?.(alert);
    alerts.push(...ticked);
  };
  const batch = options.batchEvents ?? 2000;
  let events = 0;
  let rejected = 0;
  for (const raw of simulation.events()) {
    let event: TelemetryEvent;
    try {
      event = normalizeEvent(raw, normalize);
    } catch {
      rejected++;
      continue;
    }
    options.onEvent?.(event);
    driver.process(seriesKey(event), event, event.timestamp, {
      topic: 'events',
      partition: 0,
      offset: events,
    });
    events++;
    if (events % batch === 0) judge();
  }
  judge();
  // End of input: let the idle punctuation close the last windows.
  wall = 10 * 60_000 + 2 * options.windowMs;
  driver.tick();
  judge();
  driver.close();
  return { alerts, events, rejected, windows, wallMs: Date.now() - started };
}

/** What feedMonitor needs of an event monitor's core (packages/agents AgentMonitor, packages/prompts PromptMonitor). */
export interface OfflineMonitor {
  process(event: TelemetryEvent, wallNowMs: number): void;
  advance(): { readonly alerts: readonly Alert[] };
}

/**
 * Feeds a simulation's events to an event monitor's core as its service would get them: normalised and
 * priced as the validator does (refused events skipped), in batches of 20 (about 3 s of event time at
 * 400/min), advancing after each; at the end one more event `closeAfterMs` past the newest event time
 * (what a quiet partition's idle punctuation does live) and a last advance. Each alert goes to `onAlert`
 * with the newest event time fed when it came out. Returns the events fed.
 */
export function feedMonitor(
  simulation: Simulation,
  monitor: OfflineMonitor,
  options: { readonly userIdSalt: string; readonly nowMs: number; readonly closeAfterMs: number },
  onAlert: (alert: Alert, streamMs: number) => void,
): number {
  const priceTable = loadPriceTable(JSON.parse(readFileSync(DEFAULT_PRICE_TABLE_URL, 'utf8')) as unknown);
  const normalize = { priceTable, userIdSalt: options.userIdSalt, nowMs: options.nowMs };
  let events = 0;
  let streamMs = 0;
  let last: TelemetryEvent | null = null;
  const advance = () => {
    for (const alert of monitor.advance().alerts) onAlert(alert, streamMs);
  };
  for (const raw of simulation.events()) {
    let event: TelemetryEvent;
    try {
      event = normalizeEvent(raw, normalize);
    } catch {
      continue;
    }
    events++;
    last = event;
    if (event.timestamp > streamMs) streamMs = event.timestamp;
    monitor.process(event, 0);
    if (events % 20 === 0) advance();
  }
  advance();
  if (last !== null) {
    streamMs += options.closeAfterMs;
    monitor.process({ ...last, event_type: 'llm_call', timestamp: streamMs }, 0);
    advance();
  }
  return events;
}
