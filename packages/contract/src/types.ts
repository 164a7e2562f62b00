import type * as z from 'zod';
import type { AlertSchema, TelemetryEventSchema, WindowAggregateSchema } from './schemas.js';

/**
 * The three records of the contract, as TypeScript sees them after decoding and validation: the outputs
 * of the zod schemas in schemas.ts (z.output), which the Avro schemas in schemas/avro/ mirror.
 */

export const EVENT_TYPES = [
  'llm_call',
  'agent_step',
  'tool_call',
  'retrieval',
  'embedding',
  'evaluation',
  'feedback',
  'guardrail',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const EVENT_STATUSES = ['ok', 'error'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** How `cost_usd` came to be: sent by the producer, priced by the pipeline from the price table, or neither. */
export const COST_SOURCES = ['reported', 'price_table', 'unpriced'] as const;
export type CostSource = (typeof COST_SOURCES)[number];

/** The six dimensions that name a series; windows, detectors and Kafka keys all use them in this order. */
export const SERIES_DIMENSIONS = [
  'tenant_id',
  'application',
  'environment',
  'provider',
  'model',
  'operation',
] as const;
export type SeriesDimension = (typeof SERIES_DIMENSIONS)[number];
export type Series = { readonly [D in SeriesDimension]: string };

/**
 * One LLM call, agent step, tool call, retrieval, embedding, evaluation, feedback or guardrail verdict.
 * The type is the canonical schema's output (schemas.ts); what each field means is said there.
 */
export type TelemetryEvent = z.output<TelemetryEventSchema>;

/** Number of equal-width bins over [0, 1] in every score histogram. */
export const SCORE_HISTOGRAM_BINS = 10;

/** One evaluator's scores in a window: count, sum and a SCORE_HISTOGRAM_BINS histogram over [0, 1]. */
export type ScoreAggregate = WindowAggregate['quality'][string];

/** Everything known about one series in one event-time window (the window schema's output, schemas.ts). */
export type WindowAggregate = z.output<WindowAggregateSchema>;

export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** One alert notification, firing or resolved (the alert schema's output, schemas.ts). */
export type Alert = z.output<AlertSchema>;
