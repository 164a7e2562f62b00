import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clickhouseConfigFromEnv } from '@aiops/clickhouse';
import { createKafka, kafkaConfigFromEnv, type RunningService } from '@aiops/kafka';
import type { WebhookPayload } from '@aiops/notify';
import { createLogger, createPipelineMetrics } from '@aiops/ops';
import { notifierConfigSchema, startNotifier } from '@aiops/service-notifier';
import type { ScenarioPipeline } from './pipeline.js';

/**
 * The demo's people side: the notifier on the demo's alerts topic, delivering to a webhook receiver served
 * by the demo itself (a node:http server that prints a line when an incident opens and when it resolves:
 * what a person or a chat channel would see). The simulation runs ~160× faster than real time, so the notifier runs on the
 * alerts' event time (`clock: event`): group_wait and group_interval pass at the simulation's pace, and
 * after the last alert at the wall clock's (group_interval 20 s, so the last resolves come soon).
 */
export interface DemoNotifier {
  readonly received: WebhookPayload[];
  readonly webhookUrl: string;
  /** Resolves when no notification came for `quietMs` (or `maxMs` passed). */
  settle(quietMs: number, maxMs: number): Promise<void>;
  /** With `cleanup`, also deletes the notifier's topics (the pipeline deletes its own). */
  stop(cleanup: boolean): Promise<void>;
}

const KIND_WORD: Record<WebhookPayload['incident']['kind'], string> = {
  opened: 'OPENED  ',
  updated: 'UPDATED ',
  repeat: 'REPEAT  ',
  resolved: 'RESOLVED',
};

function line(payload: WebhookPayload): string {
  const i = payload.incident;
  const time = new Date().toISOString().slice(11, 19);
  const firing = payload.alerts.filter((a) => a.status === 'firing').length;
  const extent =
    payload.status === 'firing' ? `${firing} firing alert(s)` : `${payload.alerts.length} alert(s)`;
  return `  [${time}] ${KIND_WORD[i.kind]} ${i.severity.padEnd(8)} ${i.title}  (incident ${i.id}, ${extent})`;
}

/** The notifier's own topics in a demo run whose pipeline id is `id`. */
export function demoNotifierTopics(id: string) {
  return {
    silences: `${id}.silences`,
    incidentActions: `${id}.actions`,
    deliveryDlq: `${id}.delivery-dlq`,
    notifierState: `${id}.notifier-state`,
  } as const;
}

export async function startDemoNotifier(
  pipeline: ScenarioPipeline,
  env: Readonly<Record<string, string | undefined>>,
  logDestination: NodeJS.WritableStream,
  logLevel: string,
  say: (line: string) => void,
): Promise<DemoNotifier> {
  const received: WebhookPayload[] = [];
  let lastAt = Date.now();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookPayload;
        received.push(payload);
        lastAt = Date.now();
        // One line per incident as it opens and resolves; updates (members joining or leaving) are counted.
        if (payload.incident.kind === 'opened' || payload.incident.kind === 'resolved') say(line(payload));
        response.writeHead(200).end('ok');
      } catch {
        response.writeHead(400).end('not JSON');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const id = pipeline.id;
  const config = notifierConfigSchema.parse({
    kafka: kafkaConfigFromEnv(env as NodeJS.ProcessEnv, `${id}-notifier`),
    clickhouse: clickhouseConfigFromEnv(env, { database: pipeline.database }),
    topics: { ...pipeline.topics, ...demoNotifierTopics(id) },
    groupId: `${id}-notifier`,
    partitions: pipeline.partitions,
    tickIntervalMs: 500,
    clock: 'event',
    routing: {
      route: { receiver: 'demo-webhook', group_wait_ms: 30_000, group_interval_ms: 20_000 },
      receivers: [{ name: 'demo-webhook', type: 'webhook', url: webhookUrl, max_delivery_ms: 30_000 }],
    },
  });
  const logger = createLogger({ service: 'notifier', level: logLevel, destination: logDestination as never });
  let notifier: RunningService;
  try {
    notifier = await startNotifier(config, logger, createPipelineMetrics({ defaultMetrics: false }));
  } catch (error) {
    server.close();
    throw error;
  }
  return {
    received,
    webhookUrl,
    async settle(quietMs, maxMs) {
      const deadline = Date.now() + maxMs;
      while (Date.now() - lastAt < quietMs && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 250));
    },
    async stop(cleanup) {
      await notifier.stop(10_000);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!cleanup) return;
      const admin = createKafka(config.kafka, logger).admin();
      await admin.connect();
      try {
        const t = config.topics;
        await admin.deleteTopics({
          topics: [t.silences, t.incidentActions, t.deliveryDlq, t.notifierState],
          timeout: 10_000,
        });
      } finally {
        await admin.disconnect();
      }
    },
  };
}
