import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/** Keys whose values are secrets wherever they appear. */
const SECRET_KEYS = [
  'password',
  'token',
  'secret',
  'salt',
  'userIdSalt',
  'authorization',
  // Alert delivery: a Slack webhook URL, a PagerDuty routing key and a webhook signing key are credentials.
  'webhook_url',
  'routing_key',
  'hmac_key',
];
/** Nesting covered: `{ services: { validator: { kafka: { sasl: { password } } } } }` is depth 4. */
const MAX_SECRET_DEPTH = 5;

/**
 * Paths pino blanks out before a line is written. Secrets reach loggers through config objects and
 * errors, so redaction is by key name at every depth up to MAX_SECRET_DEPTH (pino has no recursive
 * wildcard), not by hoping nobody logs them.
 */
export const REDACTED_PATHS: readonly string[] = [
  ...SECRET_KEYS.flatMap((key) =>
    Array.from({ length: MAX_SECRET_DEPTH + 1 }, (_, depth) => `${'*.'.repeat(depth)}${key}`),
  ),
  'passwordFile',
  'config.kafka.sasl.password',
  'config.clickhouse.password',
  'headers.authorization',
];

export interface LoggerSettings {
  service: string;
  level?: string;
  /** Where lines go; a file descriptor or a stream. Defaults to stdout. */
  destination?: pino.DestinationStream;
  base?: Record<string, unknown>;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: settings.service, ...settings.base },
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
