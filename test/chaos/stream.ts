import {
  encodeEventAvroSingleObject,
  encodeEventJson,
  seriesKey,
  type TelemetryEvent,
} from '@aiops/contract';
import { createSimulation, type IncidentLabel } from '@aiops/simulator';
import type { Message } from 'kafkajs';

/**
 * The fixed, seeded input every run of the suite gets: simulator traffic with its labelled incidents
 * (so that alerts fire), a little producer-side disorder and duplication, one tenant whose telemetry
 * arrives LAG_MS late throughout and one whose first BACKFILL_HISTORY_MS arrive at once (a backfill at
 * onboarding, see delivery()), then one sentinel per series
 * far enough ahead in event time to close every window of the stream deterministically, then one closer
 * per series a window later, whose only job is to close the sentinels' windows: the end of the stream is
 * a function of the records, not of the aggregator's wall-clock idle timeout.
 */

export interface ChaosStreamOptions {
  readonly seed: number;
  /** At least this many events (the rate is calibrated to reach it over `durationMs`). */
  readonly targetEvents: number;
  /** Event time covered; 4 h fits the simulator's incident schedule after its warm-up. */
  readonly durationMs: number;
  /** Wall clock at suite start: the stream ends `endsBeforeNowMs` before it (the validator refuses the future). */
  readonly nowMs: number;
  readonly endsBeforeNowMs: number;
  readonly format: 'json' | 'avro';
  readonly outOfOrderMs: number;
  readonly duplicateRate: number;
  /**
   * Raw-topic message key: `series` as the SDK and `aiops simulate` key (one series, one raw partition),
   * or `event` (the event_id, as a producer without the SDK might: every series in every partition).
   */
  readonly rawKey: 'series' | 'event';
  /** Raw-topic partitions: with `event` keys, each series gets a sentinel in every one of them. */
  readonly partitions: number;
}

export interface ChaosStream {
  readonly options: ChaosStreamOptions;
  readonly startMs: number;
  readonly endMs: number;
  readonly eventsPerMinute: number;
  /** In production order, keyed by series as the SDK keys them. Duplicates included. */
  readonly messages: readonly Message[];
  readonly sentinels: readonly Message[];
  /** After the sentinels: they close the sentinels' windows; their own windows stay open. */
  readonly closers: readonly Message[];
  /** Distinct event_ids, sentinels and closers included: the rows `events FINAL` must hold. */
  readonly uniqueEvents: number;
  /** Distinct events in closed windows (all but the closers): each is in exactly one window per size. */
  readonly windowedEvents: number;
  readonly duplicates: number;
  readonly series: number;
  readonly sentinelWindowStartMs: number;
  readonly labels: readonly IncidentLabel[];
}

const MINUTE_MS = 60_000;
/** Window size + allowed lateness + max out-of-orderness of the aggregator's defaults, with room. */
const SENTINEL_AHEAD_MS = 150_000;
/** Past the sentinels' window end by more than the harness's 5 s max out-of-orderness. */
const CLOSER_AFTER_SENTINEL_MS = MINUTE_MS + 15_000;
/** The lagging tenant's events arrive this much later than the others' of the same time. */
const LAG_MS = 3 * MINUTE_MS;
/** The backfilling tenant's events of this long from the stream's start arrive together, at its end. */
const BACKFILL_HISTORY_MS = 90 * MINUTE_MS;

/**
 * Production order with two tenants out of step (per-tenant clocks, issue 11): the simulator's order
 * stands for the producers' clock (its running highest event time, so its own disorder stays), the
 * second tenant (sorted by id) arrives LAG_MS behind it, the third holds its first BACKFILL_HISTORY_MS
 * back and sends them at once. A stable sort by arrival keeps every other order as the simulator made it.
 */
function delivery(events: readonly TelemetryEvent[], startMs: number): TelemetryEvent[] {
  const tenants = [...new Set(events.map((e) => e.tenant_id))].sort();
  const lagging = tenants[1];
  const backfilling = tenants[2];
  const backfillAt = startMs + BACKFILL_HISTORY_MS;
  let clock = Number.NEGATIVE_INFINITY;
  const timed = events.map((event, index) => {
    clock = Math.max(clock, event.timestamp);
    let arrival = clock;
    if (event.tenant_id === lagging) arrival = clock + LAG_MS;
    else if (event.tenant_id === backfilling && event.timestamp < backfillAt)
      arrival = Math.max(clock, backfillAt);
    return { event, index, arrival };
  });
  timed.sort((a, b) => a.arrival - b.arrival || a.index - b.index);
  return timed.map((t) => t.event);
}

function generate(options: ChaosStreamOptions, startMs: number, eventsPerMinute: number) {
  return createSimulation({
    seed: options.seed,
    startMs,
    durationMs: options.durationMs,
    eventsPerMinute,
    outOfOrderMs: options.outOfOrderMs,
    duplicateRate: options.duplicateRate,
  });
}

/** Distinct events (duplicates not counted) the simulation yields at this rate. */
function countEvents(options: ChaosStreamOptions, startMs: number, eventsPerMinute: number): number {
  const ids = new Set<string>();
  for (const event of generate(options, startMs, eventsPerMinute).events()) ids.add(event.event_id);
  return ids.size;
}

export function buildChaosStream(options: ChaosStreamOptions): ChaosStream {
  const endMs = Math.floor((options.nowMs - options.endsBeforeNowMs) / MINUTE_MS) * MINUTE_MS;
  const startMs = endMs - options.durationMs;
  // The diurnal curve makes the count depend on the hour: calibrate the rate to the target.
  let rate = options.targetEvents / (options.durationMs / MINUTE_MS);
  for (let pass = 0; pass < 4; pass++) {
    const n = countEvents(options, startMs, rate);
    if (n >= options.targetEvents) break;
    rate = rate * (options.targetEvents / n) * 1.005;
  }
  const simulation = generate(options, startMs, rate);
  const encode = options.format === 'avro' ? encodeEventAvroSingleObject : encodeEventJson;
  const messages: Message[] = [];
  const ids = new Set<string>();
  const lastOfSeries = new Map<string, TelemetryEvent>();
  let duplicates = 0;
  for (const event of delivery([...simulation.events()], simulation.options.startMs)) {
    const key = seriesKey(event);
    if (ids.has(event.event_id)) duplicates++;
    ids.add(event.event_id);
    lastOfSeries.set(key, event);
    messages.push({ key: options.rawKey === 'series' ? key : event.event_id, value: encode(event) });
  }
  const sentinelMs = simulation.options.endMs + SENTINEL_AHEAD_MS;
  // Every (series, source partition) pair must see the sentinel for the per-source watermarks to pass.
  const copies = options.rawKey === 'series' ? 1 : options.partitions;
  const oneEach = (kind: string, timestamp: number): Message[] => {
    const out: Message[] = [];
    let i = 0;
    for (const [key, last] of lastOfSeries) {
      for (let copy = 0; copy < copies; copy++) {
        const event: TelemetryEvent = {
          ...last,
          event_id: `chaos-${kind}-${options.seed}-${i++}`,
          timestamp,
        };
        ids.add(event.event_id);
        out.push(
          options.rawKey === 'series'
            ? { key, value: encode(event) }
            : { key: event.event_id, partition: copy, value: encode(event) },
        );
      }
    }
    return out;
  };
  const sentinels = oneEach('sentinel', sentinelMs);
  const closers = oneEach('closer', sentinelMs + CLOSER_AFTER_SENTINEL_MS);
  return {
    options,
    startMs: simulation.options.startMs,
    endMs: simulation.options.endMs,
    eventsPerMinute: rate,
    messages,
    sentinels,
    closers,
    uniqueEvents: ids.size,
    windowedEvents: ids.size - closers.length,
    duplicates,
    series: lastOfSeries.size,
    sentinelWindowStartMs: Math.floor(sentinelMs / MINUTE_MS) * MINUTE_MS,
    labels: simulation.labels,
  };
}

/** Splits `messages` into `parts` consecutive chunks of (nearly) equal size. */
export function chunks<T>(messages: readonly T[], parts: number): T[][] {
  const out: T[][] = [];
  for (let k = 0; k < parts; k++) {
    out.push(
      messages.slice(
        Math.floor((k * messages.length) / parts),
        Math.floor(((k + 1) * messages.length) / parts),
      ),
    );
  }
  return out;
}
