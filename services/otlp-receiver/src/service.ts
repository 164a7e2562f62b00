import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createKafka, createOutputProducer, ensureTopics, type RunningService } from '@aiops/kafka';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import { RecentCalls, TenantDirectory, TenantRateLimiter } from '@aiops/otlp';
import { loadTenantTokens, type OtlpReceiverConfig } from './config.js';
import { groupSend } from './group-send.js';
import { receiverMetrics } from './metrics.js';
import { OtlpReceiver, SERVICE } from './receiver.js';

export interface RunningReceiver extends RunningService {
  /** The port the OTLP endpoint listens on (useful with port 0). */
  readonly port: number;
  readonly receiver: OtlpReceiver;
}

/** Builds and starts the receiver: OTLP/HTTP (or HTTPS) → Avro events on the raw topic, refusals → DLQ. */
export async function startOtlpReceiver(
  config: OtlpReceiverConfig,
  logger: Logger,
  metrics: PipelineMetrics,
): Promise<RunningReceiver> {
  const log = logger.child({ component: SERVICE });
  const directory = new TenantDirectory(loadTenantTokens(config.tokensFile));
  const ownLimits = new Map(directory.tenants.map((t) => [t.tenant_id, t]));
  const limiter = new TenantRateLimiter((tenantId) => ({
    requestsPerSecond: ownLimits.get(tenantId)?.requests_per_second ?? config.rateLimit.requestsPerSecond,
    bytesPerSecond: ownLimits.get(tenantId)?.bytes_per_second ?? config.rateLimit.bytesPerSecond,
    burstSeconds: config.rateLimit.burstSeconds,
  }));
  const kafka = createKafka(config.kafka, log);
  await ensureTopics(kafka, [
    { topic: config.topics.raw, partitions: config.partitions },
    { topic: config.topics.dlq, partitions: config.partitions },
  ]);
  const producer = createOutputProducer(kafka, { maxRequestBytes: config.maxSendBytes });
  await producer.connect();

  const receiver = new OtlpReceiver({
    config,
    directory,
    limiter,
    recent: new RecentCalls(config.recentCalls),
    send: groupSend((output) => producer.send(output)),
    metrics: receiverMetrics(metrics.registry),
    pipelineMetrics: metrics,
    log,
    now: Date.now,
  });
  const handler = (
    request: Parameters<OtlpReceiver['handle']>[0],
    response: Parameters<OtlpReceiver['handle']>[1],
  ) => void receiver.handle(request, response);
  const server: Server = config.tls
    ? createHttpsServer(
        { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) },
        handler,
      )
    : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info(
    {
      host: config.host,
      port,
      tls: config.tls !== undefined,
      output: config.topics.raw,
      tenants: directory.tenants.length,
    },
    'otlp-receiver listening (POST /v1/traces, /v1/logs)',
  );

  let listening = true;
  let stopped: Promise<void> | undefined;
  return {
    name: SERVICE,
    runners: [],
    port,
    receiver,
    isReady: () => listening,
    // Nothing here fails for good: an unreachable Kafka is answered 503 per request.
    crashed: new Promise<Error>(() => undefined),
    stop() {
      stopped ??= (async () => {
        listening = false;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await producer.disconnect();
        log.info('otlp-receiver stopped');
      })();
      return stopped;
    },
  };
}
