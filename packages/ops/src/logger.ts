import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out before a line is written. Secrets reach loggers through config objects and
 * errors, so redaction is by key name at the depths our configs use, not by hoping nobody logs them.
 */
export const REDACTED_PATHS = [
  'password',
  'passwordFile',
  'token',
  'secret',
  'salt',
  'userIdSalt',
  'authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.salt',
  '*.userIdSalt',
  '*.authorization',
  '*.*.password',
  '*.*.token',
  '*.*.secret',
  '*.sasl.password',
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
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
