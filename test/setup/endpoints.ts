import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    clickhouseUrl: string;
  }
}

/** The real broker every integration test talks to (from the environment, testcontainers or the local stack). */
export function kafkaBrokers(): string[] {
  return inject('kafkaBrokers').split(',');
}

/** The real ClickHouse server every integration test talks to. */
export function clickhouseUrl(): string {
  return inject('clickhouseUrl');
}

/** A name no other test run uses, for topics, groups and databases. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
