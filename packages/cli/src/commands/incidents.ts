import { DELIVERY_TABLES } from '@aiops/clickhouse';
import { type IncidentAction, incidentActionSchema } from '@aiops/incidents';
import type { Command } from 'commander';
import { type CliCommand, type CliContext, CliError, EXIT } from '../command.js';
import { actor, audit, connect, newId, type PeopleConnections, publish, table } from '../people.js';

interface IncidentRow {
  incident_id: string;
  receiver: string;
  status: string;
  severity: string;
  title: string;
  opened_at_ms: string | number;
  owner: string | null;
  acknowledged_by: string | null;
  firing: string | number;
}

const COLUMNS =
  'incident_id, receiver, status, severity, title, opened_at_ms, owner, acknowledged_by, length(firing_alert_ids) AS firing';

/** Incidents as the notifier last wrote them (ClickHouse `incidents`, latest version of each). */
export async function readIncidents(c: PeopleConnections, where = ''): Promise<IncidentRow[]> {
  const table = `${c.clickhouse.database}.${DELIVERY_TABLES.incidents}`;
  return c.executor.queryRows<IncidentRow>(
    `SELECT ${COLUMNS} FROM ${table} FINAL ${where} ORDER BY opened_at_ms, incident_id`,
  );
}

const quoted = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export interface IncidentActionRequest {
  readonly id: string;
  readonly kind: IncidentAction['kind'];
  readonly by: string;
  readonly to: string | null;
  readonly note: string | null;
}

/**
 * Acknowledges or assigns an incident: the action goes to the notifier's incident-actions topic and the
 * audit log records who did it. The one path for `aiops incidents ack|assign` and the dashboard's button.
 * Returns the sentence to show.
 */
export async function actOnIncident(c: PeopleConnections, request: IncidentActionRequest): Promise<string> {
  const { id, kind, by, to, note } = request;
  const [before] = await readIncidents(c, `WHERE incident_id = ${quoted(id)}`);
  if (before === undefined) throw new CliError(`no incident ${id} (see aiops incidents list)`);
  if (kind === 'ack' && before.status === 'resolved')
    throw new CliError(`incident ${id} is already resolved`);
  const action = incidentActionSchema.parse({
    action_id: newId(),
    kind,
    incident_id: id,
    by,
    to,
    note,
    at: Date.now(),
  });
  await publish(c, c.topics.incidentActions, id, action);
  await audit(c, {
    at: action.at,
    actor: by,
    action: `incident.${kind}`,
    target: id,
    before: { status: before.status, owner: before.owner, acknowledged_by: before.acknowledged_by },
    after: action,
    comment: note ?? '',
  });
  return kind === 'ack' ? `incident ${id} acknowledged by ${by}` : `incident ${id} assigned to ${to}`;
}

async function act(
  context: CliContext,
  id: string,
  kind: IncidentAction['kind'],
  by: string,
  to: string | null,
  note: string | null,
): Promise<void> {
  const c = await connect(context.env, 'incidents');
  try {
    context.err(await actOnIncident(c, { id, kind, by, to, note }));
  } finally {
    await c.close();
  }
}

export function registerIncidents(program: Command, context: CliContext): void {
  const incidents = program
    .command('incidents')
    .description('incidents the notifier opened: list, acknowledge, assign');
  incidents
    .command('list')
    .description('every incident (latest state), oldest first')
    .option('--open', 'only incidents still firing')
    .option('--json', 'one JSON object per line')
    .action(async (flags: { open?: boolean; json?: boolean }) => {
      const c = await connect(context.env, 'incidents');
      try {
        const rows = await readIncidents(c, flags.open ? "WHERE status = 'firing'" : '');
        if (flags.json) {
          for (const r of rows)
            context.out(
              JSON.stringify({ ...r, opened_at_ms: Number(r.opened_at_ms), firing: Number(r.firing) }),
            );
          return;
        }
        const lines = rows.map((r) => [
          r.incident_id,
          r.status,
          r.severity,
          new Date(Number(r.opened_at_ms)).toISOString().slice(0, 19).replace('T', ' '),
          r.receiver,
          r.owner ?? '-',
          r.title,
        ]);
        for (const line of table([
          ['ID', 'STATUS', 'SEVERITY', 'OPENED (UTC)', 'RECEIVER', 'OWNER', 'TITLE'],
          ...lines,
        ]))
          context.out(line);
      } finally {
        await c.close();
      }
    });
  incidents
    .command('ack')
    .description('acknowledge: it stops repeating, and you become its owner if it has none')
    .argument('<id>', 'incident id')
    .option('--by <name>', 'who acknowledges (required)')
    .option('--note <text>', 'a note for the audit trail')
    .action((id: string, flags: { by?: string; note?: string }) =>
      act(context, id, 'ack', actor(flags.by), null, flags.note ?? null),
    );
  incidents
    .command('assign')
    .description('make someone the owner; the owner is on every later notification')
    .argument('<id>', 'incident id')
    .option('--to <name>', 'the new owner (required)')
    .option('--by <name>', 'who assigns (required)')
    .option('--note <text>', 'a note for the audit trail')
    .action((id: string, flags: { to?: string; by?: string; note?: string }) => {
      const to = flags.to?.trim();
      if (!to) throw new CliError('--to <name> is required', EXIT.usage);
      return act(context, id, 'assign', actor(flags.by), to, flags.note ?? null);
    });
}

export const incidentsCommand: CliCommand = { name: 'incidents', register: registerIncidents };
