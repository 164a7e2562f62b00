/**
 * The shapes of alert delivery: matchers, silences, actions, the routing config, incidents and notifications.
 * Every type is z.infer of its schema; the shell parses config files, silences and actions with these schemas.
 */
import { ALERT_SEVERITIES, ALERT_STATUSES, alertSchema, SERIES_DIMENSIONS } from '@aiops/contract';
import { z } from 'zod';

export const MATCHER_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatcherOp = (typeof MATCHER_OPS)[number];

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a label name: letters, digits and _');

function regexError(value: string): string | null {
  try {
    new RegExp(`^(?:${value})$`, 'u');
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** One label condition, Alertmanager semantics: regexes are anchored at both ends; a missing label is "". */
export const matcherSchema = z
  .strictObject({
    name: labelName,
    op: z.enum(MATCHER_OPS),
    value: z.string(),
  })
  .superRefine((m, ctx) => {
    if (m.op === '=~' || m.op === '!~') {
      const error = regexError(m.value);
      if (error !== null)
        ctx.addIssue({ code: 'custom', path: ['value'], message: `not a valid regex: ${error}` });
    }
  });
export type Matcher = z.infer<typeof matcherSchema>;

const MATCHER_TEXT = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

/**
 * Parses `name=value`, `name!=value`, `name=~regex`, `name!~regex` (the value may be double-quoted, as in
 * Alertmanager's `provider="anthropic"`). Throws an Error saying what is wrong.
 */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER_TEXT.exec(text);
  if (m === null) {
    throw new Error(`matcher "${text}" is not name=value, name!=value, name=~regex or name!~regex`);
  }
  let value = m[3] as string;
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    try {
      value = JSON.parse(value) as string;
    } catch {
      throw new Error(`matcher "${text}": the quoted value is not a valid string`);
    }
  }
  const parsed = matcherSchema.safeParse({ name: m[1], op: m[2], value });
  if (!parsed.success) {
    throw new Error(`matcher "${text}": ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  return parsed.data;
}

/** In config files a matcher may be written as text (`"provider=anthropic"`) or as an object. */
export const matcherInputSchema = z.union([
  matcherSchema,
  z.string().transform((text, ctx) => {
    try {
      return parseMatcher(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
      return z.NEVER;
    }
  }),
]);

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const timestampMs = z.number().int().nonnegative();

/** A silence mutes notifications (never detection) of alerts matching every matcher, between starts_at and ends_at. */
export const silenceSchema = z
  .strictObject({
    silence_id: nonEmpty,
    matchers: z.array(matcherSchema).min(1, 'a silence needs at least one matcher'),
    starts_at: timestampMs,
    ends_at: timestampMs,
    created_by: nonEmpty,
    comment: z.string(),
    created_at: timestampMs,
    expired_at: timestampMs.nullable(),
    expired_by: nonEmpty.nullable(),
  })
  .refine((s) => s.ends_at > s.starts_at, { path: ['ends_at'], message: 'ends_at must be after starts_at' })
  .refine((s) => (s.expired_at === null) === (s.expired_by === null), {
    path: ['expired_by'],
    message: 'expired_at and expired_by are set together',
  });
export type Silence = z.infer<typeof silenceSchema>;

export const INCIDENT_ACTION_KINDS = ['ack', 'unack', 'assign'] as const;
export type IncidentActionKind = (typeof INCIDENT_ACTION_KINDS)[number];

/** A person's action on an incident. `by` is required: no anonymous action. `to` is the new owner of an assign. */
export const incidentActionSchema = z
  .strictObject({
    action_id: nonEmpty,
    kind: z.enum(INCIDENT_ACTION_KINDS),
    incident_id: nonEmpty,
    by: nonEmpty,
    to: nonEmpty.nullable(),
    note: z.string().nullable(),
    at: timestampMs,
  })
  .refine((a) => a.kind !== 'assign' || a.to !== null, { path: ['to'], message: 'assign needs `to`' });
export type IncidentAction = z.infer<typeof incidentActionSchema>;

export const DEFAULT_GROUP_BY: readonly string[] = ['tenant_id', 'provider', 'detector_family'];
export const DEFAULT_GROUP_WAIT_MS = 30_000;
export const DEFAULT_GROUP_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_REPEAT_INTERVAL_MS = 4 * 60 * 60_000;

const durationMs = z.number().int().nonnegative();

export interface RouteConfig {
  receiver: string;
  matchers?: Matcher[] | undefined;
  group_by?: string[] | undefined;
  group_wait_ms?: number | undefined;
  group_interval_ms?: number | undefined;
  repeat_interval_ms?: number | undefined;
  continue?: boolean | undefined;
  routes?: RouteConfig[] | undefined;
}

/**
 * A node of the routing tree. Unset keys are inherited from the parent (the root inherits the defaults);
 * `group_by: ["..."]` groups by every label (one group per distinct label set).
 */
export const routeConfigSchema: z.ZodType<RouteConfig, unknown> = z.lazy(() =>
  z.strictObject({
    receiver: nonEmpty,
    matchers: z.array(matcherInputSchema).optional(),
    group_by: z.array(z.union([labelName, z.literal('...')])).optional(),
    group_wait_ms: durationMs.optional(),
    group_interval_ms: durationMs.positive().optional(),
    repeat_interval_ms: durationMs.positive().optional(),
    continue: z.boolean().optional(),
    routes: z.array(routeConfigSchema).optional(),
  }),
);

/** Alertmanager inhibit rule: a firing source alert mutes target alerts whose `equal` labels have the same values. */
export const inhibitRuleSchema = z.strictObject({
  source_matchers: z.array(matcherInputSchema).min(1),
  target_matchers: z.array(matcherInputSchema).min(1),
  equal: z.array(labelName),
});
export type InhibitRule = z.infer<typeof inhibitRuleSchema>;

/** The labels that name one series (the contract's six series dimensions): equal on all means "the same series". */
export const SERIES_LABELS: readonly string[] = SERIES_DIMENSIONS;

/** Default: an outage or no-data alert on a series mutes error-rate and latency notifications on that series. */
export const DEFAULT_INHIBIT_RULES: InhibitRule[] = [
  {
    source_matchers: [{ name: 'detector', op: '=', value: 'outage' }],
    target_matchers: [{ name: 'detector', op: '=~', value: 'errors|latency' }],
    equal: [...SERIES_LABELS],
  },
];

/** Resolved incidents stay in state (and in incidents()) this long after they resolve, then are dropped. */
export const DEFAULT_RESOLVED_RETENTION_MS = 24 * 60 * 60_000;

export const incidentsConfigSchema = z.strictObject({
  route: routeConfigSchema,
  inhibit_rules: z
    .array(inhibitRuleSchema)
    .default(() => DEFAULT_INHIBIT_RULES.map((r) => structuredClone(r))),
  resolved_retention_ms: durationMs.default(DEFAULT_RESOLVED_RETENTION_MS),
});
export type IncidentsConfig = z.infer<typeof incidentsConfigSchema>;
/** What a config file holds before defaults are applied. */
export type IncidentsConfigInput = z.input<typeof incidentsConfigSchema>;

const labelSet = z.record(z.string(), z.string());

export const incidentSchema = z.strictObject({
  /** Stable: hash of route path + group key + opened_at. */
  incident_id: z.string(),
  group_key: z.string(),
  route_receiver: z.string(),
  status: z.enum(ALERT_STATUSES),
  severity: z.enum(ALERT_SEVERITIES),
  title: z.string(),
  summary: z.string(),
  group_labels: labelSet,
  common_labels: labelSet,
  member_alert_ids: z.array(z.string()),
  firing_alert_ids: z.array(z.string()),
  opened_at: z.number(),
  updated_at: z.number(),
  acknowledged_at: z.number().nullable(),
  acknowledged_by: z.string().nullable(),
  owner: z.string().nullable(),
  resolved_at: z.number().nullable(),
  /** Ids of the silences that muted at least one member alert at the last flush. */
  silenced_by: z.array(z.string()),
});
export type Incident = z.infer<typeof incidentSchema>;

export const NOTIFICATION_KINDS = ['opened', 'updated', 'repeat', 'resolved'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const notificationSchema = z.strictObject({
  /** Deterministic: hash of incident_id + receiver + sequence number within the incident. */
  notification_id: z.string(),
  receiver: z.string(),
  group_key: z.string(),
  kind: z.enum(NOTIFICATION_KINDS),
  status: z.enum(ALERT_STATUSES),
  incident: incidentSchema,
  /** The member alerts as last seen, only those of this route's group (never another tenant's under a tenant route). */
  alerts: z.array(alertSchema),
  /** Event time of the flush. */
  at: z.number(),
});
export type Notification = z.infer<typeof notificationSchema>;
