import type { Alert } from '@aiops/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type IncidentChange,
  IncidentEngine,
  type IncidentEngineSnapshot,
  type IncidentsConfig,
  type Silence,
} from '../src/index.js';
import { config, HOUR, MIN, SEC, seriesAlert, T0 } from './fixtures.js';

/** One input to the engine; alerts and advances carry an event-time step so the stream moves forward. */
type Op =
  | { kind: 'fire'; series: number; detector: string; tenant: string; step: number }
  | { kind: 'resolve'; series: number; step: number }
  | { kind: 'advance'; step: number }
  | { kind: 'silence'; tenant: string; hours: number }
  | { kind: 'ack'; by: string }
  | { kind: 'assign'; to: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('fire' as const),
      series: fc.integer({ min: 0, max: 5 }),
      detector: fc.constantFrom('outage', 'errors', 'latency', 'cost'),
      tenant: fc.constantFrom('acme', 'globex'),
      step: fc.integer({ min: 0, max: 3 * MIN }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('resolve' as const),
      series: fc.integer({ min: 0, max: 5 }),
      step: fc.integer({ min: 0, max: 3 * MIN }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      step: fc.integer({ min: 0, max: 5 * HOUR }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('silence' as const),
      tenant: fc.constantFrom('acme', 'globex'),
      hours: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('ack' as const), by: fc.constantFrom('dana', 'lee') }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('assign' as const), to: fc.constantFrom('kim', 'pat') }),
  },
);

const CONFIG: IncidentsConfig = config({
  route: {
    receiver: 'default',
    routes: [
      { receiver: 'platform', group_by: ['provider', 'detector_family'], continue: true },
      { receiver: 'pagerduty', matchers: ['severity=critical'], continue: true },
      { receiver: 'slack-acme', matchers: ['tenant_id=acme'] },
    ],
  },
  resolved_retention_ms: 6 * HOUR,
});

/**
 * Feeds ops[from, to) to the engine; the driver's own state (event time, firing alerts) is a pure function of
 * the whole op list, so it is recomputed from the start and only the engine calls are limited to the range.
 */
function drive(
  engine: IncidentEngine,
  ops: readonly Op[],
  from: number,
  to: number,
  afterEach: () => void = () => {},
): string[] {
  const out: string[] = [];
  let time = T0;
  const firing = new Map<number, Alert>();
  for (let i = 0; i < to; i++) {
    const op = ops[i] as Op;
    const live = i >= from;
    switch (op.kind) {
      case 'fire': {
        time += op.step;
        const current = firing.get(op.series);
        const alert =
          current !== undefined
            ? { ...current, notified_at: time }
            : seriesAlert(`model-${op.series}`, {
                detector: op.detector,
                tenant_id: op.tenant,
                severity: op.series % 2 === 0 ? 'critical' : 'warning',
                started_at: time - MIN,
                notified_at: time,
              });
        firing.set(op.series, alert);
        if (live) engine.observeAlert(alert);
        break;
      }
      case 'resolve': {
        time += op.step;
        const current = firing.get(op.series);
        if (current === undefined) break;
        firing.delete(op.series);
        if (live)
          engine.observeAlert({ ...current, status: 'resolved', resolved_at: time, notified_at: time });
        break;
      }
      case 'advance':
        time += op.step;
        if (live) out.push(...engine.advance(time).map((n) => JSON.stringify(n)));
        break;
      case 'silence': {
        const silence: Silence = {
          silence_id: `s-${i}`,
          matchers: [{ name: 'tenant_id', op: '=', value: op.tenant }],
          starts_at: time,
          ends_at: time + op.hours * HOUR,
          created_by: 'dana',
          comment: '',
          created_at: time,
          expired_at: null,
          expired_by: null,
        };
        if (live) engine.putSilence(silence);
        break;
      }
      case 'ack':
      case 'assign': {
        if (!live) break;
        const open = engine.incidents().find((x) => x.status === 'firing');
        if (open === undefined) break;
        const result = engine.applyAction({
          action_id: `act-${i}`,
          kind: op.kind,
          incident_id: open.incident_id,
          by: op.kind === 'ack' ? op.by : 'dana',
          to: op.kind === 'assign' ? op.to : null,
          note: null,
          at: time,
        });
        out.push(JSON.stringify(result));
        break;
      }
    }
    if (live) afterEach();
  }
  if (to === ops.length) {
    out.push(...engine.advance(time + 10 * HOUR).map((n) => JSON.stringify(n)));
    afterEach();
  }
  return out;
}

describe('snapshot and restore', () => {
  it('continues byte for byte from a snapshot taken at any point of any input', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), fc.nat(), (ops, cutSeed) => {
        const cut = cutSeed % (ops.length + 1);
        const whole = drive(new IncidentEngine(CONFIG), ops, 0, ops.length);
        const before = new IncidentEngine(CONFIG);
        const head = drive(before, ops, 0, cut);
        const snapshot = JSON.parse(JSON.stringify(before.snapshot())) as IncidentEngineSnapshot;
        const restored = new IncidentEngine(CONFIG, snapshot);
        const tail = drive(restored, ops, cut, ops.length);
        expect([...head, ...tail]).toEqual(whole);
      }),
      { numRuns: 150 },
    );
  });

  it('continues byte for byte from the changelog (compacted, per key) written up to any point', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), fc.nat(), (ops, cutSeed) => {
        const cut = cutSeed % (ops.length + 1);
        const whole = drive(new IncidentEngine(CONFIG), ops, 0, ops.length);
        const before = new IncidentEngine(CONFIG);
        const log: IncidentChange[] = [];
        const head = drive(before, ops, 0, cut, () => log.push(...before.takeChanges()));
        // What a compacted topic keeps: the last value per key, tombstones dropped.
        const compacted = new Map<string, IncidentChange>();
        for (const change of JSON.parse(JSON.stringify(log)) as IncidentChange[]) {
          if (change.value === null) compacted.delete(change.key);
          else compacted.set(change.key, change);
        }
        const restored = IncidentEngine.fromChanges(CONFIG, compacted.values());
        const tail = drive(restored, ops, cut, ops.length);
        expect([...head, ...tail]).toEqual(whole);
      }),
      { numRuns: 150 },
    );
  });

  it('produces the same notifications twice from the same input (no hidden state)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const a = drive(new IncidentEngine(CONFIG), ops, 0, ops.length);
        const b = drive(new IncidentEngine(CONFIG), ops, 0, ops.length);
        expect(a).toEqual(b);
      }),
      { numRuns: 50 },
    );
  });

  it('keeps no open state once everything resolved and retention passed (memory is bounded)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const engine = new IncidentEngine(CONFIG);
        const resolveAll: Op[] = [0, 1, 2, 3, 4, 5].map((series) => ({ kind: 'resolve', series, step: SEC }));
        drive(engine, [...ops, ...resolveAll], 0, ops.length + resolveAll.length);
        engine.advance(engine.now() + 7 * HOUR);
        const s = engine.snapshot();
        expect([s.groups.length, s.closed.length, s.silences.length, s.outbox.length]).toEqual([0, 0, 0, 0]);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a snapshot that is not one', () => {
    expect(() => new IncidentEngine(CONFIG, { version: 2 } as unknown as IncidentEngineSnapshot)).toThrow();
  });
});
