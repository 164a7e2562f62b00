import type { Series } from '@aiops/contract';

/**
 * The series key: the six series dimensions in contract order (tenant_id, application, environment,
 * provider, model, operation) joined by '|'. A '\' or '|' inside a value is escaped with '\', so two
 * different series never share a key. Used as the Kafka key of window aggregates.
 */
export function seriesKey(series: Series): string {
  return `${escapeValue(series.tenant_id)}|${escapeValue(series.application)}|${escapeValue(series.environment)}|${escapeValue(series.provider)}|${escapeValue(series.model)}|${escapeValue(series.operation)}`;
}

/** Just the series dimensions of an event (or aggregate), as a frozen object of their own. */
export function seriesOf(series: Series): Series {
  return Object.freeze({
    tenant_id: series.tenant_id,
    application: series.application,
    environment: series.environment,
    provider: series.provider,
    model: series.model,
    operation: series.operation,
  });
}

function escapeValue(value: string): string {
  return value.includes('|') || value.includes('\\') ? value.replace(/[\\|]/g, '\\$&') : value;
}
