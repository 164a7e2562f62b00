import { seriesOf, type TelemetryEvent } from '@aiops/contract';
import { hash53 } from '@aiops/core';
import { parseReviewConfig, type ReviewConfig } from './config.js';
import type { ReviewItem, ReviewReason } from './item.js';

/**
 * The review queue's pure core: which validated events become review items, and how many of them a
 * tenant may put in the queue. Deterministic: the reason is a function of the event and the config,
 * sampling is a hash of the trace id (every item of one trace is kept or dropped together), and the
 * cap counts items per tenant per event-time window, in the order events are routed.
 */

/** Why an event that qualified is not queued. */
export type DropReason = 'sampled_out' | 'capped';

export type RouteDecision =
  | { readonly kind: 'ignored' }
  | { readonly kind: 'queued'; readonly item: ReviewItem }
  | {
      readonly kind: 'dropped';
      readonly reason: DropReason;
      readonly item: ReviewItem;
      /** Set on the first item a tenant's cap drops in a window: tell someone once, not per item. */
      readonly capReached?: {
        readonly tenant_id: string;
        readonly window_start: number;
        readonly cap: number;
      };
    };

export interface TenantCounts {
  queued: number;
  sampled_out: number;
  capped: number;
}

export interface RouterSnapshot {
  readonly v: 1;
  /** Per tenant: the cap window it is in and that window's queued and capped counts. */
  readonly windows: Array<[tenant: string, windowStart: number, queued: number, capped: number]>;
  readonly totals: Array<[tenant: string, counts: TenantCounts]>;
}

/** Qualifies one event: the reason and the evaluator behind it, or null when it needs no review. */
export function reviewReason(
  config: ReviewConfig,
  event: TelemetryEvent,
): { reason: ReviewReason; evaluator: string | null; threshold: number | null } | null {
  if (event.event_type === 'evaluation') {
    let worst: { evaluator: string; threshold: number; margin: number } | null = null;
    for (const name of Object.keys(event.scores).sort()) {
      const threshold = config.thresholds[name] ?? config.default_threshold;
      if (threshold === null) continue;
      const margin = event.scores[name]! - threshold;
      if (margin < 0 && (worst === null || margin < worst.margin))
        worst = { evaluator: name, threshold, margin };
    }
    return worst === null
      ? null
      : { reason: 'low_score', evaluator: worst.evaluator, threshold: worst.threshold };
  }
  if (event.event_type === 'feedback')
    return config.negative_feedback && event.feedback === -1
      ? { reason: 'negative_feedback', evaluator: null, threshold: null }
      : null;
  if (event.event_type === 'guardrail') {
    const g = config.guardrail_block;
    if (!g.enabled) return null;
    const blocked =
      event.guardrail_flags.some((flag) => g.flags.includes(flag)) ||
      event.attributes[g.action_attribute] === g.action_value;
    return blocked ? { reason: 'guardrail_block', evaluator: null, threshold: null } : null;
  }
  return null;
}

/** The review item of a qualifying event (open). */
export function reviewItemOf(
  event: TelemetryEvent,
  why: { reason: ReviewReason; evaluator: string | null; threshold: number | null },
): ReviewItem {
  return {
    item_id: `rv-${hash53(event.event_id).toString(16).padStart(14, '0')}`,
    reason: why.reason,
    ...seriesOf(event),
    event_id: event.event_id,
    event_type: event.event_type,
    trace_id: event.trace_id,
    span_id: event.span_id,
    parent_span_id: event.parent_span_id,
    prompt_name: event.prompt_name,
    prompt_version: event.prompt_version,
    evaluator: why.evaluator,
    threshold: why.threshold,
    scores: { ...event.scores },
    feedback: event.feedback,
    guardrail_flags: [...event.guardrail_flags],
    event_at: event.timestamp,
    status: 'open',
    reviewer: null,
    verdict: null,
    note: null,
    reviewed_at: null,
  };
}

/** Whether a trace is in the sample: a hash of (seed, trace) against the tenant's rate. */
export function sampled(config: ReviewConfig, tenant: string, traceOrEvent: string): boolean {
  const rate = config.tenant_sample_rates[tenant] ?? config.sample_rate;
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return hash53(traceOrEvent, config.sample_seed) / 2 ** 53 < rate;
}

export class ReviewRouter {
  readonly config: ReviewConfig;
  private windows = new Map<string, { start: number; queued: number; capped: number }>();
  private totals = new Map<string, TenantCounts>();

  /** `config` is validated (parseReviewConfig); undefined means all defaults. */
  constructor(config: unknown = {}) {
    this.config = parseReviewConfig(config);
  }

  route(event: TelemetryEvent): RouteDecision {
    const why = reviewReason(this.config, event);
    if (why === null) return { kind: 'ignored' };
    const item = reviewItemOf(event, why);
    const tenant = event.tenant_id;
    const counts = this.countsOf(tenant);
    if (!sampled(this.config, tenant, event.trace_id ?? event.event_id)) {
      counts.sampled_out++;
      return { kind: 'dropped', reason: 'sampled_out', item };
    }
    const size = this.config.cap_window_ms;
    const start = Math.floor(event.timestamp / size) * size;
    let window = this.windows.get(tenant);
    // A later window starts a fresh count; an event of an earlier window counts against the current one.
    if (window === undefined || start > window.start) {
      window = { start, queued: 0, capped: 0 };
      this.windows.set(tenant, window);
    }
    if (window.queued >= this.config.cap_per_tenant) {
      window.capped++;
      counts.capped++;
      const decision = { kind: 'dropped' as const, reason: 'capped' as const, item };
      return window.capped === 1
        ? {
            ...decision,
            capReached: { tenant_id: tenant, window_start: window.start, cap: this.config.cap_per_tenant },
          }
        : decision;
    }
    window.queued++;
    counts.queued++;
    return { kind: 'queued', item };
  }

  /** Items queued and dropped so far, per tenant (sorted). */
  counts(): Record<string, TenantCounts> {
    const out: Record<string, TenantCounts> = {};
    for (const tenant of [...this.totals.keys()].sort()) out[tenant] = { ...this.totals.get(tenant)! };
    return out;
  }

  snapshot(): RouterSnapshot {
    return {
      v: 1,
      windows: [...this.windows].map(([tenant, w]) => [tenant, w.start, w.queued, w.capped]),
      totals: [...this.totals].map(([tenant, c]) => [tenant, { ...c }]),
    };
  }

  restore(snapshot: RouterSnapshot): void {
    if (snapshot.v !== 1) throw new Error(`unsupported review router snapshot version ${snapshot.v}`);
    this.windows = new Map(
      snapshot.windows.map(([t, start, queued, capped]) => [t, { start, queued, capped }]),
    );
    this.totals = new Map(snapshot.totals.map(([t, c]) => [t, { ...c }]));
  }

  private countsOf(tenant: string): TenantCounts {
    let counts = this.totals.get(tenant);
    if (counts === undefined) {
      counts = { queued: 0, sampled_out: 0, capped: 0 };
      this.totals.set(tenant, counts);
    }
    return counts;
  }
}
