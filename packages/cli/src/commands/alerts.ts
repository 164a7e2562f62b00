import { setTimeout as sleep } from 'node:timers/promises';
import { type Alert, alertCodec, DEFAULT_TOPICS } from '@aiops/contract';
import { errorMessage } from '@aiops/core';
import { createKafka, kafkaConfigFromEnv, kafkaConfigSchema } from '@aiops/kafka';
import { createLogger } from '@aiops/ops';
import { parseDuration } from '@aiops/simulator';
import type { Command } from 'commander';
import { type CliCommand, type CliContext, CliError, EXIT, intOption } from '../command.js';
import { formatAlertLine } from '../scenarios/report.js';

interface TailFlags {
  brokers?: string;
  topic?: string;
  fromBeginning?: boolean;
  json?: boolean;
  max?: number;
  timeout?: string;
  groupId?: string;
}

export interface TailOptions {
  readonly brokers?: readonly string[];
  readonly topic: string;
  readonly fromBeginning: boolean;
  /** Stop after this many alerts (default: never). */
  readonly max?: number;
  /** Stop after this much wall time (default: never). */
  readonly timeoutMs?: number;
  readonly groupId?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly onAlert: (alert: Alert) => void;
  /** A message that is not an alert (it is reported and skipped). */
  readonly onUndecodable?: (offset: string, reason: string) => void;
  /** Resolves when the tail should stop (e.g. on a signal). */
  readonly stop?: Promise<void>;
}

/**
 * Reads alert notifications from the alerts topic, committed transactions only (the detector publishes in
 * transactions), decoding each with alertCodec, which detects Avro single-object or JSON per message.
 * Uses a throw-away consumer group that commits nothing. Returns how many alerts were read.
 */
export async function tailAlerts(options: TailOptions): Promise<number> {
  const logger = createLogger({ service: 'aiops-alerts', level: 'error', destination: process.stderr });
  const input = kafkaConfigFromEnv(options.env as NodeJS.ProcessEnv, 'aiops-alerts-tail');
  if (options.brokers !== undefined) input.brokers = [...options.brokers];
  const kafka = createKafka(kafkaConfigSchema.parse(input), logger);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(options.topic)) {
      throw new CliError(
        `topic ${options.topic} does not exist (is the detector running? see --topic and $TOPIC_ALERTS)`,
      );
    }
  } finally {
    await admin.disconnect();
  }
  const consumer = kafka.consumer({
    groupId: options.groupId ?? `aiops-alerts-tail-${process.pid}-${Date.now().toString(36)}`,
    maxWaitTimeInMs: 250,
  });
  let count = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (options.max !== undefined && count >= options.max) return;
        if (message.value === null) return;
        let alert: Alert;
        try {
          alert = alertCodec.decode(message.value);
        } catch (error) {
          options.onUndecodable?.(message.offset, errorMessage(error));
          return;
        }
        count++;
        options.onAlert(alert);
        if (options.max !== undefined && count >= options.max) finish();
      },
    });
    const waits: Promise<void>[] = [finished];
    if (options.stop !== undefined) waits.push(options.stop);
    if (options.timeoutMs !== undefined) waits.push(sleep(options.timeoutMs));
    await Promise.race(waits);
  } finally {
    await consumer.disconnect();
  }
  return count;
}

async function tail(flags: TailFlags, context: CliContext): Promise<void> {
  let timeoutMs: number | undefined;
  if (flags.timeout !== undefined) {
    try {
      timeoutMs = parseDuration(flags.timeout);
    } catch (error) {
      throw new CliError(errorMessage(error), EXIT.usage);
    }
  }
  const brokers = flags.brokers
    ?.split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const topic = flags.topic ?? context.env.TOPIC_ALERTS ?? DEFAULT_TOPICS.alerts;
  let onSignal: () => void = () => undefined;
  const stop = new Promise<void>((resolve) => {
    onSignal = resolve;
  });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const read = await tailAlerts({
      env: context.env,
      topic,
      fromBeginning: flags.fromBeginning === true,
      stop,
      ...(brokers === undefined ? {} : { brokers }),
      ...(flags.max === undefined ? {} : { max: flags.max }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(flags.groupId === undefined ? {} : { groupId: flags.groupId }),
      onAlert: (alert) => context.out(flags.json ? JSON.stringify(alert) : formatAlertLine(alert)),
      onUndecodable: (offset, reason) =>
        context.err(`aiops: skipped a message at offset ${offset} that is not an alert: ${reason}`),
    });
    if (!flags.json) context.err(`${read} alert notification(s) read from ${topic}`);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

export function registerAlerts(program: Command, context: CliContext): void {
  const alerts = program.command('alerts').description('read the alerts the detector publishes');
  alerts
    .command('tail')
    .description(
      'print alert notifications as they come, one readable line each (event time, status, severity, ' +
        'detector, scope, summary), until Ctrl-C, --max or --timeout',
    )
    .option(
      '--brokers <list>',
      'Kafka bootstrap servers, comma-separated (default $KAFKA_BROKERS or 127.0.0.1:19092)',
    )
    .option('--topic <name>', `alerts topic (default $TOPIC_ALERTS or ${DEFAULT_TOPICS.alerts})`)
    .option('--from-beginning', 'start with the oldest alert still in the topic (default: new ones only)')
    .option('--json', 'print each alert as one JSON object per line')
    .option('--max <n>', 'stop after this many alerts', intOption('--max'))
    .option('--timeout <duration>', 'stop after this much time (e.g. 30s, 5m)')
    .option('--group-id <id>', 'consumer group (default: a throw-away one; nothing is committed)')
    .action((flags: TailFlags) => tail(flags, context));
}

export const alertsCommand: CliCommand = {
  name: 'alerts',
  register: registerAlerts,
};
