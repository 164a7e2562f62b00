import type { TelemetryEvent } from '@aiops/contract';
import { createSimulation, type SimulationOptions } from '../src/index.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
/** 2025-01-15T00:00:00Z: a Wednesday, midnight UTC. */
export const T0 = Date.UTC(2025, 0, 15);

export function run(options: Partial<SimulationOptions> = {}): TelemetryEvent[] {
  const simulation = createSimulation({
    seed: 7,
    startMs: T0,
    durationMs: 3 * HOUR,
    eventsPerMinute: 300,
    scenarios: [],
    ...options,
  });
  return [...simulation.events()];
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

export function byId(events: readonly TelemetryEvent[]): Map<string, TelemetryEvent> {
  return new Map(events.map((e) => [e.event_id, e]));
}

export function within(e: TelemetryEvent, startMs: number, endMs: number): boolean {
  return e.timestamp >= startMs && e.timestamp < endMs;
}

/** FNV-1a over the JSON of every event: a cheap fingerprint of a whole run. */
export function fingerprint(events: readonly TelemetryEvent[]): string {
  let h = 0x811c9dc5;
  for (const e of events) {
    const s = JSON.stringify(e);
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return `${events.length}:${(h >>> 0).toString(16)}`;
}
