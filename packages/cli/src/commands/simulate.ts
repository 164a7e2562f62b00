import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep, setImmediate as yieldToLoop } from 'node:timers/promises';
import { DEFAULT_TOPICS, type TelemetryEvent } from '@aiops/contract';
import { createTelemetryClient, type TelemetryClient, type TelemetryFormat } from '@aiops/sdk';
import {
  createSimulation,
  EventTally,
  formatSimulationSummary,
  parseDuration,
  parseRate,
  parseScenarioKinds,
  parseSpeed,
  type Simulation,
  simulationSummary,
} from '@aiops/simulator';
import type { Command } from 'commander';
import { asUsage, type CliCommand, type CliContext, CliError, EXIT, processContext } from '../command.js';

interface SimulateFlags {
  brokers?: string;
  topic?: string;
  format: string;
  seed: string;
  duration: string;
  rate: string;
  speed: string;
  start?: string;
  scenarios: string;
  tenants: string;
  outOfOrder: string;
  duplicates: string;
  labelsOut?: string;
  ndjson?: string;
  clientId: string;
  progressEvery: string;
}

/** Where events go: the SDK producer, or NDJSON to a file / stdout (for inspection without Kafka). */
interface EventOutput {
  /** false: not taken (buffer full); wait for `flush` and offer the same event again. */
  record(event: TelemetryEvent): boolean;
  flush(): Promise<void>;
  close(): Promise<void>;
}

const MINUTE_MS = 60_000;
/** Give the event loop (and the producer's sends) a turn at least this often when running flat out. */
const YIELD_EVERY = 2000;
/** Flushes in a row after which a refused event means the output is broken, not busy. */
const MAX_REFUSALS = 5;

function parseStart(text: string | undefined, durationMs: number, nowMs: number): number {
  if (text === undefined) {
    // Ends now: with any speed ≥ 1, no event is ever stamped in the future of the wall clock.
    return Math.floor((nowMs - durationMs) / MINUTE_MS) * MINUTE_MS;
  }
  if (text === 'now') return Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new CliError(`--start must be now, an ISO date-time or epoch ms; got ${text}`, EXIT.usage);
  }
  return ms;
}

function parseInteger(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min)
    throw new CliError(`${name} must be an integer >= ${min}; got ${text}`, EXIT.usage);
  return n;
}

function parseFraction(name: string, text: string): number {
  const n = Number(text);
  if (!(n >= 0 && n <= 1)) throw new CliError(`${name} must be in [0, 1]; got ${text}`, EXIT.usage);
  return n;
}

function ndjsonOutput(path: string): EventOutput {
  const stream: NodeJS.WritableStream = path === '-' ? process.stdout : createWriteStream(path);
  let draining: Promise<void> | null = null;
  return {
    record(event) {
      if (draining !== null) return false;
      if (!stream.write(`${JSON.stringify(event)}\n`)) {
        draining = new Promise((resolve) => stream.once('drain', () => resolve()));
      }
      return true;
    },
    async flush() {
      if (draining !== null) await draining;
      draining = null;
    },
    async close() {
      await this.flush();
      if (path === '-') return;
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        stream.end(() => resolve());
      });
    },
  };
}

function sdkOutput(client: TelemetryClient): EventOutput {
  return {
    // A TelemetryEvent is valid producer input; the shallow copy is an object type, which tsc matches against
    // the input type's alias index signature (an interface it will not).
    record: (event) => client.record({ ...event }),
    flush: () => client.flush(),
    close: () => client.close(),
  };
}

async function writeLabels(path: string, simulation: Simulation): Promise<void> {
  const { options } = simulation;
  const body = {
    seed: options.seed,
    startMs: options.startMs,
    endMs: options.endMs,
    eventsPerMinute: options.eventsPerMinute,
    tenants: options.tenants,
    warmupMs: options.warmupMs,
    outOfOrderMs: options.outOfOrderMs,
    duplicateRate: options.duplicateRate,
    scenarios: simulation.scenarios,
    labels: simulation.labels,
  };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(body, null, 2)}\n`);
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

async function simulate(flags: SimulateFlags, context: CliContext): Promise<void> {
  const durationMs = asUsage(() => parseDuration(flags.duration));
  const eventsPerMinute = asUsage(() => parseRate(flags.rate));
  const speed = asUsage(() => parseSpeed(flags.speed));
  const scenarios = asUsage(() => parseScenarioKinds(flags.scenarios));
  const seed = parseInteger('--seed', flags.seed, 0);
  const tenants = parseInteger('--tenants', flags.tenants, 1);
  const outOfOrderMs = asUsage(() => (flags.outOfOrder === '0' ? 0 : parseDuration(flags.outOfOrder)));
  const duplicateRate = parseFraction('--duplicates', flags.duplicates);
  const progressEveryMs = asUsage(() => parseDuration(flags.progressEvery));
  if (flags.format !== 'json' && flags.format !== 'avro') {
    throw new CliError(`--format must be json or avro; got ${flags.format}`, EXIT.usage);
  }
  const format: TelemetryFormat = flags.format;
  const startMs = parseStart(flags.start, durationMs, Date.now());
  const simulation = asUsage(() =>
    createSimulation({
      seed,
      startMs,
      durationMs,
      eventsPerMinute,
      scenarios,
      tenants,
      outOfOrderMs,
      duplicateRate,
    }),
  );
  const summary = simulationSummary(simulation);
  // With --ndjson -, stdout carries the events: everything else goes to stderr.
  const say = flags.ndjson === '-' ? context.err : context.out;
  for (const line of formatSimulationSummary(summary)) say(line);
  if (flags.labelsOut !== undefined) {
    await writeLabels(flags.labelsOut, simulation);
    say(`labels written to ${flags.labelsOut} (${simulation.labels.length})`);
  }

  const brokers = (flags.brokers ?? context.env.KAFKA_BROKERS ?? '127.0.0.1:19092')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const topic = flags.topic ?? DEFAULT_TOPICS.raw;
  const output: EventOutput =
    flags.ndjson !== undefined
      ? ndjsonOutput(flags.ndjson)
      : sdkOutput(createTelemetryClient({ brokers, topic, format, clientId: flags.clientId }));
  say(
    flags.ndjson !== undefined
      ? `writing NDJSON to ${flags.ndjson === '-' ? 'stdout' : flags.ndjson}`
      : `producing ${format} to ${topic} on ${brokers.join(',')} at speed ${speed === Number.POSITIVE_INFINITY ? 'max' : `${speed}x`}`,
  );

  let stopping = false;
  const onSignal = (): void => {
    stopping = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const tally = new EventTally();
  const wallStart = Date.now();
  let lastProgress = wallStart;
  let sinceYield = 0;
  const progress = (final: boolean): void => {
    const s = tally.snapshot();
    const seconds = Math.max(0.001, (Date.now() - wallStart) / 1000);
    const at = s.maxTimestamp === null ? '-' : new Date(s.maxTimestamp).toISOString();
    const share =
      summary.expectedEvents > 0 ? Math.min(100, Math.round((100 * s.events) / summary.expectedEvents)) : 0;
    say(
      `${final ? 'done' : 'sent'} ${formatCount(s.events)} events (~${share}%), event time ${at}, ` +
        `${formatCount(Math.round(s.events / seconds))}/s, errors ${formatCount(s.errors)}, ` +
        `prompt_injection flags ${formatCount(s.guardrailFlags.prompt_injection ?? 0)}`,
    );
  };
  try {
    for (const event of simulation.events()) {
      if (stopping) break;
      if (speed !== Number.POSITIVE_INFINITY) {
        // Pace event time against wall time, waking at least once a second to notice a signal.
        const due = wallStart + (event.timestamp - startMs) / speed;
        for (let wait = due - Date.now(); wait > 1 && !stopping; wait = due - Date.now()) {
          await sleep(Math.min(wait, 1000));
          sinceYield = 0;
        }
        if (stopping) break;
      }
      // A full producer buffer refuses the event: let it drain, then offer the same event again.
      let refusals = 0;
      while (!output.record(event)) {
        if (++refusals > MAX_REFUSALS)
          throw new CliError('the producer keeps refusing events (is the broker up?)');
        await output.flush();
        sinceYield = 0;
      }
      tally.add(event);
      if (++sinceYield >= YIELD_EVERY) {
        await yieldToLoop();
        sinceYield = 0;
      }
      const now = Date.now();
      if (now - lastProgress >= progressEveryMs) {
        lastProgress = now;
        progress(false);
      }
    }
    await output.flush();
  } finally {
    await output.close();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  progress(true);
  if (stopping) say('stopped early (signal)');
  const s = tally.snapshot();
  const types = Object.entries(s.byType)
    .sort((a, b) => b[1] - a[1])
    .map(([type, n]) => `${type} ${formatCount(n)}`)
    .join(', ');
  say(`by type: ${types}`);
  say(
    `reported cost $${s.reportedCostUsd.toFixed(2)}, ${formatCount(s.unpricedCalls)} calls left for the pipeline to price`,
  );
}

/** Adds `aiops simulate` to a commander program. */
export function registerSimulate(program: Command, context: CliContext = processContext): void {
  program
    .command('simulate')
    .description(
      'produce realistic, seeded LLM telemetry with labelled incidents (latency spike, provider outage, cost runaway, ' +
        'prompt-injection burst, quality drift) to the raw topic',
    )
    .option(
      '--brokers <list>',
      'Kafka bootstrap servers, comma-separated (default $KAFKA_BROKERS or 127.0.0.1:19092)',
    )
    .option('--topic <name>', `topic to produce to (default ${DEFAULT_TOPICS.raw})`)
    .option('--format <format>', 'wire format: json or avro', 'json')
    .option('--seed <n>', 'random seed: the same seed gives the same events', '42')
    .option('--duration <duration>', 'event time to simulate (e.g. 90m, 4h, 1d)', '4h')
    .option('--rate <rate>', 'mean events per minute over a day (e.g. 600/min, 10/s)', '600/min')
    .option(
      '--speed <x>',
      "event time per wall time: 'max' or a factor (1 = real time, 60 = one hour per minute)",
      'max',
    )
    .option(
      '--start <time>',
      'event time of the start: ISO date-time, epoch ms or now (default: now minus --duration)',
    )
    .option('--scenarios <list>', 'incidents: all, none, or a comma-separated list', 'all')
    .option('--tenants <n>', 'number of tenants, 1-5 (default incident targets need 3)', '4')
    .option(
      '--out-of-order <duration>',
      'deliver events up to this much out of event-time order (e.g. 5s)',
      '0',
    )
    .option('--duplicates <share>', 'share of events sent twice, as an at-least-once producer would', '0')
    .option('--labels-out <file>', 'write the incident labels (ground truth) as JSON to this file')
    .option(
      '--ndjson <file>',
      "write events as NDJSON to a file ('-' for stdout) instead of producing to Kafka",
    )
    .option('--client-id <id>', 'Kafka client id', 'aiops-simulator')
    .option('--progress-every <duration>', 'wall time between progress lines', '2s')
    .action((flags: SimulateFlags) => simulate(flags, context));
}

export const simulateCommand: CliCommand = {
  name: 'simulate',
  register: registerSimulate,
};
