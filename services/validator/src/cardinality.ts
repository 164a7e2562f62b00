import { type AlertLabels, alertFingerprint, alertId } from '@aiops/alerts';
import { type Alert, DEFAULT_LIMITS, seriesKey, type TelemetryEvent } from '@aiops/contract';

/**
 * Per-tenant series cardinality limits: a tenant that explodes its model names (a model per request, a
 * uuid in the model field, …) must not explode the aggregator's windows and the detectors' baselines,
 * which hold state per series.
 *
 * Policy (documented in docs/operations.md):
 * - Per tenant, at most `maxSeriesPerTenant` distinct series are admitted within a sliding `periodMs`
 *   (a series expires once it has not been seen for `periodMs`).
 * - An event of a new series beyond that is folded: its `model` becomes `__other__` and the original
 *   goes to the attribute `aiops.folded_model`. Operation, application, environment and provider are
 *   kept: operation is a small vocabulary (chat, embeddings, execute_tool…) that detector rules key on,
 *   and the others are what dashboards group by.
 * - The folded series themselves are capped too (`maxFoldedSeriesPerTenant`, default a tenth of the
 *   limit): past that, every dimension but tenant_id becomes `__other__` (attribute `aiops.folded_series`
 *   keeps the original series key), so a tenant holds at most limit + folded cap + 1 series.
 * - The first fold of a tenant raises a warning Alert (detector `cardinality`), at most once per tenant
 *   per period; its alert_id is a hash of tenant and hour, so a replay never makes a second one.
 * - Memory is bounded overall by `maxTrackedSeries` (all tenants): past it the least recently seen series
 *   is forgotten first.
 *
 * Pure and synchronous: the caller supplies the wall clock (`nowMs`). State is not checkpointed: after a
 * restart the tracker starts empty (like the duplicate filter), and each validator instance tracks only
 * the partitions it consumes.
 */
export const OTHER = '__other__';
export const FOLDED_MODEL_ATTRIBUTE = 'aiops.folded_model';
export const FOLDED_SERIES_ATTRIBUTE = 'aiops.folded_series';
export const CARDINALITY_DETECTOR = 'cardinality';
/** The condition a cardinality alert is about: the tenant passed its series limit. */
export const CARDINALITY_SIGNAL = 'series_limit';

function tenantLabels(tenant_id: string): AlertLabels {
  return { tenant_id, application: null, environment: null, provider: null, model: null, operation: null };
}

export interface CardinalityLimits {
  readonly maxSeriesPerTenant: number;
  readonly periodMs: number;
  /** Folded (model = __other__) series a tenant may hold; past it everything folds into one series. */
  readonly maxFoldedSeriesPerTenant?: number;
  /** All tenants together; the least recently seen series is forgotten first. */
  readonly maxTrackedSeries?: number;
  /** A series seen again within this many ms is not re-ordered (saves work on the hot path). */
  readonly touchGranularityMs?: number;
}

export type FoldLevel = 'none' | 'model' | 'series';

export interface Admission {
  /** The event to forward: the input itself when not folded, else a folded copy. */
  readonly event: TelemetryEvent;
  readonly folded: FoldLevel;
  /** A warning to publish (first fold of this tenant in this period), else null. */
  readonly alert: Alert | null;
}

interface TrackedSeries {
  readonly tenant: string;
  readonly folded: boolean;
  lastSeenMs: number;
}

interface TenantState {
  series: number;
  foldedSeries: number;
  lastAlertMs: number | null;
}

const HOUR_MS = 3_600_000;

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

function describeSpan(ms: number): string {
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms} ms`;
}

export class CardinalityTracker {
  readonly maxSeriesPerTenant: number;
  readonly periodMs: number;
  readonly maxFoldedSeriesPerTenant: number;
  readonly maxTrackedSeries: number;
  private readonly touchGranularityMs: number;
  /** Every tracked series (key: seriesKey, which starts with the tenant), least recently seen first. */
  private readonly series = new Map<string, TrackedSeries>();
  private readonly tenants = new Map<string, TenantState>();

  constructor(limits: CardinalityLimits) {
    this.maxSeriesPerTenant = positiveInteger(limits.maxSeriesPerTenant, 'maxSeriesPerTenant');
    this.periodMs = positiveInteger(limits.periodMs, 'periodMs');
    this.maxFoldedSeriesPerTenant = positiveInteger(
      limits.maxFoldedSeriesPerTenant ?? Math.max(1, Math.ceil(this.maxSeriesPerTenant / 10)),
      'maxFoldedSeriesPerTenant',
    );
    this.maxTrackedSeries = positiveInteger(limits.maxTrackedSeries ?? 200_000, 'maxTrackedSeries');
    this.touchGranularityMs = Math.max(0, limits.touchGranularityMs ?? Math.min(1000, this.periodMs / 100));
  }

  /** Series currently tracked, all tenants together. */
  get trackedSeries(): number {
    return this.series.size;
  }

  /** Distinct unfolded series of `tenant` within the period (after expiring by `nowMs` when given). */
  seriesOf(tenant: string, nowMs?: number): number {
    if (nowMs !== undefined) this.expire(nowMs);
    return this.tenants.get(tenant)?.series ?? 0;
  }

  /**
   * Admits one event at wall time `nowMs`: returns it unchanged when its series is known or fits the
   * tenant's limit, else a folded copy (and, on the tenant's first fold in a period, an alert).
   */
  admit(event: TelemetryEvent, nowMs: number, key: string = seriesKey(event)): Admission {
    this.expire(nowMs);
    const known = this.series.get(key);
    if (known !== undefined) {
      this.touch(key, known, nowMs);
      return { event, folded: 'none', alert: null };
    }
    const tenant = this.tenantState(event.tenant_id);
    if (tenant.series < this.maxSeriesPerTenant) {
      tenant.series++;
      this.track(key, { tenant: event.tenant_id, folded: false, lastSeenMs: nowMs });
      return { event, folded: 'none', alert: null };
    }
    const alert = this.alertFor(event, tenant, nowMs);
    const byModel = this.foldModel(event);
    const byModelKey = seriesKey(byModel);
    const foldedKnown = this.series.get(byModelKey);
    if (foldedKnown !== undefined) {
      this.touch(byModelKey, foldedKnown, nowMs);
      return { event: byModel, folded: 'model', alert };
    }
    if (tenant.foldedSeries < this.maxFoldedSeriesPerTenant) {
      tenant.foldedSeries++;
      this.track(byModelKey, { tenant: event.tenant_id, folded: true, lastSeenMs: nowMs });
      return { event: byModel, folded: 'model', alert };
    }
    const whole = this.foldSeries(event, key);
    const wholeKey = seriesKey(whole);
    const wholeKnown = this.series.get(wholeKey);
    if (wholeKnown !== undefined) this.touch(wholeKey, wholeKnown, nowMs);
    else {
      tenant.foldedSeries++;
      this.track(wholeKey, { tenant: event.tenant_id, folded: true, lastSeenMs: nowMs });
    }
    return { event: whole, folded: 'series', alert };
  }

  private tenantState(tenant: string): TenantState {
    let state = this.tenants.get(tenant);
    if (state === undefined) {
      state = { series: 0, foldedSeries: 0, lastAlertMs: null };
      this.tenants.set(tenant, state);
    }
    return state;
  }

  private track(key: string, entry: TrackedSeries): void {
    this.series.set(key, entry);
    while (this.series.size > this.maxTrackedSeries) {
      const oldest = this.series.keys().next().value as string;
      this.forget(oldest);
    }
  }

  private touch(key: string, entry: TrackedSeries, nowMs: number): void {
    if (nowMs - entry.lastSeenMs < this.touchGranularityMs) return;
    entry.lastSeenMs = nowMs;
    // Re-insert at the end: the map stays ordered by last sighting, so expiry only looks at the front.
    this.series.delete(key);
    this.series.set(key, entry);
  }

  private forget(key: string): void {
    const entry = this.series.get(key);
    if (entry === undefined) return;
    this.series.delete(key);
    const tenant = this.tenants.get(entry.tenant);
    if (tenant === undefined) return;
    if (entry.folded) tenant.foldedSeries--;
    else tenant.series--;
    if (tenant.series <= 0 && tenant.foldedSeries <= 0) {
      // Keep the alert memory while the period of the last alert lasts; a tenant with no series left
      // has sent nothing for a whole period, so dropping it then is safe.
      this.tenants.delete(entry.tenant);
    }
  }

  /** Forgets every series not seen for a whole period. */
  private expire(nowMs: number): void {
    const cutoff = nowMs - this.periodMs;
    for (const [key, entry] of this.series) {
      if (entry.lastSeenMs > cutoff) break;
      this.forget(key);
    }
  }

  private alertFor(event: TelemetryEvent, tenant: TenantState, nowMs: number): Alert | null {
    if (tenant.lastAlertMs !== null && nowMs - tenant.lastAlertMs < this.periodMs) return null;
    tenant.lastAlertMs = nowMs;
    const hour = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
    // The same fingerprint and id scheme as every other alert (@aiops/alerts), with a tenant-wide scope.
    const fingerprint = alertFingerprint(
      CARDINALITY_DETECTOR,
      CARDINALITY_SIGNAL,
      tenantLabels(event.tenant_id),
    );
    const limit = this.maxSeriesPerTenant;
    const maxId = DEFAULT_LIMITS.maxAttributeValueLength;
    return {
      alert_id: alertId(fingerprint, hour),
      fingerprint,
      status: 'firing',
      severity: 'warning',
      detector: CARDINALITY_DETECTOR,
      tenant_id: event.tenant_id,
      application: null,
      environment: null,
      provider: null,
      model: null,
      operation: null,
      window_start: Math.max(0, nowMs - this.periodMs),
      window_end: nowMs,
      observed: limit + 1,
      expected: limit,
      threshold: limit,
      score: 1,
      started_at: nowMs,
      resolved_at: null,
      summary:
        `Tenant ${JSON.stringify(event.tenant_id.slice(0, 64))} sent more than ${limit} distinct series ` +
        `within ${describeSpan(this.periodMs)}; new series are folded into model "${OTHER}" ` +
        `(first folded model: ${JSON.stringify(event.model.slice(0, 64))}).`,
      evidence: {
        max_series_per_tenant: String(limit),
        period_ms: String(this.periodMs),
        first_folded_model: event.model.slice(0, maxId),
        first_folded_application: event.application.slice(0, maxId),
      },
      notified_at: nowMs,
    };
  }

  private foldModel(event: TelemetryEvent): TelemetryEvent {
    return {
      ...event,
      model: OTHER,
      attributes: withAttribute(event.attributes, FOLDED_MODEL_ATTRIBUTE, event.model),
    };
  }

  private foldSeries(event: TelemetryEvent, key: string): TelemetryEvent {
    let attributes = withAttribute(event.attributes, FOLDED_MODEL_ATTRIBUTE, event.model);
    attributes = withAttribute(attributes, FOLDED_SERIES_ATTRIBUTE, key);
    return {
      ...event,
      application: OTHER,
      environment: OTHER,
      provider: OTHER,
      model: OTHER,
      operation: OTHER,
      attributes,
    };
  }
}

/**
 * A copy of `attributes` with `name` set, within the contract's bounds: the value is cut to the longest
 * allowed attribute value, and when the map is already full the attribute is not added (the event stays
 * valid; the fold is still counted by the caller).
 */
function withAttribute(
  attributes: Record<string, string>,
  name: string,
  value: string,
): Record<string, string> {
  const bounded = value.slice(0, DEFAULT_LIMITS.maxAttributeValueLength);
  if (Object.hasOwn(attributes, name)) return { ...attributes, [name]: bounded };
  let count = 0;
  for (const key in attributes) if (Object.hasOwn(attributes, key)) count++;
  if (count >= DEFAULT_LIMITS.maxAttributes) return attributes;
  return { ...attributes, [name]: bounded };
}
