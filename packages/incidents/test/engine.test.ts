import type { Alert } from '@aiops/contract';
import { describe, expect, it } from 'vitest';
import { type IncidentAction, IncidentEngine, type Notification, type Silence } from '../src/index.js';
import { config, HOUR, MIN, resolvedAt, SEC, seriesAlert, T0 } from './fixtures.js';

const MODELS = ['claude-opus-4', 'claude-sonnet-4', 'claude-haiku-4', 'claude-3-5-haiku'];

function outage(tenant = 'acme', at = T0): Alert[] {
  return MODELS.map((model, i) => seriesAlert(model, { tenant_id: tenant, notified_at: at + i * 5 * SEC }));
}

function summarise(ns: Notification[]) {
  return ns.map((n) => ({
    receiver: n.receiver,
    kind: n.kind,
    at: n.at - T0,
    alerts: n.alerts.length,
  }));
}

const action = (overrides: Partial<IncidentAction>): IncidentAction => ({
  action_id: 'act-1',
  kind: 'ack',
  incident_id: 'missing',
  by: 'dana',
  to: null,
  note: null,
  at: T0,
  ...overrides,
});

describe('grouping and correlation', () => {
  it('turns an outage across four series into one incident per tenant, readable at 3 a.m.', () => {
    const engine = new IncidentEngine(config({ route: { receiver: 'oncall' } }));
    for (const a of [...outage('acme'), ...outage('globex', T0 + 10 * SEC)]) engine.observeAlert(a);
    expect(engine.advance(T0 + 29 * SEC)).toEqual([]);
    const first = engine.advance(T0 + 30 * SEC);
    expect(summarise(first)).toEqual([{ receiver: 'oncall', kind: 'opened', at: 30 * SEC, alerts: 4 }]);
    const incident = first[0]?.incident;
    expect(incident?.title).toBe('anthropic looks down for acme: 4 series, 92 % of calls failing');
    expect(incident?.summary.split('\n')[0]).toMatch(/^- \[critical\] anthropic\/claude-/);
    expect(incident?.group_labels).toEqual({
      detector_family: 'availability',
      provider: 'anthropic',
      tenant_id: 'acme',
    });
    expect(incident?.common_labels).toMatchObject({
      tenant_id: 'acme',
      provider: 'anthropic',
      detector: 'outage',
    });
    expect(incident?.incident_id).toMatch(/^[0-9a-f]{16}$/);
    expect(incident?.severity).toBe('critical');
    // globex's first alert (event time +10 s) arrived after acme's at +15 s: its group opened at +15 s.
    expect(engine.advance(T0 + 44 * SEC)).toEqual([]);
    const second = engine.advance(T0 + 45 * SEC);
    expect(second.map((n) => n.incident.title)).toEqual([
      'anthropic looks down for globex: 4 series, 92 % of calls failing',
    ]);
    // A tenant's notification carries only that tenant's series.
    for (const n of [...first, ...second]) {
      expect(new Set(n.alerts.map((a) => a.tenant_id)).size).toBe(1);
    }
    expect(engine.incidents()).toHaveLength(2);
  });

  it('gives a route without tenant_id in group_by one platform incident across tenants', () => {
    const engine = new IncidentEngine(
      config({
        route: {
          receiver: 'default',
          routes: [
            { receiver: 'platform', group_by: ['provider', 'detector_family'], continue: true },
            { receiver: 'slack-acme', matchers: ['tenant_id=acme'] },
          ],
        },
      }),
    );
    for (const a of [...outage('acme'), ...outage('globex')]) engine.observeAlert(a);
    const out = engine.advance(T0 + MIN);
    expect(summarise(out)).toEqual([
      { receiver: 'platform', kind: 'opened', at: 30 * SEC, alerts: 8 },
      { receiver: 'slack-acme', kind: 'opened', at: 30 * SEC, alerts: 4 },
    ]);
    const byReceiver = new Map(out.map((n) => [n.receiver, n]));
    expect(byReceiver.get('platform')?.incident.title).toBe(
      'anthropic looks down for 2 tenants: 8 series, 92 % of calls failing',
    );
    expect(byReceiver.get('slack-acme')?.alerts.every((a) => a.tenant_id === 'acme')).toBe(true);
    // The root takes an alert only when no child route does (Alertmanager): globex went to platform only.
    expect(byReceiver.has('default')).toBe(false);
  });

  it('adds a series that starts later to the open incident and says so after group_interval', () => {
    const engine = new IncidentEngine(config({ route: { receiver: 'oncall' } }));
    const [a, b, c] = outage();
    engine.observeAlert(a as Alert);
    engine.observeAlert(b as Alert);
    expect(summarise(engine.advance(T0 + 30 * SEC))).toEqual([
      { receiver: 'oncall', kind: 'opened', at: 30 * SEC, alerts: 2 },
    ]);
    engine.observeAlert({ ...(c as Alert), notified_at: T0 + 2 * MIN });
    expect(engine.advance(T0 + 5 * MIN)).toEqual([]);
    const updated = engine.advance(T0 + 5 * MIN + 30 * SEC);
    expect(summarise(updated)).toEqual([
      { receiver: 'oncall', kind: 'updated', at: 5 * MIN + 30 * SEC, alerts: 3 },
    ]);
    expect(updated[0]?.incident.incident_id).toBe(engine.incidents()[0]?.incident_id);
  });

  it('describes latency and unknown families from observed/expected', () => {
    const engine = new IncidentEngine(config({ route: { receiver: 'r' } }));
    engine.observeAlert(
      seriesAlert('claude-opus-4', {
        detector: 'latency',
        severity: 'warning',
        observed: 2400,
        expected: 800,
        evidence: { metric: 'latency_p95' },
      }),
    );
    engine.observeAlert(seriesAlert('claude-opus-4', { detector: 'agent_loop', severity: 'warning' }));
    const titles = engine.advance(T0 + MIN).map((n) => n.incident.title);
    expect(titles).toEqual([
      'anthropic has agent_loop alerts for acme: 1 series (agent_loop)',
      'anthropic is slow for acme: 1 series, latency_p95 up to 2400 ms (expected 800 ms)',
    ]);
  });
});

describe('inhibition', () => {
  it('mutes error-rate and latency notifications on a series with an outage alert', () => {
    const engine = new IncidentEngine(config({ route: { receiver: 'oncall' } }));
    const [down] = outage();
    const errors = seriesAlert('claude-opus-4', { detector: 'errors', severity: 'warning' });
    const latency = seriesAlert('claude-opus-4', { detector: 'latency', severity: 'warning', evidence: {} });
    const otherSeriesLatency = seriesAlert('claude-sonnet-4', { detector: 'latency', severity: 'warning' });
    for (const a of [down as Alert, errors, latency, otherSeriesLatency]) engine.observeAlert(a);
    const out = engine.advance(T0 + MIN);
    expect(
      out.map((n) => [
        n.incident.group_labels.detector_family,
        n.alerts.map((a) => `${a.detector}/${a.model}`),
      ]),
    ).toEqual([
      ['availability', ['outage/claude-opus-4']],
      ['latency', ['latency/claude-sonnet-4']],
    ]);
    // Muted alerts stay members of their incidents: inhibition applies to notifications only.
    const availability = engine.incidents().find((i) => i.group_labels.detector_family === 'availability');
    expect(availability?.member_alert_ids).toHaveLength(2);
  });

  it('sends nothing for an incident whose every alert is inhibited, and lets it speak once the source resolves', () => {
    const engine = new IncidentEngine(config({ route: { receiver: 'oncall' } }));
    const down = seriesAlert('claude-opus-4');
    const latency = seriesAlert('claude-opus-4', { detector: 'latency', severity: 'warning' });
    engine.observeAlert(down);
    engine.observeAlert(latency);
    expect(engine.advance(T0 + MIN).map((n) => n.incident.group_labels.detector_family)).toEqual([
      'availability',
    ]);
    engine.observeAlert(resolvedAt(down, T0 + 2 * MIN));
    const out = engine.advance(T0 + 6 * MIN);
    expect(out.map((n) => [n.kind, n.incident.group_labels.detector_family])).toEqual([
      ['resolved', 'availability'],
      ['opened', 'latency'],
    ]);
  });

  it('is configurable: no rules, no muting', () => {
    const engine = new IncidentEngine(config({ route: { receiver: 'oncall' }, inhibit_rules: [] }));
    engine.observeAlert(seriesAlert('claude-opus-4'));
    engine.observeAlert(seriesAlert('claude-opus-4', { detector: 'errors' }));
    expect(engine.advance(T0 + MIN)[0]?.alerts).toHaveLength(2);
  });
});

describe('timing: group_wait, group_interval, repeat_interval, resolve', () => {
  it('repeats an unchanged incident after repeat_interval, at a group_interval tick, and resolves at the next tick', () => {
    const engine = new IncidentEngine(config({ route: { receiver: 'oncall' } }));
    const alerts = outage();
    for (const a of alerts) engine.observeAlert(a);
    expect(summarise(engine.advance(T0 + 4 * HOUR))).toEqual([
      { receiver: 'oncall', kind: 'opened', at: 30 * SEC, alerts: 4 },
    ]);
    expect(summarise(engine.advance(T0 + 4 * HOUR + 30 * SEC))).toEqual([
      { receiver: 'oncall', kind: 'repeat', at: 4 * HOUR + 30 * SEC, alerts: 4 },
    ]);
    // A re-notification of a firing alert (the detector repeats long alerts) changes nothing.
    engine.observeAlert({ ...(alerts[0] as Alert), notified_at: T0 + 4 * HOUR + MIN });
    expect(engine.advance(T0 + 4 * HOUR + 6 * MIN)).toEqual([]);
    for (const a of alerts.slice(0, 3)) engine.observeAlert(resolvedAt(a, T0 + 4 * HOUR + 7 * MIN));
    expect(engine.incidents()[0]?.status).toBe('firing');
    for (const a of alerts.slice(3)) engine.observeAlert(resolvedAt(a, T0 + 4 * HOUR + 12 * MIN));
    expect(engine.incidents()[0]?.status).toBe('resolved');
    expect(engine.incidents()[0]?.resolved_at).toBe(T0 + 4 * HOUR + 12 * MIN);
    const out = engine.advance(T0 + 5 * HOUR);
    // Three resolved at +7 min: an update (fewer firing) at the +10:30 tick; the last, at +12 min, closes it at +15:30.
    expect(summarise(out)).toEqual([
      { receiver: 'oncall', kind: 'updated', at: 4 * HOUR + 10 * MIN + 30 * SEC, alerts: 4 },
      { receiver: 'oncall', kind: 'resolved', at: 4 * HOUR + 15 * MIN + 30 * SEC, alerts: 4 },
    ]);
    expect(out[1]?.status).toBe('resolved');
    expect(out[1]?.incident.title).toBe(
      'Resolved: anthropic looks down for acme: 4 series, 92 % of calls failing',
    );
    expect(new Set([...out].map((n) => n.notification_id)).size).toBe(2);
  });

  it('opens a new incident with a new id when the problem comes back after resolving', () => {
    const engine = new IncidentEngine(config({ route: { receiver: 'oncall' } }));
    const a = seriesAlert('claude-opus-4');
    engine.observeAlert(a);
    engine.observeAlert(resolvedAt(a, T0 + 2 * MIN));
    const first = engine.advance(T0 + 10 * MIN);
    expect(first.map((n) => n.kind)).toEqual(['opened', 'resolved']);
    const again = seriesAlert('claude-opus-4', { started_at: T0 + 20 * MIN, notified_at: T0 + 21 * MIN });
    engine.observeAlert(again);
    const second = engine.advance(T0 + 22 * MIN);
    expect(second.map((n) => n.kind)).toEqual(['opened']);
    expect(second[0]?.incident.incident_id).not.toBe(first[0]?.incident.incident_id);
    // A stale firing copy of the resolved alert opens nothing.
    engine.observeAlert(a);
    expect(engine.advance(T0 + 30 * MIN)).toEqual([]);
  });

  it('resolves silently an incident that resolved before anyone was told', () => {
    const engine = new IncidentEngine(config({ route: { receiver: 'oncall' } }));
    const a = seriesAlert('claude-opus-4');
    engine.observeAlert(a);
    engine.observeAlert(resolvedAt(a, T0 + 10 * SEC));
    expect(engine.advance(T0 + HOUR)).toEqual([]);
    expect(engine.incidents().map((i) => i.status)).toEqual(['resolved']);
  });

  it('takes the timers from the alert stream alone, whenever advance() is called', () => {
    const alerts = outage();
    const late = seriesAlert('claude-opus-4-1', { detector: 'latency', notified_at: T0 + 10 * MIN });
    const once = new IncidentEngine(config({ route: { receiver: 'oncall' } }));
    const often = new IncidentEngine(config({ route: { receiver: 'oncall' } }));
    const fromOften: Notification[] = [];
    for (const a of [...alerts, late]) {
      once.observeAlert(a);
      often.observeAlert(a);
      fromOften.push(...often.advance(a.notified_at));
    }
    fromOften.push(...often.advance(T0 + 11 * MIN));
    expect(JSON.stringify(once.advance(T0 + 11 * MIN))).toBe(JSON.stringify(fromOften));
    expect(fromOften.map((n) => n.at - T0)).toEqual([30 * SEC, 10 * MIN + 30 * SEC]);
  });

  it('drops resolved incidents after the retention period', () => {
    const engine = new IncidentEngine(config({ route: { receiver: 'oncall' }, resolved_retention_ms: HOUR }));
    const a = seriesAlert('claude-opus-4');
    engine.observeAlert(a);
    engine.observeAlert(resolvedAt(a, T0 + MIN));
    engine.advance(T0 + 10 * MIN);
    expect(engine.incidents()).toHaveLength(1);
    engine.advance(T0 + MIN + HOUR);
    expect(engine.incidents()).toHaveLength(0);
    expect(engine.snapshot().closed).toHaveLength(0);
  });
});

describe('silences', () => {
  const silence = (overrides: Partial<Silence> = {}): Silence => ({
    silence_id: 's-1',
    matchers: [{ name: 'provider', op: '=', value: 'anthropic' }],
    starts_at: T0 - MIN,
    ends_at: T0 + 2 * HOUR,
    created_by: 'dana',
    comment: 'anthropic status page says degraded',
    created_at: T0 - MIN,
    expired_at: null,
    expired_by: null,
    ...overrides,
  });

  it('mutes notifications while active, shows on the incident, and lets it open after the silence ends', () => {
    const engine = new IncidentEngine(config({ route: { receiver: 'oncall' } }));
    engine.putSilence(silence());
    for (const a of outage()) engine.observeAlert(a);
    expect(engine.advance(T0 + HOUR)).toEqual([]);
    expect(engine.incidents()[0]?.silenced_by).toEqual(['s-1']);
    expect(engine.incidents()[0]?.member_alert_ids).toHaveLength(4);
    const out = engine.advance(T0 + 2 * HOUR + 5 * MIN);
    expect(summarise(out)).toEqual([
      { receiver: 'oncall', kind: 'opened', at: 2 * HOUR + 30 * SEC, alerts: 4 },
    ]);
    expect(out[0]?.incident.silenced_by).toEqual([]);
  });

  it('ends early when expired by hand, and mutes only matching alerts', () => {
    const engine = new IncidentEngine(config({ route: { receiver: 'oncall' } }));
    engine.putSilence(silence({ matchers: [{ name: 'model', op: '=~', value: 'claude-opus-.*' }] }));
    for (const a of outage()) engine.observeAlert(a);
    const first = engine.advance(T0 + MIN);
    expect(first[0]?.alerts.map((a) => a.model)).toEqual([
      'claude-3-5-haiku',
      'claude-haiku-4',
      'claude-sonnet-4',
    ]);
    expect(first[0]?.incident.silenced_by).toEqual(['s-1']);
    engine.putSilence(
      silence({
        matchers: [{ name: 'model', op: '=~', value: 'claude-opus-.*' }],
        expired_at: T0 + 2 * MIN,
        expired_by: 'dana',
      }),
    );
    const next = engine.advance(T0 + 6 * MIN);
    expect(summarise(next)).toEqual([
      { receiver: 'oncall', kind: 'updated', at: 5 * MIN + 30 * SEC, alerts: 4 },
    ]);
  });

  it('applies to notifications, not detection: a silenced incident still resolves', () => {
    const engine = new IncidentEngine(config({ route: { receiver: 'oncall' } }));
    engine.putSilence(silence());
    const a = seriesAlert('claude-opus-4');
    engine.observeAlert(a);
    engine.observeAlert(resolvedAt(a, T0 + MIN));
    expect(engine.advance(T0 + 10 * MIN)).toEqual([]);
    expect(engine.incidents()[0]?.status).toBe('resolved');
  });
});

describe('ack and assign', () => {
  function opened() {
    const engine = new IncidentEngine(config({ route: { receiver: 'oncall' } }));
    for (const a of outage()) engine.observeAlert(a);
    const [n] = engine.advance(T0 + MIN);
    return { engine, id: n?.incident.incident_id as string };
  }

  it('stops repeats once acknowledged and puts the owner on every later notification', () => {
    const { engine, id } = opened();
    const acked = engine.applyAction(action({ incident_id: id, at: T0 + 2 * MIN, note: 'looking' }));
    expect(acked).toMatchObject({
      incident: { acknowledged_by: 'dana', acknowledged_at: T0 + 2 * MIN, owner: 'dana' },
    });
    expect(engine.advance(T0 + 9 * HOUR)).toEqual([]);
    engine.observeAlert(seriesAlert('claude-opus-4-1', { notified_at: T0 + 9 * HOUR }));
    const out = engine.advance(T0 + 10 * HOUR);
    expect(out.map((n) => [n.kind, n.incident.owner])).toEqual([['updated', 'dana']]);
  });

  it('assigns an owner; unack brings the repeats back', () => {
    const { engine, id } = opened();
    engine.applyAction(action({ incident_id: id }));
    const assigned = engine.applyAction(
      action({ action_id: 'act-2', kind: 'assign', incident_id: id, to: 'lee' }),
    );
    expect('incident' in assigned && assigned.incident.owner).toBe('lee');
    engine.applyAction(action({ action_id: 'act-3', kind: 'unack', incident_id: id }));
    const out = engine.advance(T0 + 5 * HOUR);
    expect(out.map((n) => [n.kind, n.incident.owner, n.incident.acknowledged_by])).toEqual([
      ['repeat', 'lee', null],
    ]);
  });

  it.each([
    [{ incident_id: 'nope' }, 'unknown incident nope'],
    [{ by: '' }, 'by: must not be empty'],
    [{ by: '   ' }, 'by: must not be empty'],
    [{ kind: 'assign' as const, to: null }, 'to: assign needs `to`'],
  ])('refuses %o with a reason', (overrides, reason) => {
    const { engine, id } = opened();
    const result = engine.applyAction(action({ incident_id: id, ...overrides }));
    expect(result).toEqual({ error: reason });
  });

  it('lists the incidents that changed since last asked, for the incidents table', () => {
    const { engine, id } = opened();
    expect(engine.takeChangedIncidents().map((i) => i.incident_id)).toEqual([id]);
    expect(engine.takeChangedIncidents()).toEqual([]);
    engine.applyAction(action({ incident_id: id, kind: 'assign', to: 'lee' }));
    expect(engine.takeChangedIncidents().map((i) => [i.incident_id, i.owner])).toEqual([[id, 'lee']]);
    for (const a of outage()) engine.observeAlert(resolvedAt(a, T0 + 2 * MIN));
    expect(engine.takeChangedIncidents().map((i) => i.status)).toEqual(['resolved']);
  });

  it('applies an action once (replays of the actions topic are idempotent) and refuses to ack a resolved incident', () => {
    const { engine, id } = opened();
    engine.applyAction(action({ incident_id: id, kind: 'assign', to: 'lee' }));
    engine.applyAction(action({ action_id: 'act-2', incident_id: id, kind: 'assign', to: 'kim' }));
    expect(engine.applyAction(action({ incident_id: id, kind: 'assign', to: 'lee' }))).toMatchObject({
      incident: { owner: 'kim' },
    });
    for (const a of outage()) engine.observeAlert(resolvedAt(a, T0 + 2 * MIN));
    expect(engine.applyAction(action({ action_id: 'act-9', incident_id: id }))).toEqual({
      error: `incident ${id} is already resolved`,
    });
    engine.advance(T0 + HOUR);
    expect(
      engine.applyAction(action({ action_id: 'act-10', kind: 'assign', incident_id: id, to: 'pat' })),
    ).toMatchObject({
      incident: { owner: 'pat', status: 'resolved' },
    });
  });
});
