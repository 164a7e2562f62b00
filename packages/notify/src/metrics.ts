import { Counter, Gauge, type Registry } from 'prom-client';

export interface NotifierMetrics {
  readonly sent: Counter<'receiver'>;
  readonly failed: Counter<'receiver' | 'reason'>;
  readonly retried: Counter<'receiver'>;
  readonly pending: Gauge<'receiver'>;
  readonly incidentsOpen: Gauge;
}

/** Registered once per registry (`aiops run all` shares one): an existing family is reused. */
function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function notifierMetrics(registry: Registry): NotifierMetrics {
  const registers = [registry];
  return {
    sent: once(
      registry,
      'aiops_notifications_sent_total',
      () =>
        new Counter({
          name: 'aiops_notifications_sent_total',
          help: 'Notifications delivered, by receiver',
          labelNames: ['receiver'],
          registers,
        }),
    ),
    failed: once(
      registry,
      'aiops_notifications_failed_total',
      () =>
        new Counter({
          name: 'aiops_notifications_failed_total',
          help: 'Notifications dead-lettered (refused, or not delivered within max_delivery_ms), by receiver',
          labelNames: ['receiver', 'reason'],
          registers,
        }),
    ),
    retried: once(
      registry,
      'aiops_notification_retries_total',
      () =>
        new Counter({
          name: 'aiops_notification_retries_total',
          help: 'Delivery attempts that will be retried, by receiver',
          labelNames: ['receiver'],
          registers,
        }),
    ),
    pending: once(
      registry,
      'aiops_notifications_pending',
      () =>
        new Gauge({
          name: 'aiops_notifications_pending',
          help: 'Notifications waiting for or in delivery, by receiver',
          labelNames: ['receiver'],
          registers,
        }),
    ),
    incidentsOpen: once(
      registry,
      'aiops_incidents_open',
      () => new Gauge({ name: 'aiops_incidents_open', help: 'Incidents firing now', registers }),
    ),
  };
}
