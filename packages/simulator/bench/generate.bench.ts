import { bench, describe } from 'vitest';
import { createSimulation } from '../src/index.js';

/**
 * Generation throughput (the brief asks for ≥ 200k events/s). One hour of event time at 10k events/min is
 * ~600k events. Run with: npx vitest bench --project unit packages/simulator/bench
 */
const simulation = createSimulation({
  seed: 1,
  startMs: Date.UTC(2025, 0, 15, 12),
  durationMs: 3_600_000,
  eventsPerMinute: 10_000,
  warmupMs: 10 * 60_000,
});

describe('simulator', () => {
  bench(
    'generate one hour at 10k events/min, all scenarios',
    () => {
      let n = 0;
      for (const _ of simulation.events()) n++;
      if (n < 500_000) throw new Error(`only ${n} events`);
    },
    { iterations: 3, warmupIterations: 1 },
  );
});
