import type { Notification } from '@aiops/incidents';
import { z } from 'zod';
import { type HttpRequest, sendHttp } from './http.js';
import { classifyHttpResponse, classifyTransportError, type DeliveryVerdict } from './retry.js';

/** Delivery settings every receiver has; each receiver's schema spreads these and adds its own keys. */
export const deliveryFields = {
  /** The name routes refer to (`route.receiver`). */
  name: z.string().trim().min(1),
  /** One attempt's timeout. */
  timeout_ms: z.number().int().positive().default(10_000),
  /** After this long since the first attempt a notification goes to the delivery dead-letter topic. */
  max_delivery_ms: z
    .number()
    .int()
    .positive()
    .default(5 * 60_000),
  /** Exponential backoff between attempts: base, doubling, capped; half of each step is random jitter. */
  backoff_base_ms: z.number().int().positive().default(1_000),
  backoff_max_ms: z.number().int().positive().default(60_000),
  /** Rate limit: at least this long between two attempts to this receiver. */
  min_interval_ms: z.number().int().nonnegative().default(0),
};

export interface DeliverySettings {
  readonly timeoutMs: number;
  readonly maxDeliveryMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly minIntervalMs: number;
}

export function deliverySettingsOf(config: {
  timeout_ms: number;
  max_delivery_ms: number;
  backoff_base_ms: number;
  backoff_max_ms: number;
  min_interval_ms: number;
}): DeliverySettings {
  return {
    timeoutMs: config.timeout_ms,
    maxDeliveryMs: config.max_delivery_ms,
    backoffBaseMs: config.backoff_base_ms,
    backoffMaxMs: config.backoff_max_ms,
    minIntervalMs: config.min_interval_ms,
  };
}

export const RECEIVER_TYPES = ['webhook', 'slack', 'pagerduty', 'cloudevents'] as const;
export type ReceiverType = (typeof RECEIVER_TYPES)[number];

/** A built receiver: config resolved (secrets read), ready to attempt deliveries. */
export interface Receiver {
  readonly name: string;
  readonly type: ReceiverType;
  readonly settings: DeliverySettings;
  /** One attempt; never throws (a failure is a verdict). */
  attempt(notification: Notification, nowMs: number): Promise<DeliveryVerdict>;
}

/** An HTTP receiver: a pure request builder plus the shared transport and classifier. */
export function httpReceiver(
  name: string,
  type: ReceiverType,
  settings: DeliverySettings,
  build: (notification: Notification) => HttpRequest,
  now: () => number = Date.now,
): Receiver {
  return {
    name,
    type,
    settings,
    async attempt(notification) {
      const request = build(notification);
      try {
        const response = await sendHttp(request, settings.timeoutMs);
        return classifyHttpResponse(response, now());
      } catch (error) {
        return classifyTransportError(error);
      }
    },
  };
}

/** ISO 8601 UTC from epoch ms, the form every receiver's payload uses. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();

export function severityWord(notification: Notification): string {
  return notification.incident.severity.toUpperCase();
}
