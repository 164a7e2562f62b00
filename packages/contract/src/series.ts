import { ContractError } from './errors.js';
import { SERIES_DIMENSIONS, type Series, type SeriesDimension } from './types.js';

/**
 * A series key joins the six dimensions in SERIES_DIMENSIONS order with "|", escaping "\" as "\\" and
 * "|" as "\|" inside values, so that any six strings map to one key and back. Used as the Kafka message
 * key (partitioning), the state-store key and the detectors' series id.
 */
const NEEDS_ESCAPE = /[|\\]/;
const ESCAPES = /[|\\]/g;

function escapeDimension(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPES, '\\$&') : value;
}

export function seriesKey(series: Series): string {
  return `${escapeDimension(series.tenant_id)}|${escapeDimension(series.application)}|${escapeDimension(series.environment)}|${escapeDimension(
    series.provider,
  )}|${escapeDimension(series.model)}|${escapeDimension(series.operation)}`;
}

/** The inverse of seriesKey. Throws ContractError('schema_violation') for a string seriesKey cannot produce. */
export function parseSeriesKey(key: string): Series {
  const parts: string[] = [];
  let current = '';
  let plainFrom = 0;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === 0x5c) {
      const next = key.charCodeAt(i + 1);
      if (next !== 0x7c && next !== 0x5c) throw badKey(key, `dangling escape at ${i}`);
      current += key.slice(plainFrom, i) + key[i + 1];
      i++;
      plainFrom = i + 1;
    } else if (c === 0x7c) {
      parts.push(current + key.slice(plainFrom, i));
      current = '';
      plainFrom = i + 1;
    }
  }
  parts.push(current + key.slice(plainFrom));
  if (parts.length !== SERIES_DIMENSIONS.length) {
    throw badKey(key, `has ${parts.length} parts, expected ${SERIES_DIMENSIONS.length}`);
  }
  const [tenant_id, application, environment, provider, model, operation] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { tenant_id, application, environment, provider, model, operation };
}

function badKey(key: string, why: string): ContractError {
  return new ContractError('schema_violation', `series key ${JSON.stringify(key.slice(0, 200))} ${why}`, {
    field: 'series_key',
  });
}

/** The six series dimensions of an event (or window), as a new object. */
export function seriesOf(value: Series): Series {
  return {
    tenant_id: value.tenant_id,
    application: value.application,
    environment: value.environment,
    provider: value.provider,
    model: value.model,
    operation: value.operation,
  };
}

/** Some of the six dimensions: a label's or a rule override's choice of series. */
export type SeriesFilter = Partial<Series>;

/**
 * Whether a series is compatible with a filter: no dimension present on both sides differs. The series
 * may be an event's or a window's (all six dimensions) or an alert's, whose aggregated-away dimensions are
 * null or absent: an alert on a full series matches a provider-level filter, and a tenant/app-level alert
 * matches an app-level filter.
 */
export function seriesMatchesFilter(
  filter: SeriesFilter,
  series: { readonly [D in SeriesDimension]?: string | null },
): boolean {
  for (const dimension of SERIES_DIMENSIONS) {
    const wanted = filter[dimension];
    if (wanted === undefined) continue;
    const actual = series[dimension];
    if (actual !== undefined && actual !== null && actual !== wanted) return false;
  }
  return true;
}
