import type { AttributeValue, OtlpLogRecord, OtlpSpan, OtlpSpanEvent } from '../src/model.js';

export const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0);
export const END_NS = BigInt(NOW_MS - 1000) * 1_000_000n;
export const TRACE = '0af7651916cd43dd8448eb211c80319c';

export function attrs(record: Record<string, AttributeValue>): Map<string, AttributeValue> {
  return new Map(Object.entries(record));
}

export function span(overrides: Partial<OtlpSpan> = {}): OtlpSpan {
  return {
    traceId: TRACE,
    spanId: 'b7ad6b7169203331',
    parentSpanId: null,
    name: 'chat gpt-4o',
    startTimeUnixNano: END_NS - 1_250_000_000n,
    endTimeUnixNano: END_NS,
    attributes: attrs({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
    }),
    statusCode: 0,
    events: [] as OtlpSpanEvent[],
    ...overrides,
  };
}

export function evaluationRecord(overrides: Partial<OtlpLogRecord> = {}): OtlpLogRecord {
  return {
    timeUnixNano: END_NS + 5_000_000_000n,
    observedTimeUnixNano: 0n,
    eventName: 'gen_ai.evaluation.result',
    traceId: TRACE,
    spanId: 'b7ad6b7169203331',
    attributes: attrs({ 'gen_ai.evaluation.name': 'faithfulness', 'gen_ai.evaluation.score.value': 0.75 }),
    ...overrides,
  };
}
