import type { ChaosRun } from '../chaos/run.js';
import { SERVICES } from '../chaos/run.js';
import { chunks } from '../chaos/stream.js';
import { killBroker, killReplica, restartBroker, restartReplica } from './stack.js';

/**
 * Fault scripts on the cluster. Each produces the same stream as the fault-free run (in chunks, the fault
 * between them, the sentinels and closers last) into a run whose services are up, and says how long recovery took.
 */

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const env: Readonly<Record<string, string | undefined>> = process.env;
export const BROKER_OUTAGE_MS = Number(env.CLUSTER_BROKER_OUTAGE_MS ?? 30_000);
export const REPLICA_OUTAGE_MS = Number(env.CLUSTER_REPLICA_OUTAGE_MS ?? 60_000);

export interface Recovery {
  readonly what: string;
  /** Seconds from the restart to the process answering / rejoining. */
  readonly rejoinedSeconds: number;
  /** Seconds from the restart to fully caught up (no under-replicated partition; replica rows equal). */
  readonly caughtUpSeconds: number;
}

/** The broker leading partition 0 of `topic` (the harness's metadata view). */
async function leaderOf(run: ChaosRun, topic: string): Promise<number> {
  const admin = run.kafka.admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const leader = metadata.topics[0]?.partitions.find((p) => p.partitionId === 0)?.leader;
    if (leader === undefined || leader < 0) throw new Error(`${topic} partition 0 has no leader`);
    return leader;
  } finally {
    await admin.disconnect();
  }
}

/** 1. SIGKILL the broker leading raw (and events) partition 0 mid-stream; start it again 30 s later. */
export async function brokerKill(run: ChaosRun): Promise<Recovery> {
  const [first, second] = chunks(run.stream.messages, 2);
  await run.produce(first!, 'events (first half)');
  await run.waitMidStream('validator');
  const rawLeader = await leaderOf(run, run.topics.raw);
  const eventsLeader = await leaderOf(run, run.topics.events);
  const pid = killBroker(rawLeader);
  run.log(
    `SIGKILL Kafka node ${rawLeader} (pid ${pid}): leader of raw partition 0 (events partition 0: node ${eventsLeader}); ` +
      `back in ${BROKER_OUTAGE_MS / 1000} s`,
  );
  // The second half goes in while the broker is away: the producers follow the new leaders.
  await Promise.all([run.produce(second!, 'events (second half, broker down)'), sleep(BROKER_OUTAGE_MS)]);
  const recovery = await restartBroker(rawLeader);
  run.log(
    `Kafka node ${rawLeader} back in the cluster after ${recovery.registered.toFixed(1)} s, ` +
      `no under-replicated partition after ${recovery.caughtUp.toFixed(1)} s`,
  );
  await run.produceEnd();
  return {
    what: `Kafka node ${rawLeader}`,
    rejoinedSeconds: recovery.registered,
    caughtUpSeconds: recovery.caughtUp,
  };
}

async function replicaRows(run: ChaosRun, url: string, table: string): Promise<number> {
  const response = await fetch(
    `${url}/?query=${encodeURIComponent(`SELECT count() FROM ${run.database}.${table}`)}`,
  );
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return Number((await response.text()).trim());
}

/**
 * 2. SIGKILL ClickHouse replica 2 mid-stream (the writer and the harness use replica 1, which carries the
 * reads and writes); start it 60 s later and wait until its storage tables hold what replica 1's hold.
 */
export async function replicaKill(run: ChaosRun, replicaUrls: readonly string[]): Promise<Recovery> {
  const [first, second] = chunks(run.stream.messages, 2);
  await run.produce(first!, 'events (first half)');
  await run.waitMidStream('writer');
  const pid = killReplica(2);
  run.log(`SIGKILL ClickHouse replica 2 (pid ${pid}); back in ${REPLICA_OUTAGE_MS / 1000} s`);
  await Promise.all([run.produce(second!, 'events (second half, replica 2 down)'), sleep(REPLICA_OUTAGE_MS)]);
  const began = Date.now();
  const rejoined = await restartReplica(2);
  run.log(`ClickHouse replica 2 answers again after ${rejoined.toFixed(1)} s`);
  await run.produceEnd();
  const [one, two] = replicaUrls as [string, string];
  let caughtUp = Number.NaN;
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    const [a, b] = await Promise.all([
      Promise.all(
        ['events_local', 'window_aggregates_local', 'alerts_local'].map((t) => replicaRows(run, one, t)),
      ),
      Promise.all(
        ['events_local', 'window_aggregates_local', 'alerts_local'].map((t) => replicaRows(run, two, t)),
      ).catch(() => [-1, -1, -1]),
    ]);
    if (a[0]! >= run.stream.uniqueEvents && a.every((n, i) => n === b[i])) {
      caughtUp = (Date.now() - began) / 1000;
      run.log(
        `replica 2 holds what replica 1 holds (events/windows/alerts rows ${b.join('/')}) after ${caughtUp.toFixed(1)} s`,
      );
      break;
    }
    await sleep(1000);
  }
  return { what: 'ClickHouse replica 2', rejoinedSeconds: rejoined, caughtUpSeconds: caughtUp };
}

/**
 * 3. Two instances of every service; SIGKILL one instance of each in turn while its peer keeps running
 * (it is restarted, as an orchestrator would), each while its group works through a backlog.
 */
export async function instanceKill(run: ChaosRun): Promise<Recovery> {
  const peers = [];
  for (const service of SERVICES) peers.push(await run.spawn(service));
  await run.waitReady(peers, 180_000);
  run.log(`second instances ready: ${peers.map((p) => `${p.name} pid ${p.pid}`).join(', ')}`);
  const parts = chunks(run.stream.messages, SERVICES.length);
  let slowest = 0;
  for (const [i, service] of SERVICES.entries()) {
    await run.produce(parts[i]!, `events (part ${i + 1}/${parts.length})`);
    await run.waitMidStream(service);
    const victim = run.instance(service, 0);
    const began = Date.now();
    const exit = await victim.killAndRestart();
    const ready = await run.waitReady([victim], 180_000);
    const seconds = (Date.now() - began) / 1000;
    slowest = Math.max(slowest, seconds);
    run.log(
      `SIGKILL ${victim.name} (pid ${exit?.pid}) while ${run.instance(service, 1).name} runs; restarted as pid ` +
        `${victim.pid}, ${ready ? 'ready' : 'NOT ready'} after ${seconds.toFixed(1)} s`,
    );
  }
  await run.produceEnd();
  return { what: 'one instance of each service', rejoinedSeconds: slowest, caughtUpSeconds: slowest };
}
