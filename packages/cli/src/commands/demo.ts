import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAgentDetector } from '@aiops/agents';
import type { Alert } from '@aiops/contract';
import { errorMessage } from '@aiops/core';
import { scoreScenarioAlerts } from '@aiops/detectors';
import {
  AGENT_SCENARIO_DETECTOR,
  createSimulation,
  DEFAULT_SCENARIO_KINDS,
  DEFAULT_WARMUP_MS,
  formatSimulationSummary,
  parseDuration,
  parseRate,
  parseSpeed,
  type Simulation,
  simulationSummary,
} from '@aiops/simulator';
import { uiConfigFromEnv } from '@aiops/ui';
import type { Command } from 'commander';
import { asUsage, type CliCommand, type CliContext, CliError, EXIT, intOption } from '../command.js';
import { connect } from '../people.js';
import { type DemoNotifier, demoNotifierTopics, startDemoNotifier } from '../scenarios/demo-notifier.js';
import { ScenarioPipeline } from '../scenarios/pipeline.js';
import { formatIncidentTable, formatScoreTable, SCENARIO_KINDS_ORDER } from '../scenarios/report.js';
import { formatProgress, scenarioLabels } from '../scenarios/runner.js';
import { readIncidents } from './incidents.js';
import { type RunningUi, startUi } from './ui.js';

/** The dashboard's environment for this run: its database, and its notifier's topics for acknowledging. */
function demoUiEnv(
  env: Readonly<Record<string, string | undefined>>,
  pipeline: ScenarioPipeline,
): Record<string, string | undefined> {
  const topics = demoNotifierTopics(pipeline.id);
  return {
    ...env,
    CLICKHOUSE_DATABASE: pipeline.database,
    TOPIC_SILENCES: topics.silences,
    TOPIC_INCIDENT_ACTIONS: topics.incidentActions,
    TOPIC_DELIVERY_DLQ: topics.deliveryDlq,
    TOPIC_NOTIFIER_STATE: topics.notifierState,
  };
}

interface DemoFlags {
  duration: string;
  rate: string;
  seed: string;
  speed: string;
  partitions: number;
  alertsFormat: string;
  keepRunning?: boolean;
  cleanup?: boolean;
  progressEvery: string;
  timeout: string;
  logLevel: string;
  logFile?: string;
}

const MINUTE_MS = 60_000;
/** With `--speed auto`, the simulated period is produced in about this much wall time. */
const AUTO_PRODUCE_MS = 90_000;

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/**
 * `aiops demo`: the whole pipeline on the local stack, fed a simulated day's worth of incidents. Starts the
 * four services in this process on topics and a database of their own, produces a seeded simulation (ending
 * now) faster than real time, prints every alert as it is published and a live summary, then a table of
 * each incident: detected (firing) at …, resolved at …. Exits 0 after the bounded run whatever the
 * detectors found, 1 when the pipeline itself is broken (nothing written, no windows). `--keep-running`
 * then keeps the services up on live, real-time traffic until Ctrl-C.
 */
async function demo(flags: DemoFlags, context: CliContext): Promise<void> {
  const durationMs = asUsage(() => parseDuration(flags.duration));
  const eventsPerMinute = asUsage(() => parseRate(flags.rate));
  const seed = Number(flags.seed);
  if (!Number.isSafeInteger(seed))
    throw new CliError(`--seed must be an integer; got ${flags.seed}`, EXIT.usage);
  const speed =
    flags.speed === 'auto'
      ? Math.max(1, durationMs / AUTO_PRODUCE_MS)
      : asUsage(() => parseSpeed(flags.speed));
  const progressEveryMs = asUsage(() => parseDuration(flags.progressEvery));
  const timeoutMs = asUsage(() => parseDuration(flags.timeout));
  if (flags.alertsFormat !== 'avro' && flags.alertsFormat !== 'json') {
    throw new CliError(`--alerts-format must be avro or json; got ${flags.alertsFormat}`, EXIT.usage);
  }
  const say = context.out;
  // The simulated period ends now: the validator refuses events from the future or older than 7 days.
  const startMs = Math.floor((Date.now() - durationMs) / MINUTE_MS) * MINUTE_MS;
  // Beside the window-level incidents, two agent incidents for the agent monitor (a tool loop, an unseen
  // tool) and a prompt-version incident for the prompt monitor: support-answer v8, worse than v7, on 30 % of
  // acme/support-bot from the end of the warm-up, alongside the default schedule (which it leaves as it is).
  const rolloutMs = Math.min(40 * MINUTE_MS, durationMs - DEFAULT_WARMUP_MS);
  const simulation = asUsage(() =>
    createSimulation({
      seed,
      startMs,
      durationMs,
      eventsPerMinute,
      scenarios: [
        ...DEFAULT_SCENARIO_KINDS,
        ...(rolloutMs > 0
          ? [
              {
                kind: 'prompt_regression' as const,
                startMs: startMs + DEFAULT_WARMUP_MS,
                durationMs: rolloutMs,
                drop: 0.15,
              },
            ]
          : []),
      ],
      agentScenarios: ['agent_tool_loop', 'unseen_tool'],
    }),
  );
  for (const line of formatSimulationSummary(simulationSummary(simulation))) say(line);

  let stopping = false;
  let onSignal: () => void = () => undefined;
  const signalled = new Promise<void>((resolve) => {
    onSignal = () => {
      stopping = true;
      resolve();
    };
  });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const logFile = flags.logFile ?? join(tmpdir(), `aiops-demo-${process.pid}.log`);
  const logs = createWriteStream(logFile, { flags: 'a' });
  const pipeline = new ScenarioPipeline({
    env: context.env,
    prefix: 'demo',
    partitions: flags.partitions,
    alertsFormat: flags.alertsFormat,
    logLevel: flags.logLevel,
    logDestination: logs,
  });
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let healthy = false;
  let people: DemoNotifier | undefined;
  let dashboard: RunningUi | undefined;
  try {
    say(
      `starting validator, aggregator, writer, detector, agent monitor and prompt monitor (topics ${pipeline.id}.*, database ${pipeline.database}; ` +
        `service logs at ${flags.logLevel} level in ${logFile})`,
    );
    await pipeline.start();
    people = await startDemoNotifier(pipeline, context.env, logs, flags.logLevel, say);
    say(
      `the notifier groups the alerts into incidents and tells a webhook this demo serves (${people.webhookUrl}); ` +
        `raw alerts: npx aiops alerts tail --topic ${pipeline.topics.alerts} --from-beginning`,
    );
    say(
      `producing ${Math.round(durationMs / MINUTE_MS)} min of event time at ${speed === Number.POSITIVE_INFINITY ? 'full speed' : `${Math.round(speed)}× real time`}; one line per incident as the webhook hears of it:`,
    );
    timer = setInterval(() => {
      pipeline
        .counts()
        .then((c) => say(`[${clock(Date.now())}] ${formatProgress(c)}`))
        .catch(() => undefined);
    }, progressEveryMs);
    const crash = pipeline.crashed().then((error) => {
      throw new CliError(`the pipeline is broken: ${error.message}`);
    });
    crash.catch(() => undefined);
    await Promise.race([pipeline.produce(simulation, { speed, stopped: () => stopping }), crash]);
    if (!stopping) {
      say('all events produced; closing the last windows and waiting for the detector and the writer');
      await pipeline.sendSentinels(simulation.options.endMs);
      await Promise.race([pipeline.drain(simulation.options.endMs, timeoutMs), crash, signalled]);
      // The last resolves go out at the next group_interval (20 s in the demo).
      await people.settle(22_000, 60_000);
    }
    clearInterval(timer);
    timer = undefined;
    healthy = await report(pipeline, simulation, Date.now() - started, context, people);
    const uiEnv = demoUiEnv(context.env, pipeline);
    if (flags.keepRunning && !stopping) {
      dashboard = await startUi(
        uiEnv,
        asUsage(() => uiConfigFromEnv(uiEnv)),
      ).catch((error: unknown) => {
        context.err(`aiops: the dashboard did not start: ${errorMessage(error)}`);
        return undefined;
      });
      if (dashboard) say(`dashboard: ${dashboard.url} (live, refreshes every 10 s; this run's data)`);
      await keepRunning(pipeline, simulation, progressEveryMs, signalled, context);
    }
  } finally {
    if (timer !== undefined) clearInterval(timer);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await dashboard?.close();
    await people?.stop(flags.cleanup === true);
    await pipeline.stop({ cleanup: flags.cleanup === true });
    await new Promise<void>((resolve) => logs.end(() => resolve()));
  }
  if (flags.cleanup !== true) {
    say(
      `the run's data stays: database ${pipeline.database} in ClickHouse, topics ${pipeline.id}.* in Kafka`,
    );
    say(
      `  replay its alerts: npx aiops alerts tail --topic ${pipeline.topics.alerts} --from-beginning --timeout 10s`,
    );
  }
  if (flags.cleanup !== true && !flags.keepRunning) {
    // Last, so it is the line to act on: the dashboard on this run's data.
    const ui = uiConfigFromEnv(demoUiEnv(context.env, pipeline));
    say('');
    say(
      `dashboard of this run: CLICKHOUSE_DATABASE=${pipeline.database} npx aiops ui  → http://${ui.host}:${ui.port}/`,
    );
    say('  (npm run demo -- --keep-running serves it itself, with acknowledgements, and stays up)');
  }
  if (!healthy) throw new CliError('the pipeline did not deliver: see the counts above', EXIT.failure);
}

/** Prints the final counts and the incident table; returns whether the pipeline itself worked. */
async function report(
  pipeline: ScenarioPipeline,
  simulation: Simulation,
  wallMs: number,
  context: CliContext,
  people: DemoNotifier,
): Promise<boolean> {
  const say = context.out;
  const counts = await pipeline.counts();
  const tables = await pipeline.tableCounts().catch((error: unknown) => {
    context.err(`aiops: cannot count rows in ClickHouse: ${errorMessage(error)}`);
    return {} as Record<string, number>;
  });
  say('');
  say(
    `done in ${(wallMs / 1000).toFixed(0)} s: ${counts.produced} events produced, ${counts.validated} validated, ` +
      `${counts.deadLettered} dead-lettered, ${counts.windows} windows, ${counts.alertsFiring} firing and ` +
      `${counts.alertsResolved} resolved notifications`,
  );
  say(
    `ClickHouse ${pipeline.database}: ${tables.events ?? 0} events, ${tables.window_aggregates ?? 0} window aggregates, ${tables.alerts ?? 0} alerts`,
  );
  // The window-level incidents (and the prompt monitor's) are scored on their alerts; the agent monitor's are
  // listed below.
  const windowAlerts = pipeline.alerts.filter((a) => !isAgentDetector(a.detector));
  const score = scoreScenarioAlerts(scenarioLabels(simulation), windowAlerts, {
    windowMs: pipeline.windowMs,
    kinds: SCENARIO_KINDS_ORDER,
  });
  say('');
  say('incidents (event time, UTC):');
  for (const line of formatIncidentTable(score)) say(`  ${line}`);
  say('');
  for (const line of formatScoreTable(score)) say(`  ${line}`);
  for (const line of agentReport(pipeline.alerts, simulation)) say(line);
  await incidentReport(pipeline, counts.alertsFiring + counts.alertsResolved, people, context);
  const healthy = (tables.events ?? 0) > 0 && (tables.window_aggregates ?? 0) > 0 && counts.windows > 0;
  if (!healthy) context.err('aiops: the pipeline wrote no events or no windows');
  return healthy;
}

/** The agent monitor's firing alerts per detector against the injected agent traces, with one example each. */
function agentReport(alerts: readonly Alert[], simulation: Simulation): string[] {
  const injected = new Map<string, number>();
  for (const t of simulation.agentTruth()) injected.set(t.kind, (injected.get(t.kind) ?? 0) + 1);
  const lines = ['', 'agent incidents (agent monitor, per trace):'];
  for (const scenario of simulation.agentScenarios) {
    const detector = AGENT_SCENARIO_DETECTOR[scenario.kind];
    const firing = alerts.filter((a) => a.detector === detector && a.status === 'firing');
    lines.push(
      `  ${scenario.id} on ${scenario.tenant_id}/${scenario.application} (${injected.get(scenario.kind) ?? 0} traces injected): ` +
        `${firing.length} firing ${detector} alerts${firing[0] === undefined ? '' : `, e.g. "${firing[0].summary}"`}`,
    );
  }
  return lines;
}

/** Alerts in vs incidents out, what the webhook received, and the notifier's incident table. */
async function incidentReport(
  pipeline: ScenarioPipeline,
  alertsIn: number,
  people: DemoNotifier,
  context: CliContext,
): Promise<void> {
  const say = context.out;
  const kinds = new Map<string, number>();
  for (const p of people.received) kinds.set(p.incident.kind, (kinds.get(p.incident.kind) ?? 0) + 1);
  const c = await connect({ ...context.env, CLICKHOUSE_DATABASE: pipeline.database }, 'demo');
  try {
    const incidents = await readIncidents(c);
    say('');
    say(
      `alerts in: ${alertsIn} notifications from the detector; incidents out: ${incidents.length}, ` +
        `${people.received.length} webhook notifications (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ') || 'none'})`,
    );
    say("incidents (the notifier's table in ClickHouse; opened in event time, UTC):");
    for (const i of incidents) {
      const opened = new Date(Number(i.opened_at_ms)).toISOString().slice(11, 16);
      say(`  ${i.incident_id}  ${i.status.padEnd(8)} ${i.severity.padEnd(8)} opened ${opened}  ${i.title}`);
    }
    say(
      '  act on one: npx aiops incidents ack <id> --by <you> (with CLICKHOUSE_DATABASE and the TOPIC_* of this run)',
    );
  } catch (error) {
    context.err(`aiops: cannot read the incidents table: ${errorMessage(error)}`);
  } finally {
    await c.close();
  }
}

/** After the bounded run: live traffic in real time, alerts as they come, until a signal. */
async function keepRunning(
  pipeline: ScenarioPipeline,
  previous: Simulation,
  progressEveryMs: number,
  signalled: Promise<void>,
  context: CliContext,
): Promise<void> {
  const say = context.out;
  const live = createSimulation({
    seed: previous.options.seed + 1,
    startMs: previous.options.endMs,
    durationMs: 7 * 24 * 60 * MINUTE_MS,
    eventsPerMinute: previous.options.eventsPerMinute,
    scenarios: [],
  });
  say('');
  say('--keep-running: live traffic in real time (no incidents scheduled); Ctrl-C stops');
  let stopping = false;
  void signalled.then(() => {
    stopping = true;
  });
  const timer = setInterval(
    () => {
      pipeline
        .counts()
        .then((c) => say(`[${clock(Date.now())}] ${formatProgress(c)}`))
        .catch(() => undefined);
    },
    Math.max(progressEveryMs, 10_000),
  );
  try {
    await Promise.race([
      pipeline.produce(live, { speed: 1, batchSize: 200, stopped: () => stopping }),
      signalled,
    ]);
  } finally {
    clearInterval(timer);
  }
}

export function registerDemo(program: Command, context: CliContext): void {
  program
    .command('demo')
    .description(
      'run the whole pipeline on the local stack with simulated traffic and incidents: live alerts, then ' +
        'a table of each incident (detected at, resolved at); exits after a bounded run',
    )
    .option('--duration <duration>', 'event time to simulate, ending now (e.g. 3h, 4h)', '4h')
    .option('--rate <rate>', 'mean events per minute over a day', '400/min')
    .option('--seed <n>', 'random seed: the same seed gives the same traffic and incidents', '42')
    .option(
      '--speed <x>',
      "event time per wall time: 'auto' (the whole period in about 90 s), 'max', or a factor",
      'auto',
    )
    .option(
      '--partitions <n>',
      'partitions of the raw, windows and alerts topics',
      intOption('--partitions'),
      3,
    )
    .option('--alerts-format <format>', 'wire format of the alerts topic: avro or json', 'avro')
    .option('--keep-running', 'after the run, keep the pipeline up on live traffic until Ctrl-C')
    .option('--cleanup', "delete the run's topics and database at the end")
    .option('--progress-every <duration>', 'wall time between summary lines', '10s')
    .option('--timeout <duration>', 'how long to wait for the pipeline to finish after the last event', '3m')
    .option('--log-level <level>', 'log level of the services', 'warn')
    .option(
      '--log-file <path>',
      'where the services log (default: aiops-demo-<pid>.log in the temp directory)',
    )
    .action((flags: DemoFlags) => demo(flags, context));
}

export const demoCommand: CliCommand = {
  name: 'demo',
  register: registerDemo,
};
