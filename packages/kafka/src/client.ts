import { readFileSync } from 'node:fs';
import type { Logger } from '@aiops/ops';
import type { Kafka, KafkaConfig as KafkaJsConfig, LogEntry, SASLOptions } from 'kafkajs';
import kafkajs from 'kafkajs';
import { type KafkaConfig, resolveSaslPassword } from './config.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

/** kafkajs logs through our pino logger, at levels mapped once. */
function logCreator(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      const fields = { ...extra, component: 'kafkajs' };
      if (level === logLevel.ERROR) logger.error(fields, message);
      else if (level === logLevel.WARN) logger.warn(fields, message);
      else if (level === logLevel.INFO) logger.debug(fields, message);
      else logger.trace(fields, message);
    };
}

export function createKafka(config: KafkaConfig, logger: Logger): Kafka {
  const options: KafkaJsConfig = {
    clientId: config.clientId,
    brokers: config.brokers,
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    logLevel: logLevel.WARN,
    logCreator: logCreator(logger),
    // config.retries (15, about two minutes, by default): a broker restart or leader election is waited out.
    retry: { retries: config.retries, initialRetryTime: 200, maxRetryTime: 10_000 },
  };
  if (config.sasl) {
    const password = resolveSaslPassword(config) as string;
    options.sasl = {
      mechanism: config.sasl.mechanism,
      username: config.sasl.username,
      password,
    } as SASLOptions;
  }
  if (config.tls?.enabled) {
    options.ssl = {
      rejectUnauthorized: config.tls.rejectUnauthorized,
      ...(config.tls.caFile ? { ca: [readFileSync(config.tls.caFile, 'utf8')] } : {}),
      ...(config.tls.certFile ? { cert: readFileSync(config.tls.certFile, 'utf8') } : {}),
      ...(config.tls.keyFile ? { key: readFileSync(config.tls.keyFile, 'utf8') } : {}),
    };
  }
  return new KafkaClient(options);
}
