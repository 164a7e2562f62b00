import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The metric families every service shares. Created once per process (per registry) so that the hot
 * path only does label lookups and increments.
 */
export interface PipelineMetrics {
  readonly registry: Registry;
  readonly consumed: Counter<'service' | 'topic'>;
  readonly produced: Counter<'service' | 'topic'>;
  readonly deadLettered: Counter<'service' | 'reason'>;
  readonly consumerLag: Gauge<'service' | 'topic' | 'partition'>;
  readonly batchSize: Histogram<'service' | 'stage'>;
  readonly insertLatency: Histogram<'service' | 'table'>;
  readonly insertedRows: Counter<'service' | 'table'>;
  readonly watermarkDelay: Gauge<'service' | 'partition'>;
  readonly activeSeries: Gauge<'service'>;
  readonly openWindows: Gauge<'service'>;
  readonly alerts: Counter<'service' | 'detector' | 'status'>;
  readonly alertsActive: Gauge<'service' | 'state'>;
  readonly duplicatesDropped: Counter<'service'>;
  readonly lateEvents: Counter<'service' | 'outcome'>;
  readonly windowsSkipped: Counter<'service' | 'window_size_s'>;
  readonly paused: Gauge<'service'>;
  readonly consumerStalled: Counter<'service'>;
  readonly sinkBlocked: Gauge<'service' | 'table' | 'reason'>;
  readonly seriesFolded: Counter<'service' | 'level'>;
  readonly handleDuration: Histogram<'service'>;
  readonly reviewItems: Counter<'service' | 'outcome'>;
}

export function createPipelineMetrics(options: { defaultMetrics?: boolean } = {}): PipelineMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'aiops_' });
  const registers = [registry];
  return {
    registry,
    consumed: new Counter({
      name: 'aiops_messages_consumed_total',
      help: 'Messages read from Kafka',
      labelNames: ['service', 'topic'],
      registers,
    }),
    produced: new Counter({
      name: 'aiops_messages_produced_total',
      help: 'Messages written to Kafka',
      labelNames: ['service', 'topic'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'aiops_dead_letters_total',
      help: 'Messages sent to the dead-letter topic, by reason',
      labelNames: ['service', 'reason'],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'aiops_consumer_lag_messages',
      help: 'High watermark minus the next offset to process, per partition',
      labelNames: ['service', 'topic', 'partition'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'aiops_batch_size',
      help: 'Records per processed batch',
      labelNames: ['service', 'stage'],
      buckets: [1, 10, 100, 500, 1000, 5000, 10000, 50000],
      registers,
    }),
    insertLatency: new Histogram({
      name: 'aiops_clickhouse_insert_seconds',
      help: 'Time from insert start to ClickHouse acknowledgement, retries included',
      labelNames: ['service', 'table'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    insertedRows: new Counter({
      name: 'aiops_clickhouse_rows_inserted_total',
      help: 'Rows acknowledged by ClickHouse',
      labelNames: ['service', 'table'],
      registers,
    }),
    watermarkDelay: new Gauge({
      name: 'aiops_watermark_delay_ms',
      help: 'Wall clock minus the event-time watermark, per partition',
      labelNames: ['service', 'partition'],
      registers,
    }),
    activeSeries: new Gauge({
      name: 'aiops_active_series',
      help: 'Series with state in memory',
      labelNames: ['service'],
      registers,
    }),
    openWindows: new Gauge({
      name: 'aiops_open_windows',
      help: 'Windows held in memory (open or within allowed lateness)',
      labelNames: ['service'],
      registers,
    }),
    alerts: new Counter({
      name: 'aiops_alert_notifications_total',
      help: 'Alert notifications published',
      labelNames: ['service', 'detector', 'status'],
      registers,
    }),
    alertsActive: new Gauge({
      name: 'aiops_alerts_active',
      help: 'Alerts by lifecycle state',
      labelNames: ['service', 'state'],
      registers,
    }),
    duplicatesDropped: new Counter({
      name: 'aiops_duplicates_dropped_total',
      help: 'Events dropped because their event_id was already seen',
      labelNames: ['service'],
      registers,
    }),
    lateEvents: new Counter({
      name: 'aiops_late_events_total',
      help: "Events past their window's allowed lateness, by outcome (corrected = a late-correction row, dead_lettered = older than the maximum correction age)",
      labelNames: ['service', 'outcome'],
      registers,
    }),
    windowsSkipped: new Counter({
      name: 'aiops_windows_skipped_total',
      help: 'Windows the detector does not judge because their size is not DETECTOR_WINDOW_SIZE_MS (e.g. the hourly windows kept for dashboards)',
      labelNames: ['service', 'window_size_s'],
      registers,
    }),
    paused: new Gauge({
      name: 'aiops_consumer_paused',
      help: '1 while the consumer is paused for backpressure',
      labelNames: ['service'],
      registers,
    }),
    consumerStalled: new Counter({
      name: 'aiops_consumer_stalled_seconds_total',
      help: 'Wall time a consumer completed no fetch, beyond the stall threshold: left out of the fetch-progress clock its idle decisions run on',
      labelNames: ['service'],
      registers,
    }),
    sinkBlocked: new Gauge({
      name: 'aiops_sink_blocked',
      help: '1 while a sink holds its rows because ClickHouse refuses every write for a reason an operator must fix (reason: the error code name, e.g. AUTHENTICATION_FAILED, UNKNOWN_TABLE)',
      labelNames: ['service', 'table', 'reason'],
      registers,
    }),
    seriesFolded: new Counter({
      name: 'aiops_series_folded_events_total',
      help: 'Events whose series was folded into __other__ by the per-tenant cardinality limit, by level (model, series)',
      labelNames: ['service', 'level'],
      registers,
    }),
    handleDuration: new Histogram({
      name: 'aiops_batch_handle_seconds',
      help: 'Time a service spends handling one input batch (decode, validate, build output), not counting output acknowledgements',
      labelNames: ['service'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    reviewItems: new Counter({
      name: 'aiops_review_items_total',
      help: 'Events that qualified for the review queue, by outcome (queued, sampled_out, capped)',
      labelNames: ['service', 'outcome'],
      registers,
    }),
  };
}
