import {
  alertCodec,
  createParseContext,
  eventCodec,
  parseSeriesKey,
  seriesKey,
  type TelemetryEvent,
  validateTelemetryEvent,
} from '@aiops/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CardinalityTracker,
  FOLDED_MODEL_ATTRIBUTE,
  FOLDED_SERIES_ATTRIBUTE,
  OTHER,
} from '../src/cardinality.js';
import { RecentIds } from '../src/recent-ids.js';
import { boundDeadLetter } from '../src/service.js';
import { validateMessages } from '../src/validate.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-20T12:00:00Z');

function event(overrides: Partial<TelemetryEvent> = {}): TelemetryEvent {
  return {
    event_id: 'e-1',
    event_type: 'llm_call',
    timestamp: T0,
    tenant_id: 'acme',
    application: 'bot',
    environment: 'production',
    provider: 'openai',
    model: 'gpt-4o',
    response_model: null,
    operation: 'chat',
    trace_id: null,
    span_id: null,
    parent_span_id: null,
    session_id: null,
    user_id: null,
    agent_name: null,
    tool_name: null,
    prompt_name: null,
    prompt_version: null,
    status: 'ok',
    error_type: null,
    duration_ms: 100,
    time_to_first_token_ms: null,
    input_tokens: 10,
    output_tokens: 5,
    cache_read_input_tokens: null,
    reasoning_output_tokens: null,
    cache_creation_input_tokens: null,
    cost_usd: 0.001,
    cost_source: 'reported',
    scores: {},
    feedback: null,
    guardrail_flags: [],
    attributes: {},
    ...overrides,
  };
}

describe('CardinalityTracker', () => {
  it('admits up to the limit per tenant, then folds new series into model __other__', () => {
    const tracker = new CardinalityTracker({ maxSeriesPerTenant: 3, periodMs: HOUR });
    for (let i = 0; i < 3; i++) {
      const admitted = tracker.admit(event({ model: `m${i}` }), T0);
      expect(admitted.folded).toBe('none');
      expect(admitted.event.model).toBe(`m${i}`);
    }
    // A known series stays as it is, even at the limit.
    expect(tracker.admit(event({ model: 'm1' }), T0 + 1).folded).toBe('none');
    const folded = tracker.admit(event({ model: 'm3', attributes: { team: 'x' } }), T0 + 2);
    expect(folded.folded).toBe('model');
    expect(folded.event.model).toBe(OTHER);
    expect(folded.event.attributes).toEqual({ team: 'x', [FOLDED_MODEL_ATTRIBUTE]: 'm3' });
    expect(folded.event.operation).toBe('chat');
    expect(folded.event.application).toBe('bot');
    // The folded event is still a valid canonical event.
    expect(validateTelemetryEvent(folded.event)).toEqual(folded.event);
    // Another tenant has its own budget.
    expect(tracker.admit(event({ tenant_id: 'globex', model: 'm9' }), T0).folded).toBe('none');
    expect(tracker.seriesOf('acme')).toBe(3);
  });

  it('raises one warning alert per tenant per period, deterministic per tenant and hour', () => {
    const tracker = new CardinalityTracker({ maxSeriesPerTenant: 2, periodMs: HOUR });
    tracker.admit(event({ model: 'a' }), T0);
    tracker.admit(event({ model: 'b' }), T0);
    const first = tracker.admit(event({ model: 'c' }), T0 + 10);
    expect(first.alert).not.toBeNull();
    const alert = first.alert!;
    expect(alert).toMatchObject({
      detector: 'cardinality',
      severity: 'warning',
      status: 'firing',
      tenant_id: 'acme',
      model: null,
      threshold: 2,
      observed: 3,
    });
    expect(alert.summary).toBe(
      'Tenant "acme" sent more than 2 distinct series within 1 h; new series are folded into model "__other__" (first folded model: "c").',
    );
    // It is a valid Alert of the contract and survives the alerts codec.
    expect(alertCodec.decode(alertCodec.encode(alert))).toEqual(alert);
    for (let i = 0; i < 20; i++)
      expect(tracker.admit(event({ model: `x${i}` }), T0 + 20 + i).alert).toBeNull();
    // Same tenant and hour on a fresh tracker (a replay after a restart) → the same alert_id.
    const replay = new CardinalityTracker({ maxSeriesPerTenant: 2, periodMs: HOUR });
    replay.admit(event({ model: 'a' }), T0 + 5);
    replay.admit(event({ model: 'b' }), T0 + 5);
    expect(replay.admit(event({ model: 'q' }), T0 + 60_000).alert?.alert_id).toBe(alert.alert_id);
    expect(replay.admit(event({ tenant_id: 'other', model: 'q' }), T0).alert).toBeNull();
  });

  it('alerts again only after a whole period, while the tenant keeps exceeding', () => {
    const tracker = new CardinalityTracker({ maxSeriesPerTenant: 1, periodMs: HOUR });
    let alerts = 0;
    // Every minute for three hours, one known model and one new one.
    for (let minute = 0; minute < 180; minute++) {
      const now = T0 + minute * 60_000;
      tracker.admit(event({ model: 'steady' }), now);
      if (tracker.admit(event({ model: `burst-${minute}` }), now).alert) alerts++;
    }
    expect(alerts).toBe(3);
  });

  it('forgets series not seen for a period, so a tenant that calms down gets its budget back', () => {
    const tracker = new CardinalityTracker({ maxSeriesPerTenant: 2, periodMs: HOUR });
    tracker.admit(event({ model: 'a' }), T0);
    tracker.admit(event({ model: 'b' }), T0 + 30 * 60_000);
    expect(tracker.admit(event({ model: 'c' }), T0 + 40 * 60_000).folded).toBe('model');
    // At T0 + 1 h, 'a' expires; 'b' (seen at +30 min) is still counted.
    expect(tracker.seriesOf('acme', T0 + HOUR)).toBe(1);
    expect(tracker.admit(event({ model: 'c' }), T0 + HOUR).folded).toBe('none');
    expect(tracker.admit(event({ model: 'd' }), T0 + HOUR).folded).toBe('model');
  });

  it('a series seen again stays counted (sliding, not fixed, period)', () => {
    const tracker = new CardinalityTracker({ maxSeriesPerTenant: 1, periodMs: HOUR });
    for (let h = 0; h < 5; h++) tracker.admit(event({ model: 'a' }), T0 + h * (HOUR - 1));
    expect(tracker.admit(event({ model: 'b' }), T0 + 5 * (HOUR - 1)).folded).toBe('model');
  });

  it('caps the folded series too: past the cap every dimension but tenant_id folds', () => {
    const tracker = new CardinalityTracker({
      maxSeriesPerTenant: 1,
      periodMs: HOUR,
      maxFoldedSeriesPerTenant: 2,
    });
    tracker.admit(event({ application: 'app0' }), T0);
    expect(tracker.admit(event({ application: 'app1', model: 'x' }), T0).folded).toBe('model');
    expect(tracker.admit(event({ application: 'app2', model: 'y' }), T0).folded).toBe('model');
    const whole = tracker.admit(event({ application: 'app3', model: 'z' }), T0);
    expect(whole.folded).toBe('series');
    expect(whole.event).toMatchObject({
      tenant_id: 'acme',
      application: OTHER,
      environment: OTHER,
      provider: OTHER,
      model: OTHER,
      operation: OTHER,
    });
    expect(whole.event.attributes[FOLDED_MODEL_ATTRIBUTE]).toBe('z');
    expect(whole.event.attributes[FOLDED_SERIES_ATTRIBUTE]).toBe(
      seriesKey(event({ application: 'app3', model: 'z' })),
    );
    expect(validateTelemetryEvent(whole.event)).toEqual(whole.event);
    // Already folded series stay where they were.
    expect(tracker.admit(event({ application: 'app1', model: 'other-model' }), T0).folded).toBe('model');
  });

  it('keeps an event valid when its attribute map is already full (the original model is then not kept)', () => {
    const tracker = new CardinalityTracker({ maxSeriesPerTenant: 1, periodMs: HOUR });
    const full = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, 'v']));
    tracker.admit(event(), T0);
    const folded = tracker.admit(event({ model: 'new', attributes: full }), T0);
    expect(folded.event.model).toBe(OTHER);
    expect(folded.event.attributes).toEqual(full);
    expect(validateTelemetryEvent(folded.event)).toEqual(folded.event);
  });

  it('bounds memory: per tenant to limit + folded cap + 1, overall to maxTrackedSeries (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            tenant: fc.constantFrom('a', 'b', 'c'),
            application: fc.constantFrom('x', 'y', 'z', 'w'),
            model: fc.string({ minLength: 1, maxLength: 6 }),
            advanceMs: fc.integer({ min: 0, max: 10 * 60_000 }),
          }),
          { maxLength: 400 },
        ),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 4, max: 40 }),
        (steps, limit, maxTracked) => {
          const tracker = new CardinalityTracker({
            maxSeriesPerTenant: limit,
            periodMs: HOUR,
            maxFoldedSeriesPerTenant: 2,
            maxTrackedSeries: maxTracked,
          });
          let now = T0;
          const outputSeries = new Map<string, Set<string>>();
          for (const step of steps) {
            now += step.advanceMs;
            const out = tracker.admit(
              event({ tenant_id: step.tenant, application: step.application, model: step.model }),
              now,
            );
            expect(out.event.tenant_id).toBe(step.tenant);
            expect(tracker.trackedSeries).toBeLessThanOrEqual(maxTracked);
            expect(tracker.seriesOf(step.tenant)).toBeLessThanOrEqual(limit);
            if (out.folded === 'none') expect(out.event.model).toBe(step.model);
            else expect(out.event.model).toBe(OTHER);
            const set = outputSeries.get(step.tenant) ?? new Set<string>();
            outputSeries.set(step.tenant, set);
            set.add(seriesKey(out.event));
          }
          // Without expiry or global eviction, the distinct output series of a tenant are bounded.
          if (now - T0 < HOUR && steps.length <= maxTracked) {
            for (const set of outputSeries.values()) expect(set.size).toBeLessThanOrEqual(limit + 2 + 1);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses nonsensical limits', () => {
    expect(() => new CardinalityTracker({ maxSeriesPerTenant: 0, periodMs: HOUR })).toThrow(/positive/);
    expect(() => new CardinalityTracker({ maxSeriesPerTenant: 1, periodMs: 0.5 })).toThrow(/periodMs/);
  });
});

describe('validateMessages with a cardinality limit', () => {
  it('folds, re-keys and re-encodes events beyond the limit and returns one warning', () => {
    const context = { ...createParseContext({ priceTable: null, userIdSalt: 'salt-1234' }), nowMs: T0 };
    const raw = (i: number) => ({
      offset: String(i),
      value: Buffer.from(
        JSON.stringify({
          event_id: `e${i}`,
          event_type: 'llm_call',
          timestamp: T0 - 1000,
          tenant_id: 'acme',
          application: 'bot',
          provider: 'openai',
          model: `model-${i}`,
          operation: 'chat',
        }),
      ),
    });
    const tracker = new CardinalityTracker({ maxSeriesPerTenant: 5, periodMs: HOUR });
    const result = validateMessages(
      Array.from({ length: 12 }, (_, i) => raw(i)),
      context,
      new RecentIds(100),
      1 << 20,
      tracker,
    );
    expect(result.valid).toHaveLength(12);
    expect(result.folded).toEqual({ model: 7, series: 0 });
    expect(result.alerts).toHaveLength(1);
    const models = result.valid.map((v) => parseSeriesKey(v.key).model);
    expect(models).toEqual([...Array.from({ length: 5 }, (_, i) => `model-${i}`), ...Array(7).fill(OTHER)]);
    const last = eventCodec.decode(result.valid[11]!.value);
    expect(last.model).toBe(OTHER);
    expect(last.attributes[FOLDED_MODEL_ATTRIBUTE]).toBe('model-11');
  });
});

describe('validator output bounds', () => {
  it('cuts the value of a dead letter above the size limit and says how big it was', () => {
    const letter = {
      key: null,
      value: Buffer.alloc(3000, 1),
      headers: { 'aiops.dlq.reason': 'message_too_large' },
    };
    const bounded = boundDeadLetter(letter, 2000, 100);
    expect((bounded.value as Buffer).length).toBe(100);
    expect(bounded.headers).toEqual({
      'aiops.dlq.reason': 'message_too_large',
      'aiops.dlq.original_bytes': '3000',
    });
    const small = { key: null, value: Buffer.alloc(1500, 1), headers: {} };
    expect(boundDeadLetter(small, 2000, 100)).toBe(small);
  });
});
