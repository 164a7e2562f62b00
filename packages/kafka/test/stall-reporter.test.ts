import { ManualClock, ProgressClock } from '@aiops/core';
import { createPipelineMetrics } from '@aiops/ops';
import { describe, expect, it } from 'vitest';
import { stallReporter } from '../src/runner.js';

describe('stallReporter', () => {
  it("keeps the counter at the clock's stalledTotalMs in seconds, during a stall too", async () => {
    const wall = new ManualClock(0);
    const progress = new ProgressClock(5_000, wall);
    const metrics = createPipelineMetrics({ defaultMetrics: false });
    const report = stallReporter(progress, metrics.consumerStalled, 'aggregator');
    const stalledSeconds = async () =>
      (await metrics.consumerStalled.get()).values.find((v) => v.labels.service === 'aggregator')?.value ?? 0;

    progress.progressed();
    wall.advance(4_000);
    report();
    expect(await stalledSeconds()).toBe(0);
    wall.advance(10_000); // no fetch completes: 9 s past the threshold
    report();
    expect(await stalledSeconds()).toBe(9);
    wall.advance(20_000);
    progress.progressed(); // back after a 29 s stall
    report();
    report();
    expect(await stalledSeconds()).toBe(29);
    expect(progress.stalledTotalMs()).toBe(29_000);
  });
});
