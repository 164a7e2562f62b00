import { metricValue } from '@aiops/harness';
import { type ChaosRun, SERVICES, type ServiceName } from './run.js';
import { startStackService, stopStackService } from './stack.js';
import { chunks } from './stream.js';

/**
 * The fault scripts. Each produces the same stream (in chunks, the fault between them, the sentinels
 * and closers last) into a run whose services are already up; the suite then drains the run and compares it with
 * the fault-free one.
 */

export const FAULTS = ['kill', 'kafka', 'clickhouse', 'scale'] as const;
/** `repeat` (not in `all`): the fault-free script again, to see what differs between runs without faults. */
export type FaultName = (typeof FAULTS)[number] | 'repeat';
export type RunKind = 'baseline' | FaultName;

export interface FaultOutcome {
  /** Writer resident memory while ClickHouse was down (bytes), and before it went down. */
  writerRss?: { before: number; peak: number; after: number };
  /** Did the writer report `aiops_consumer_paused 1` during the outage (backpressure)? */
  writerPaused?: boolean;
  /** Writer group lag when ClickHouse went down and when it came back. */
  writerLag?: { atStop: number; atRestart: number };
  /** Times the supervisor restarted the writer by the end of the outage. */
  writerCrashes?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const env: Readonly<Record<string, string | undefined>> = process.env;

export const KAFKA_OUTAGE_MS = Number(env.CHAOS_KAFKA_OUTAGE_MS ?? 30_000);
export const CLICKHOUSE_OUTAGE_MS = Number(env.CHAOS_CLICKHOUSE_OUTAGE_MS ?? 60_000);
export const SCALE_SERVICE = (env.CHAOS_SCALE_SERVICE ?? 'aggregator') as ServiceName;

async function baseline(run: ChaosRun): Promise<FaultOutcome> {
  const [first, second] = chunks(run.stream.messages, 2);
  await run.produce(first!, 'events (first half)');
  await run.waitMidStream('validator');
  await run.produce(second!, 'events (second half)');
  await run.produceEnd();
  return {};
}

/** 1. Each service in turn: SIGKILL while it works through its backlog, then the same command again. */
async function kill(run: ChaosRun): Promise<FaultOutcome> {
  const parts = chunks(run.stream.messages, SERVICES.length);
  for (const [i, service] of SERVICES.entries()) {
    await run.produce(parts[i]!, `events (part ${i + 1}/${parts.length})`);
    await run.waitMidStream(service);
    const victim = run.instance(service);
    const exit = await victim.killAndRestart();
    run.log(
      `SIGKILL ${victim.name} (pid ${exit?.pid}, signal ${exit?.signal}); restarted as pid ${victim.pid}`,
    );
    const ready = await run.waitReady([victim], 180_000);
    run.log(`${victim.name} ${ready ? 'consuming again' : 'NOT ready'} after restart`);
  }
  await run.produceEnd();
  return {};
}

/** 2. The broker stopped (SIGTERM) for 30 s mid-stream, then started again on its data. */
async function kafka(run: ChaosRun): Promise<FaultOutcome> {
  const [first, second] = chunks(run.stream.messages, 2);
  await run.produce(first!, 'events (first half)');
  await run.waitMidStream('validator');
  const stopped = await stopStackService('kafka');
  run.log(`Kafka ${stopped}; down for ${KAFKA_OUTAGE_MS / 1000} s`);
  await sleep(KAFKA_OUTAGE_MS);
  run.log(`Kafka ${await startStackService('kafka')}`);
  await run.produce(second!, 'events (second half)');
  await run.produceEnd();
  return {};
}

/** 3. ClickHouse stopped for 60 s while the writer works and the second half arrives; the writer must wait. */
async function clickhouse(run: ChaosRun): Promise<FaultOutcome> {
  const [first, second] = chunks(run.stream.messages, 2);
  const writer = run.instance('writer');
  await run.produce(first!, 'events (first half)');
  await run.waitMidStream('writer');
  const before = writer.usage()?.rssBytes ?? 0;
  const atStop = (await run.position('writer')).lag;
  const stopped = await stopStackService('clickhouse');
  run.log(`ClickHouse ${stopped}; down for ${CLICKHOUSE_OUTAGE_MS / 1000} s; writer RSS ${mb(before)}`);
  const outageEnds = Date.now() + CLICKHOUSE_OUTAGE_MS;
  let peak = before;
  let paused = false;
  const sample = async () => {
    while (Date.now() < outageEnds) {
      peak = Math.max(peak, writer.usage()?.rssBytes ?? 0);
      const text = await writer.metrics();
      if (text !== null && (metricValue(text, 'aiops_consumer_paused', { service: 'writer' }) ?? 0) > 0)
        paused = true;
      await sleep(1000);
    }
  };
  // The second half arrives while ClickHouse is away: everything upstream keeps going, the writer waits.
  await Promise.all([sample(), run.produce(second!, 'events (second half, ClickHouse down)')]);
  const atRestart = (await run.position('writer')).lag;
  run.log(
    `writer during the outage: RSS peak ${mb(peak)} (before ${mb(before)}), paused ${paused}, ` +
      `lag ${atStop} → ${atRestart}, restarts ${writer.crashRestarts}`,
  );
  run.log(`ClickHouse ${await startStackService('clickhouse')}`);
  await run.produceEnd();
  return {
    writerRss: { before, peak, after: writer.usage()?.rssBytes ?? 0 },
    writerPaused: paused,
    writerLag: { atStop, atRestart },
    writerCrashes: writer.crashRestarts,
  };
}

/** 4. A consumer group scaled from 1 to 3 instances mid-stream, and back to 1 (SIGTERM) mid-stream. */
async function scale(run: ChaosRun): Promise<FaultOutcome> {
  const service = SCALE_SERVICE;
  const [first, second, third] = chunks(run.stream.messages, 3);
  await run.produce(first!, 'events (first third)');
  await run.waitMidStream(service);
  const added = [await run.spawn(service), await run.spawn(service)];
  const ready = await run.waitReady(run.instances(service), 180_000);
  run.log(`${service} scaled to 3 instances (${ready ? 'all consuming' : 'NOT all ready'})`);
  const instances = run.instances(service);
  const before = await run.consumedEach(service, instances);
  await run.produce(second!, 'events (second third)');
  // Every one of the three instances works on the second third before the group shrinks mid-stream.
  await run.waitEachConsumed(service, instances, before);
  await run.waitMidStream(service);
  await Promise.all(added.map((p) => p.stop('SIGTERM')));
  run.log(`${service} scaled back to 1 instance (SIGTERM to ${added.map((p) => p.name).join(', ')})`);
  await run.produce(third!, 'events (last third)');
  await run.produceEnd();
  return {};
}

export const FAULT_SCRIPTS: Record<RunKind, (run: ChaosRun) => Promise<FaultOutcome>> = {
  baseline,
  repeat: baseline,
  kill,
  kafka,
  clickhouse,
  scale,
};

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/** CHAOS_FAULTS: `all` (default), `none`, or a comma-separated list of kill, kafka, clickhouse, scale. */
export function parseFaults(text: string | undefined): FaultName[] {
  const value = (text ?? 'all').trim();
  if (value === 'all' || value === '') return [...FAULTS];
  if (value === 'none') return [];
  return value.split(',').map((raw) => {
    const name = raw.trim();
    if (name !== 'repeat' && !(FAULTS as readonly string[]).includes(name))
      throw new Error(
        `CHAOS_FAULTS: unknown fault ${name}; expected all, none or some of ${FAULTS.join(', ')}, repeat`,
      );
    return name as FaultName;
  });
}
