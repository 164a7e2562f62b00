import { existsSync } from 'node:fs';
import { CLI_MAIN, waitFor } from '@aiops/harness';
import { afterAll, describe, expect, it } from 'vitest';
import { TestPipeline } from '../support/pipeline.js';

/**
 * The harness's child processes, as the benchmarks and the fault suite use them: `aiops run <service>`
 * joined to the harness's pipeline on the real broker, killed and restarted, scaled, and a crash that
 * must not be answered with a restart.
 */

describe('pipeline harness: services as child processes', () => {
  const pipeline = new TestPipeline({ partitions: 2 });
  /** The members of the validator's consumer group on the broker. */
  const members = async () => {
    const admin = pipeline.kafka('admin').admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([pipeline.groups.validator]);
      return groups[0]?.state === 'Stable' ? (groups[0]?.members.length ?? 0) : -1;
    } finally {
      await admin.disconnect();
    }
  };

  afterAll(async () => {
    await pipeline.stopAll(5000);
    await pipeline.cleanup();
  });

  it('spawns a service on the pipeline, SIGKILLs and restarts it, scales its group to two', async () => {
    expect(existsSync(CLI_MAIN), `${CLI_MAIN} is missing: run npx tsc -b first`).toBe(true);
    const first = await pipeline.spawn('validator');
    await first.waitReady(90_000);
    const usage = first.usage();
    expect(usage?.rssBytes ?? 0).toBeGreaterThan(10 * 1024 * 1024);
    expect(usage?.peakRssBytes ?? 0).toBeGreaterThanOrEqual(usage?.rssBytes ?? 0);
    expect(usage?.cpuSeconds ?? 0).toBeGreaterThan(0);
    // It joined this pipeline's consumer group.
    await waitFor(async () => (await members()) === 1, 60_000, 'the validator group to have its member');

    const killedPid = first.pid;
    const exit = await first.killAndRestart();
    expect(exit).toMatchObject({ pid: killedPid, signal: 'SIGKILL', requested: true });
    expect(first.pid).not.toBe(killedPid);
    await first.waitReady(90_000);
    expect(first.kills).toBe(1);
    expect(first.crashRestarts).toBe(0);

    const second = await pipeline.spawn('validator');
    expect(second.name).toBe('validator#1');
    await second.waitReady(90_000);
    expect(pipeline.processes('validator')).toEqual([first, second]);
    // Both instances are members of the one consumer group.
    await waitFor(async () => (await members()) === 2, 60_000, 'the validator group to have two members');
    await second.stop('SIGTERM', 20_000);
    expect(second.running).toBe(false);
    expect(pipeline.supervisor?.restartSummary()).toMatchObject({ crashRestarts: 0, kills: 1 });
  });

  it('a process that exits on its own is not restarted when asked so, and its log says why', async () => {
    const broken = await pipeline.spawn('aggregator', { restart: false, env: { TOPIC_PARTITIONS: '0' } });
    await expect(broken.waitReady(60_000)).rejects.toThrow(/aggregator#0 exited \(code 1.*partitions/s);
    expect(broken.running).toBe(false);
    expect(broken.crashRestarts).toBe(0);
    expect(() => broken.assertAlive()).toThrow(/exited/);
  });
});
