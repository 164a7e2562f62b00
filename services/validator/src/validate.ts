import {
  type ContractError,
  eventCodec,
  type ParseContext,
  parseTelemetryMessage,
  seriesKey,
  type TelemetryEvent,
} from '@aiops/contract';
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
}

/**
 * The validator's functional core: raw bytes in, canonical Avro keyed by series out, every refusal
 * with a reason. No Kafka here; the shell sends what this returns.
 */
export function validateMessages(
  messages: readonly RawMessage[],
  context: ParseContext,
  recentIds: RecentIds,
  maxMessageBytes: number,
): ValidationResult {
  const valid: ValidEvent[] = [];
  const rejected: RejectedMessage[] = [];
  let duplicates = 0;
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
    const event = result.event;
    if (recentIds.seen(event.event_id)) {
      duplicates++;
      continue;
    }
    valid.push({ key: seriesKey(event), value: eventCodec.encode(event, 'avro'), event });
  }
  return { valid, rejected, duplicates };
}

function refusal(index: number, error: ContractError): RejectedMessage {
  return { index, reason: error.reason, field: error.field, message: error.message };
}
