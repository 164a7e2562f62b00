import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { schemaFingerprint, singleObjectHeader } from '../src/avro/fingerprint.js';
import { WINDOW_AGGREGATE_V1_SCHEMA } from '../src/avro/schemas.js';
import { alertCodec, eventCodec, windowCodec } from '../src/codecs.js';
import { ContractError } from '../src/errors.js';
import { DEFAULT_TOPICS } from '../src/topics.js';
import type { Alert, WindowAggregate } from '../src/types.js';
import { validEvent } from './fixtures.js';

function windowAggregate(overrides: Partial<WindowAggregate> = {}): WindowAggregate {
  return {
    tenant_id: 'acme',
    application: 'bot',
    environment: 'production',
    provider: 'openai',
    model: 'gpt-4o',
    operation: 'chat',
    window_start: 1_756_728_000_000,
    window_end: 1_756_728_060_000,
    revision: 0,
    events: 120,
    errors: 3,
    errors_by_type: { rate_limited: 2, timeout: 1 },
    latency_count: 117,
    latency_min_ms: 80.5,
    latency_max_ms: 4210,
    latency_mean_ms: 640.25,
    latency_p50_ms: 512,
    latency_p90_ms: 1100,
    latency_p95_ms: 1800,
    latency_p99_ms: 3900,
    latency_sketch: Buffer.from([1, 2, 3, 250, 0, 7]),
    ttft_p50_ms: 150,
    ttft_p95_ms: 410,
    input_tokens: 140_000,
    output_tokens: 31_000,
    cache_read_input_tokens: 90_000,
    reasoning_output_tokens: 0,
    cost_usd: 0.6625,
    cost_estimated_events: 100,
    quality: { faithfulness: { count: 4, sum: 3.5, histogram: [0, 0, 0, 0, 0, 0, 0, 1, 1, 2] } },
    quality_mean: 0.875,
    feedback_positive: 5,
    feedback_negative: 1,
    feedback_total: 6,
    guardrail_flags: { pii: 2 },
    late_events: 0,
    correction_event_id: null,
    emitted_at: 1_756_728_065_123,
    ...overrides,
  };
}

function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    alert_id: 'a1b2c3',
    fingerprint: 'f00d',
    status: 'firing',
    severity: 'critical',
    detector: 'error_rate',
    tenant_id: 'acme',
    application: 'bot',
    environment: 'production',
    provider: 'openai',
    model: 'gpt-4o',
    operation: null,
    window_start: 1_756_728_000_000,
    window_end: 1_756_728_060_000,
    observed: 0.25,
    expected: 0.01,
    threshold: 0.05,
    score: 0.97,
    started_at: 1_756_728_060_000,
    resolved_at: null,
    summary: 'Error rate of bot on gpt-4o is 25% (expected 1%).',
    evidence: { errors: '30', events: '120' },
    notified_at: 1_756_728_060_000,
    ...overrides,
  };
}

describe('record codecs', () => {
  it.each(['avro', 'json'] as const)(
    'windowCodec round-trips a window in %s (sketch bytes included)',
    (format) => {
      const value = windowAggregate();
      const decoded = windowCodec.decode(windowCodec.encode(value, format));
      expect(decoded).toEqual(value);
      expect(Buffer.from(decoded.latency_sketch as Uint8Array)).toEqual(value.latency_sketch);
    },
  );

  it('windowCodec carries a null sketch and a plain Uint8Array sketch', () => {
    expect(windowCodec.decode(windowCodec.encode(windowAggregate({ latency_sketch: null })))).toEqual(
      windowAggregate({ latency_sketch: null }),
    );
    const bytes = new Uint8Array([9, 8, 7]);
    const decoded = windowCodec.decode(
      windowCodec.encode(windowAggregate({ latency_sketch: bytes }), 'json'),
    );
    expect([...(decoded.latency_sketch as Uint8Array)]).toEqual([9, 8, 7]);
  });

  it('windowCodec carries a late correction, and reads a window written with v1 (before corrections) as null', () => {
    const correction = windowAggregate({ events: 1, correction_event_id: 'evt-late-1' });
    expect(windowCodec.decode(windowCodec.encode(correction))).toEqual(correction);
    expect(windowCodec.decode(windowCodec.encode(correction, 'json'))).toEqual(correction);
    const { correction_event_id: _added, ...v1Window } = windowAggregate();
    const v1 = avro.Type.forSchema(WINDOW_AGGREGATE_V1_SCHEMA as avro.Schema, { registry: {} });
    const written = Buffer.concat([
      singleObjectHeader(schemaFingerprint(WINDOW_AGGREGATE_V1_SCHEMA)),
      v1.toBuffer({ ...v1Window, latency_sketch: Buffer.from(v1Window.latency_sketch ?? []) }),
    ]);
    expect(windowCodec.decode(written)).toMatchObject({ events: 120, correction_event_id: null });
  });

  it.each(['avro', 'json'] as const)('alertCodec round-trips firing and resolved alerts in %s', (format) => {
    for (const value of [
      alert(),
      alert({ status: 'resolved', resolved_at: 1_756_728_120_000, severity: 'info' }),
    ]) {
      expect(alertCodec.decode(alertCodec.encode(value, format))).toEqual(value);
    }
  });

  it('defaults to Avro single-object encoding', () => {
    expect([...windowCodec.encode(windowAggregate()).subarray(0, 2)]).toEqual([0xc3, 0x01]);
    expect([...alertCodec.encode(alert()).subarray(0, 2)]).toEqual([0xc3, 0x01]);
    expect([...eventCodec.encode(validEvent()).subarray(0, 2)]).toEqual([0xc3, 0x01]);
  });

  it("refuses a record of another type (its fingerprint is not this type's)", () => {
    expect(() => windowCodec.decode(alertCodec.encode(alert()))).toThrow(
      expect.objectContaining({ reason: 'unknown_fingerprint' }),
    );
  });

  it('validates on decode with the field named, and decodeTrusted skips it', () => {
    const bad = windowCodec.encode(windowAggregate({ quality_mean: 2 }), 'json');
    expect(() => windowCodec.decode(bad)).toThrow(ContractError);
    expect(() => windowCodec.decode(bad)).toThrow('field quality_mean: must be in [0, 1]');
    expect(windowCodec.decodeTrusted(bad).quality_mean).toBe(2);
    const histogram = windowCodec.encode(
      windowAggregate({ quality: { f: { count: 1, sum: 1, histogram: [1] } } }),
      'json',
    );
    expect(() => windowCodec.decode(histogram)).toThrow('field quality.f.histogram: must have 10 bins');
  });

  it('refuses an Avro encoding of a value Avro cannot carry, as a schema_violation', () => {
    expect(() => alertCodec.encode({ ...alert(), window_start: 1.5 })).toThrow(
      expect.objectContaining({ reason: 'schema_violation' }),
    );
  });

  it('names the topics in one place', () => {
    expect(DEFAULT_TOPICS).toEqual({
      raw: 'aiops.telemetry.raw.v1',
      events: 'aiops.telemetry.events.v1',
      dlq: 'aiops.telemetry.dlq.v1',
      windows: 'aiops.telemetry.windows.v1',
      alerts: 'aiops.alerts.v1',
    });
  });
});
