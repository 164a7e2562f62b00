import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The receiver's own metric families, once per registry. */
export interface ReceiverMetrics {
  readonly requests: Counter<'signal' | 'code'>;
  /** Spans and log records by outcome: accepted, refused (partial_success + DLQ), ignored (not GenAI). */
  readonly items: Counter<'signal' | 'outcome'>;
  readonly contentDropped: Counter<'signal'>;
  readonly tenantOverwritten: Counter<'signal'>;
  readonly inFlightBytes: Gauge;
  readonly requestSeconds: Histogram<'signal'>;
}

const cache = new WeakMap<Registry, ReceiverMetrics>();

export function receiverMetrics(registry: Registry): ReceiverMetrics {
  let metrics = cache.get(registry);
  if (metrics === undefined) {
    const registers = [registry];
    metrics = {
      requests: new Counter({
        name: 'aiops_otlp_requests_total',
        help: 'OTLP/HTTP export requests by signal and HTTP status code',
        labelNames: ['signal', 'code'],
        registers,
      }),
      items: new Counter({
        name: 'aiops_otlp_items_total',
        help: 'Spans and log records received, by outcome (accepted, refused, ignored)',
        labelNames: ['signal', 'outcome'],
        registers,
      }),
      contentDropped: new Counter({
        name: 'aiops_otlp_content_dropped_total',
        help: 'Prompt/completion content attributes and events dropped before anything was stored',
        labelNames: ['signal'],
        registers,
      }),
      tenantOverwritten: new Counter({
        name: 'aiops_otlp_tenant_overwritten_total',
        help: "Spans and records whose payload claimed a tenant other than their token's",
        labelNames: ['signal'],
        registers,
      }),
      inFlightBytes: new Gauge({
        name: 'aiops_otlp_in_flight_bytes',
        help: 'Request bytes held while waiting for Kafka, all requests together',
        registers,
      }),
      requestSeconds: new Histogram({
        name: 'aiops_otlp_request_seconds',
        help: 'Time from request start to answer, Kafka acknowledgement included',
        labelNames: ['signal'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
        registers,
      }),
    };
    cache.set(registry, metrics);
  }
  return metrics;
}
