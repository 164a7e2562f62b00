import {
  type Alert,
  type ContractError,
  eventCodec,
  type ParseContext,
  parseTelemetryMessage,
  seriesKey,
  type TelemetryEvent,
} from '@aiops/contract';
import type { CardinalityTracker } from './cardinality.js';
import type { RecentIds } from './recent-ids.js';

export interface RawMessage {
  readonly value: Buffer | null;
  readonly offset: string;
}

export interface ValidEvent {
  readonly key: string;
  readonly value: Buffer;
  readonly event: TelemetryEvent;
}

export interface RejectedMessage {
  readonly index: number;
  readonly reason: string;
  readonly field: string | undefined;
  readonly message: string;
}

export interface ValidationResult {
  readonly valid: ValidEvent[];
  readonly rejected: RejectedMessage[];
  readonly duplicates: number;
  /**
   * Valid events whose series the cardinality limit folded (they are among `valid`): `model` when only
   * the model became __other__, `series` when every dimension but tenant_id did.
   */
  readonly folded: { model: number; series: number };
  /** Cardinality warnings to publish on the alerts topic. */
  readonly alerts: Alert[];
}

/**
 * The validator's functional core: raw bytes in, canonical Avro keyed by series out, every refusal
 * with a reason. No Kafka here; the shell sends what this returns. With a cardinality tracker, events
 * of a tenant's series beyond its limit are folded (see cardinality.ts) and the warnings returned.
 */
export function validateMessages(
  messages: readonly RawMessage[],
  context: ParseContext,
  recentIds: RecentIds,
  maxMessageBytes: number,
  cardinality?: CardinalityTracker,
): ValidationResult {
  const valid: ValidEvent[] = [];
  const rejected: RejectedMessage[] = [];
  const alerts: Alert[] = [];
  let duplicates = 0;
  const folded = { model: 0, series: 0 };
  for (let index = 0; index < messages.length; index++) {
    const value = messages[index]!.value;
    if (value === null || value.length === 0) {
      rejected.push({ index, reason: 'empty_message', field: undefined, message: 'message has no value' });
      continue;
    }
    if (value.length > maxMessageBytes) {
      rejected.push({
        index,
        reason: 'message_too_large',
        field: undefined,
        message: `message is ${value.length} bytes; the limit is ${maxMessageBytes}`,
      });
      continue;
    }
    const result = parseTelemetryMessage(value, context);
    if (!result.ok) {
      rejected.push(refusal(index, result.error));
      continue;
    }
    let event = result.event;
    if (recentIds.seen(event.event_id)) {
      duplicates++;
      continue;
    }
    let key = seriesKey(event);
    if (cardinality !== undefined) {
      const admission = cardinality.admit(event, context.nowMs, key);
      if (admission.folded !== 'none') {
        folded[admission.folded]++;
        event = admission.event;
        key = seriesKey(event);
      }
      if (admission.alert !== null) alerts.push(admission.alert);
    }
    valid.push({ key, value: eventCodec.encode(event, 'avro'), event });
  }
  return { valid, rejected, duplicates, folded, alerts };
}

function refusal(index: number, error: ContractError): RejectedMessage {
  return { index, reason: error.reason, field: error.field, message: error.message };
}
