/**
 * The incident engine: Alertmanager's dispatcher, aggregation groups and mute stages as one pure, deterministic,
 * snapshot-able state machine. Alerts go in (observeAlert), silences and people's actions are applied as state,
 * and advance(now) returns the notifications that are due.
 *
 * Clock: one monotone engine clock, the largest of every alert's `notified_at` (event time) and every
 * advance(now). A group's timers are set on that clock; a timer fires when the clock passes it, at its due time.
 * Before an alert joins, the timers due before its `notified_at` fire first, so an alert stream alone (replayed,
 * in tests, bench and demo) gives the same notifications however advance() is called. Only advance(now) beyond
 * the last alert's event time — the shell's wall-clock tick — is a wall-clock decision.
 */
import { fnv1a64, severityRank } from '@aiops/alerts';
import { type Alert, alertSchema } from '@aiops/contract';
import { z } from 'zod';
import { describeIncident } from './describe.js';
import { type FiringAlert, isInhibited } from './inhibit.js';
import { alertLabels, formatLabels, type Labels } from './labels.js';
import {
  type Incident,
  type IncidentAction,
  type IncidentsConfig,
  incidentActionSchema,
  incidentSchema,
  type Notification,
  type NotificationKind,
  notificationSchema,
  type Silence,
  silenceSchema,
} from './model.js';
import { compileRoutes, groupLabelsOf, matchRoutes, type Route } from './routing.js';
import { silenceOver, silencesMuting } from './silences.js';

const SNAPSHOT_VERSION = 1;

const groupSnapshotSchema = z.strictObject({
  route_path: z.string(),
  group_interval_ms: z.number(),
  repeat_interval_ms: z.number(),
  incident: incidentSchema,
  members: z.array(alertSchema),
  next_flush_at: z.number(),
  announced: z.boolean(),
  last_notified_at: z.number().nullable(),
  notified_firing: z.array(z.string()),
  notified_severity: z.string().nullable(),
  sequence: z.number().int(),
  peak_title: z.string(),
  peak_firing: z.number().int(),
  action_ids: z.array(z.string()),
});

const closedSnapshotSchema = z.strictObject({ incident: incidentSchema, action_ids: z.array(z.string()) });

/** The engine's whole state as JSON. It holds open incidents, recently resolved ones and live silences only. */
export const incidentEngineSnapshotSchema = z.strictObject({
  version: z.literal(SNAPSHOT_VERSION),
  clock: z.number(),
  outbox: z.array(notificationSchema),
  silences: z.array(silenceSchema),
  groups: z.array(groupSnapshotSchema),
  closed: z.array(closedSnapshotSchema),
});
export type IncidentEngineSnapshot = z.infer<typeof incidentEngineSnapshotSchema>;

/**
 * One entry of the engine's changelog (a compacted topic: `key` is the record key, a null `value` a tombstone).
 * State that grows with incidents is checkpointed per group, per resolved incident and per silence;
 * `meta` holds the clock and the notifications not yet returned by advance().
 */
export const incidentChangeSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('meta'),
    key: z.literal('meta'),
    value: z.strictObject({
      version: z.literal(SNAPSHOT_VERSION),
      clock: z.number(),
      outbox: z.array(notificationSchema),
    }),
  }),
  z.strictObject({ kind: z.literal('group'), key: z.string(), value: groupSnapshotSchema.nullable() }),
  z.strictObject({ kind: z.literal('closed'), key: z.string(), value: closedSnapshotSchema.nullable() }),
  z.strictObject({ kind: z.literal('silence'), key: z.string(), value: silenceSchema.nullable() }),
]);
export type IncidentChange = z.infer<typeof incidentChangeSchema>;
type GroupSnapshot = z.infer<typeof groupSnapshotSchema>;
type ChangeKind = Exclude<IncidentChange['kind'], 'meta'>;

/** One aggregation group (route + group labels) while its incident is open. */
interface Group {
  readonly key: string;
  readonly routePath: string;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  incident: Incident;
  /** alert_id -> the alert as last seen, with its labels. */
  readonly members: Map<string, { alert: Alert; labels: Labels }>;
  nextFlushAt: number;
  /** An 'opened' notification went out: later flushes update, repeat and resolve it. */
  announced: boolean;
  lastNotifiedAt: number | null;
  /** Sorted ids of the firing alerts the last notification showed. */
  notifiedFiring: string[];
  notifiedSeverity: string | null;
  sequence: number;
  /** The title at the most firing alerts so far: a resolved incident keeps the words of its worst moment. */
  peakTitle: string;
  peakFiring: number;
  /** Members changed since the derived fields (status, severity, title...) were computed. */
  stale: boolean;
  actionIds: string[];
}

interface Closed {
  incident: Incident;
  actionIds: string[];
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byAlert(a: Alert, b: Alert): number {
  return a.started_at - b.started_at || byString(a.alert_id, b.alert_id);
}

export class IncidentEngine {
  private readonly config: IncidentsConfig;
  private readonly root: Route;
  private clock = 0;
  private outbox: Notification[] = [];
  private readonly silences = new Map<string, Silence>();
  /** Open groups by `${route path}\u001e${group key}`. */
  private readonly groups = new Map<string, Group>();
  /** incident_id -> key of its open group. */
  private readonly openById = new Map<string, string>();
  /** alert_id -> keys of the open groups it is a member of. */
  private readonly groupsOfAlert = new Map<string, Set<string>>();
  /** Resolved incidents kept for `resolved_retention_ms`, by incident_id (insertion order = resolve order). */
  private readonly closed = new Map<string, Closed>();
  /** alert_id -> the closed incident it resolved in: a stale firing copy of it opens nothing. */
  private readonly resolvedAlerts = new Map<string, string>();
  /** Changelog keys changed since takeChanges(), with what they name. */
  private readonly dirty = new Map<string, { kind: ChangeKind; id: string }>();
  private metaDirty = false;
  /** Incidents changed since takeChangedIncidents(). */
  private readonly changedIncidents = new Set<string>();

  constructor(config: IncidentsConfig, snapshot?: IncidentEngineSnapshot) {
    this.config = config;
    this.root = compileRoutes(config.route);
    if (snapshot !== undefined) this.restore(incidentEngineSnapshotSchema.parse(snapshot));
  }

  /** The engine clock: the latest event time or advance() seen. */
  now(): number {
    return this.clock;
  }

  observeAlert(alert: Alert): void {
    this.runTimers(alert.notified_at);
    if (this.resolvedAlerts.has(alert.alert_id)) return;
    const labels = alertLabels(alert);
    const keys = new Set(this.groupsOfAlert.get(alert.alert_id) ?? []);
    // A resolved alert only closes what it opened; it never opens an incident.
    if (alert.status === 'firing') {
      for (const route of matchRoutes(this.root, labels)) keys.add(this.groupFor(route, labels).key);
    }
    for (const key of [...keys].sort()) {
      const group = this.groups.get(key);
      if (group !== undefined) this.upsert(group, alert, labels);
    }
  }

  putSilence(silence: Silence): void {
    if (silenceOver(silence, this.clock)) this.silences.delete(silence.silence_id);
    else this.silences.set(silence.silence_id, structuredClone(silence));
    this.mark('silence', silence.silence_id);
  }

  applyAction(action: IncidentAction): { incident: Incident } | { error: string } {
    const parsed = incidentActionSchema.safeParse(action);
    if (!parsed.success) {
      return {
        error: parsed.error.issues.map((i) => `${i.path.join('.') || 'action'}: ${i.message}`).join('; '),
      };
    }
    const a = parsed.data;
    const groupKey = this.openById.get(a.incident_id);
    const group = groupKey === undefined ? undefined : this.groups.get(groupKey);
    const target: { incident: Incident; actionIds: string[] } | undefined =
      group === undefined ? this.closed.get(a.incident_id) : this.fresh(group);
    if (target === undefined) return { error: `unknown incident ${a.incident_id}` };
    if (target.actionIds.includes(a.action_id)) return { incident: structuredClone(target.incident) };
    const incident = target.incident;
    switch (a.kind) {
      case 'ack':
        if (incident.status === 'resolved') return { error: `incident ${a.incident_id} is already resolved` };
        if (incident.acknowledged_at === null) {
          incident.acknowledged_at = a.at;
          incident.acknowledged_by = a.by;
        }
        incident.owner ??= a.by;
        break;
      case 'unack':
        incident.acknowledged_at = null;
        incident.acknowledged_by = null;
        break;
      case 'assign':
        incident.owner = a.to;
        break;
    }
    target.actionIds.push(a.action_id);
    if (group !== undefined) this.markGroup(group);
    else this.mark('closed', incident.incident_id);
    this.changedIncidents.add(incident.incident_id);
    return { incident: structuredClone(incident) };
  }

  advance(now: number): Notification[] {
    this.runTimers(now);
    const out = this.outbox;
    if (out.length > 0) this.metaDirty = true;
    this.outbox = [];
    return out;
  }

  /**
   * The changelog entries since the last call (keys sorted): write them to a compacted topic before committing
   * the input offsets, and `IncidentEngine.fromChanges(config, entries)` rebuilds the engine from that topic.
   */
  takeChanges(): IncidentChange[] {
    this.refreshAll();
    const out: IncidentChange[] = [];
    if (this.metaDirty) {
      out.push({
        kind: 'meta',
        key: 'meta',
        value: { version: SNAPSHOT_VERSION, clock: this.clock, outbox: structuredClone(this.outbox) },
      });
    }
    for (const key of [...this.dirty.keys()].sort()) {
      const { kind, id } = this.dirty.get(key) as { kind: ChangeKind; id: string };
      if (kind === 'group') {
        const group = this.groups.get(id);
        out.push({ kind, key, value: group === undefined ? null : groupSnapshot(group) });
      } else if (kind === 'closed') {
        const closed = this.closed.get(id);
        out.push({
          kind,
          key,
          value:
            closed === undefined
              ? null
              : { incident: structuredClone(closed.incident), action_ids: [...closed.actionIds] },
        });
      } else {
        const silence = this.silences.get(id);
        out.push({ kind, key, value: silence === undefined ? null : structuredClone(silence) });
      }
    }
    this.dirty.clear();
    this.metaDirty = false;
    return out;
  }

  /** Rebuilds an engine from changelog entries in the order they were written (later entries of a key win). */
  static fromChanges(config: IncidentsConfig, changes: Iterable<IncidentChange>): IncidentEngine {
    const latest = new Map<string, IncidentChange>();
    for (const change of changes) latest.set(change.key, incidentChangeSchema.parse(change));
    const snapshot: IncidentEngineSnapshot = {
      version: SNAPSHOT_VERSION,
      clock: 0,
      outbox: [],
      silences: [],
      groups: [],
      closed: [],
    };
    for (const change of latest.values()) {
      switch (change.kind) {
        case 'meta':
          snapshot.clock = change.value.clock;
          snapshot.outbox = change.value.outbox;
          break;
        case 'group':
          if (change.value !== null) snapshot.groups.push(change.value);
          break;
        case 'closed':
          if (change.value !== null) snapshot.closed.push(change.value);
          break;
        case 'silence':
          if (change.value !== null) snapshot.silences.push(change.value);
          break;
      }
    }
    return new IncidentEngine(config, snapshot);
  }

  /**
   * The incidents that changed since the last call (opened, new members, status, severity, silenced_by, ack,
   * owner), in opening order: what the shell writes to the incidents table. Dropped ones are not listed.
   */
  takeChangedIncidents(): Incident[] {
    this.refreshAll();
    const out: Incident[] = [];
    for (const id of this.changedIncidents) {
      const key = this.openById.get(id);
      const incident = key !== undefined ? this.groups.get(key)?.incident : this.closed.get(id)?.incident;
      if (incident !== undefined) out.push(structuredClone(incident));
    }
    this.changedIncidents.clear();
    return out.sort((a, b) => a.opened_at - b.opened_at || byString(a.incident_id, b.incident_id));
  }

  /** Open incidents, then the recently resolved ones, each in the order they opened. */
  incidents(): Incident[] {
    this.refreshAll();
    const open = [...this.groups.values()].map((g) => g.incident);
    const closed = [...this.closed.values()].map((c) => c.incident);
    const ordered = [...open, ...closed].sort(
      (a, b) => a.opened_at - b.opened_at || byString(a.incident_id, b.incident_id),
    );
    return ordered.map((i) => structuredClone(i));
  }

  snapshot(): IncidentEngineSnapshot {
    this.refreshAll();
    const groups = [...this.groups.values()].map(groupSnapshot);
    return {
      version: SNAPSHOT_VERSION,
      clock: this.clock,
      outbox: structuredClone(this.outbox),
      silences: [...this.silences.values()].map((s) => structuredClone(s)),
      groups,
      closed: [...this.closed.values()].map((c) => ({
        incident: structuredClone(c.incident),
        action_ids: [...c.actionIds],
      })),
    };
  }

  private restore(s: IncidentEngineSnapshot): void {
    this.clock = s.clock;
    this.outbox = structuredClone(s.outbox);
    for (const silence of s.silences) this.silences.set(silence.silence_id, structuredClone(silence));
    for (const g of s.groups) {
      const incident = structuredClone(g.incident);
      const group: Group = {
        key: groupMapKey(g.route_path, incident.group_key),
        routePath: g.route_path,
        groupIntervalMs: g.group_interval_ms,
        repeatIntervalMs: g.repeat_interval_ms,
        incident,
        members: new Map(
          g.members.map((a) => [a.alert_id, { alert: structuredClone(a), labels: alertLabels(a) }]),
        ),
        nextFlushAt: g.next_flush_at,
        announced: g.announced,
        lastNotifiedAt: g.last_notified_at,
        notifiedFiring: [...g.notified_firing],
        notifiedSeverity: g.notified_severity,
        sequence: g.sequence,
        peakTitle: g.peak_title,
        peakFiring: g.peak_firing,
        stale: false,
        actionIds: [...g.action_ids],
      };
      this.addGroup(group);
    }
    for (const c of s.closed)
      this.addClosed({ incident: structuredClone(c.incident), actionIds: [...c.action_ids] });
  }

  private mark(kind: ChangeKind, id: string): void {
    this.dirty.set(`${kind}/${id}`, { kind, id });
  }

  private markGroup(group: Group): void {
    this.mark('group', group.key);
    this.changedIncidents.add(group.incident.incident_id);
  }

  private addGroup(group: Group): void {
    this.groups.set(group.key, group);
    this.openById.set(group.incident.incident_id, group.key);
    for (const id of group.members.keys()) this.index(id, group.key);
  }

  private index(alertId: string, key: string): void {
    let keys = this.groupsOfAlert.get(alertId);
    if (keys === undefined) {
      keys = new Set();
      this.groupsOfAlert.set(alertId, keys);
    }
    keys.add(key);
  }

  /** The open group of this route for these labels, opened now when there is none. */
  private groupFor(route: Route, labels: Labels): Group {
    const groupLabels = groupLabelsOf(route, labels);
    const groupKey = `${route.path}:${formatLabels(groupLabels)}`;
    const key = groupMapKey(route.path, groupKey);
    const existing = this.groups.get(key);
    if (existing !== undefined) return existing;
    const openedAt = this.clock;
    const incident: Incident = {
      incident_id: fnv1a64(`${route.path}\u001f${groupKey}\u001f${openedAt}`),
      group_key: groupKey,
      route_receiver: route.receiver,
      status: 'firing',
      severity: 'info',
      title: '',
      summary: '',
      group_labels: groupLabels,
      common_labels: {},
      member_alert_ids: [],
      firing_alert_ids: [],
      opened_at: openedAt,
      updated_at: openedAt,
      acknowledged_at: null,
      acknowledged_by: null,
      owner: null,
      resolved_at: null,
      silenced_by: [],
    };
    const group: Group = {
      key,
      routePath: route.path,
      groupIntervalMs: route.groupIntervalMs,
      repeatIntervalMs: route.repeatIntervalMs,
      incident,
      members: new Map(),
      nextFlushAt: openedAt + route.groupWaitMs,
      announced: false,
      lastNotifiedAt: null,
      notifiedFiring: [],
      notifiedSeverity: null,
      sequence: 0,
      peakTitle: '',
      peakFiring: 0,
      stale: false,
      actionIds: [],
    };
    this.addGroup(group);
    this.markGroup(group);
    return group;
  }

  private upsert(group: Group, alert: Alert, labels: Labels): void {
    const seen = group.members.get(alert.alert_id);
    if (seen !== undefined) {
      // A replay or an older copy changes nothing; a repeat of a firing alert only refreshes its values.
      if (alert.notified_at < seen.alert.notified_at) return;
      if (alert.notified_at === seen.alert.notified_at && alert.status === seen.alert.status) return;
      if (seen.alert.status === 'resolved' && alert.status === 'firing') return;
    }
    group.members.set(alert.alert_id, { alert: structuredClone(alert), labels });
    this.index(alert.alert_id, group.key);
    group.stale = true;
    group.incident.updated_at = this.clock;
    this.markGroup(group);
  }

  /** Recomputes the incident's derived fields from its members. */
  private refresh(group: Group): void {
    group.stale = false;
    const incident = group.incident;
    const members = [...group.members.values()].map((m) => m.alert).sort(byAlert);
    const firing = members.filter((a) => a.status === 'firing');
    incident.member_alert_ids = members.map((a) => a.alert_id);
    incident.firing_alert_ids = firing.map((a) => a.alert_id);
    incident.status = firing.length > 0 ? 'firing' : 'resolved';
    const ranked = firing.length > 0 ? firing : members;
    let severity: Alert['severity'] = 'info';
    for (const a of ranked) if (severityRank(a.severity) > severityRank(severity)) severity = a.severity;
    incident.severity = severity;
    incident.common_labels = commonLabels([...group.members.values()].map((m) => m.labels));
    // Resolved when the last member did, in event time.
    incident.resolved_at =
      incident.status === 'resolved'
        ? members.reduce((last, a) => Math.max(last, a.resolved_at ?? a.notified_at), 0)
        : null;
    const text = describeIncident(
      incident.group_labels,
      firing,
      members,
      incident.resolved_at === null
        ? null
        : {
            peakTitle:
              group.peakTitle || describeIncident(incident.group_labels, members, members, null).title,
            openedAt: incident.opened_at,
            resolvedAt: incident.resolved_at,
          },
    );
    incident.title = text.title;
    incident.summary = text.summary;
  }

  /** Derived fields are recomputed once per batch of member changes, before anything reads them. */
  private fresh(group: Group): Group {
    if (group.stale) this.refresh(group);
    return group;
  }

  private refreshAll(): void {
    for (const g of this.groups.values()) this.fresh(g);
  }

  /** Fires every group timer due at or before `target`, in due-time order, then moves the clock to `target`. */
  private runTimers(target: number): void {
    for (;;) {
      let next: Group | undefined;
      for (const g of this.groups.values()) {
        if (g.nextFlushAt > target) continue;
        if (
          next === undefined ||
          g.nextFlushAt < next.nextFlushAt ||
          (g.nextFlushAt === next.nextFlushAt && g.key < next.key)
        ) {
          next = g;
        }
      }
      if (next === undefined) break;
      this.moveClock(next.nextFlushAt);
      this.flush(next);
    }
    this.moveClock(target);
    this.dropExpired();
  }

  private moveClock(to: number): void {
    if (to <= this.clock) return;
    this.clock = to;
    this.metaDirty = true;
  }

  private firingAlerts(): FiringAlert[] {
    const seen = new Set<string>();
    const firing: FiringAlert[] = [];
    for (const g of this.groups.values()) {
      for (const m of g.members.values()) {
        if (m.alert.status !== 'firing' || seen.has(m.alert.alert_id)) continue;
        seen.add(m.alert.alert_id);
        firing.push({ alertId: m.alert.alert_id, labels: m.labels });
      }
    }
    return firing;
  }

  /** One flush of a group (Alertmanager's notification pipeline): mute by inhibition and silences, then decide. */
  private flush(group: Group): void {
    this.fresh(group);
    this.markGroup(group);
    const at = this.clock;
    const incident = group.incident;
    if (incident.status === 'firing' && incident.firing_alert_ids.length >= group.peakFiring) {
      group.peakFiring = incident.firing_alert_ids.length;
      group.peakTitle = incident.title;
    }
    const sources = this.config.inhibit_rules.length > 0 ? this.firingAlerts() : [];
    const silencedBy = new Set<string>();
    const visible: Alert[] = [];
    for (const m of group.members.values()) {
      if (m.alert.status === 'resolved') {
        visible.push(m.alert);
        continue;
      }
      const muting = silencesMuting(this.silences.values(), m.labels, at);
      for (const id of muting) silencedBy.add(id);
      if (muting.length > 0) continue;
      if (isInhibited(this.config.inhibit_rules, { alertId: m.alert.alert_id, labels: m.labels }, sources))
        continue;
      visible.push(m.alert);
    }
    visible.sort(byAlert);
    incident.silenced_by = [...silencedBy].sort();
    if (incident.status === 'resolved') {
      if (group.announced) {
        const all = [...group.members.values()].map((m) => m.alert).sort(byAlert);
        this.emit(group, 'resolved', all, at);
      }
      this.close(group);
      return;
    }
    group.nextFlushAt = at + group.groupIntervalMs;
    const visibleFiring = visible.filter((a) => a.status === 'firing').map((a) => a.alert_id);
    if (visibleFiring.length === 0) return; // every firing member is muted: say nothing
    const changed =
      visibleFiring.join(',') !== group.notifiedFiring.join(',') ||
      incident.severity !== group.notifiedSeverity;
    let kind: NotificationKind | null = null;
    if (!group.announced) kind = 'opened';
    else if (changed) kind = 'updated';
    else if (
      incident.acknowledged_at === null &&
      group.lastNotifiedAt !== null &&
      at - group.lastNotifiedAt >= group.repeatIntervalMs
    ) {
      kind = 'repeat';
    }
    if (kind === null) return;
    group.announced = true;
    group.notifiedFiring = visibleFiring;
    group.notifiedSeverity = incident.severity;
    this.emit(group, kind, visible, at);
  }

  private emit(group: Group, kind: NotificationKind, alerts: Alert[], at: number): void {
    const incident = group.incident;
    const sequence = group.sequence++;
    group.lastNotifiedAt = at;
    this.metaDirty = true;
    this.outbox.push({
      notification_id: fnv1a64(`${incident.incident_id}\u001f${incident.route_receiver}\u001f${sequence}`),
      receiver: incident.route_receiver,
      group_key: incident.group_key,
      kind,
      status: incident.status,
      incident: structuredClone(incident),
      alerts: alerts.map((a) => structuredClone(a)),
      at,
    });
  }

  private close(group: Group): void {
    this.groups.delete(group.key);
    this.openById.delete(group.incident.incident_id);
    for (const id of group.members.keys()) {
      const keys = this.groupsOfAlert.get(id);
      keys?.delete(group.key);
      if (keys !== undefined && keys.size === 0) this.groupsOfAlert.delete(id);
    }
    this.addClosed({ incident: group.incident, actionIds: group.actionIds });
    this.mark('closed', group.incident.incident_id);
  }

  private addClosed(closed: Closed): void {
    this.closed.set(closed.incident.incident_id, closed);
    for (const id of closed.incident.member_alert_ids)
      this.resolvedAlerts.set(id, closed.incident.incident_id);
  }

  /** Bounds memory: resolved incidents leave after the retention period, silences once they can never mute. */
  private dropExpired(): void {
    for (const [id, c] of this.closed) {
      if ((c.incident.resolved_at ?? c.incident.updated_at) + this.config.resolved_retention_ms > this.clock)
        continue;
      this.closed.delete(id);
      this.mark('closed', id);
      for (const alertId of c.incident.member_alert_ids) {
        if (this.resolvedAlerts.get(alertId) === id) this.resolvedAlerts.delete(alertId);
      }
    }
    for (const [id, s] of this.silences) {
      if (!silenceOver(s, this.clock)) continue;
      this.silences.delete(id);
      this.mark('silence', id);
    }
  }
}

function groupSnapshot(g: Group): GroupSnapshot {
  return {
    route_path: g.routePath,
    group_interval_ms: g.groupIntervalMs,
    repeat_interval_ms: g.repeatIntervalMs,
    incident: structuredClone(g.incident),
    members: [...g.members.values()].map((m) => structuredClone(m.alert)),
    next_flush_at: g.nextFlushAt,
    announced: g.announced,
    last_notified_at: g.lastNotifiedAt,
    notified_firing: [...g.notifiedFiring],
    notified_severity: g.notifiedSeverity,
    sequence: g.sequence,
    peak_title: g.peakTitle,
    peak_firing: g.peakFiring,
    action_ids: [...g.actionIds],
  };
}

function groupMapKey(routePath: string, groupKey: string): string {
  return `${routePath}\u001e${groupKey}`;
}

/** The labels every member has with one value (Alertmanager's commonLabels). */
function commonLabels(sets: readonly Labels[]): Record<string, string> {
  const first = sets[0];
  if (first === undefined) return {};
  const out: Record<string, string> = {};
  for (const name of Object.keys(first).sort()) {
    const value = first[name] as string;
    if (sets.every((s) => s[name] === value)) out[name] = value;
  }
  return out;
}
