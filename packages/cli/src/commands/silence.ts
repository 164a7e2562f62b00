import { errorMessage } from '@aiops/core';
import { formatMatcher, parseMatcher, type Silence, silenceOver, silenceSchema } from '@aiops/incidents';
import { readCompactedTopic } from '@aiops/kafka';
import { parseDuration } from '@aiops/simulator';
import type { Command } from 'commander';
import { asUsage, type CliCommand, type CliContext, CliError } from '../command.js';
import { actor, audit, connect, newId, publish, table } from '../people.js';

interface AddFlags {
  match: string[];
  for: string;
  by?: string;
  comment?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Every silence on the compacted topic, latest version of each id. */
async function readSilences(env: Readonly<Record<string, string | undefined>>): Promise<Silence[]> {
  const c = await connect(env, 'silence');
  try {
    const admin = c.kafka.admin();
    await admin.connect();
    const exists = (await admin.listTopics()).includes(c.topics.silences);
    await admin.disconnect();
    if (!exists) return [];
    const byId = new Map<string, Silence>();
    await readCompactedTopic(c.kafka, c.topics.silences, (key, value) => {
      if (value === null) byId.delete(key);
      else {
        const parsed = silenceSchema.safeParse(JSON.parse(value.toString('utf8')));
        if (parsed.success) byId.set(key, parsed.data);
      }
    });
    return [...byId.values()];
  } finally {
    await c.close();
  }
}

function state(s: Silence, now: number): string {
  if (s.expired_at !== null) return `expired by ${s.expired_by}`;
  if (silenceOver(s, now)) return 'ended';
  return s.starts_at > now ? 'pending' : 'active';
}

export function registerSilence(program: Command, context: CliContext): void {
  const silence = program
    .command('silence')
    .description(
      'mute notifications (never detection) of alerts matching labels, for a while; every change is audited',
    );
  silence
    .command('add')
    .description(
      'create a silence, e.g. --match provider=anthropic --for 2h --by dana --comment "provider incident"',
    )
    .requiredOption(
      '--match <matcher>',
      'label matcher: name=value, name!=value, name=~regex, name!~regex (repeatable)',
      collect,
    )
    .requiredOption('--for <duration>', 'how long, e.g. 30m, 2h, 1d')
    .option('--by <name>', 'who silences (required)')
    .option('--comment <text>', 'why', '')
    .action(async (flags: AddFlags) => {
      const by = actor(flags.by);
      const matchers = asUsage(() => flags.match.map(parseMatcher));
      const durationMs = asUsage(() => parseDuration(flags.for));
      const now = Date.now();
      const candidate = {
        silence_id: newId(),
        matchers,
        starts_at: now,
        ends_at: now + durationMs,
        created_by: by,
        comment: flags.comment ?? '',
        created_at: now,
        expired_at: null,
        expired_by: null,
      };
      const parsed = silenceSchema.safeParse(candidate);
      if (!parsed.success) throw new CliError(parsed.error.issues.map((i) => i.message).join('; '), 2);
      const c = await connect(context.env, 'silence');
      try {
        await publish(c, c.topics.silences, parsed.data.silence_id, parsed.data);
        await audit(c, {
          at: now,
          actor: by,
          action: 'silence.add',
          target: parsed.data.silence_id,
          before: null,
          after: parsed.data,
          comment: parsed.data.comment,
        });
      } finally {
        await c.close();
      }
      context.out(parsed.data.silence_id);
      context.err(
        `silenced ${matchers.map(formatMatcher).join(', ')} until ${new Date(parsed.data.ends_at).toISOString()}`,
      );
    });
  silence
    .command('list')
    .description('silences that are active or pending (--all: also ended and expired)')
    .option('--all', 'include ended and expired silences')
    .option('--json', 'one JSON object per line')
    .action(async (flags: { all?: boolean; json?: boolean }) => {
      const now = Date.now();
      const silences = (await readSilences(context.env))
        .filter((s) => flags.all || (s.expired_at === null && !silenceOver(s, now)))
        .sort((a, b) => a.created_at - b.created_at);
      if (flags.json) {
        for (const s of silences) context.out(JSON.stringify(s));
        return;
      }
      const rows = silences.map((s) => [
        s.silence_id,
        state(s, now),
        new Date(s.ends_at).toISOString(),
        s.created_by,
        s.matchers.map(formatMatcher).join(','),
        s.comment,
      ]);
      for (const line of table([['ID', 'STATE', 'ENDS', 'BY', 'MATCHERS', 'COMMENT'], ...rows]))
        context.out(line);
    });
  silence
    .command('expire')
    .description('end a silence now')
    .argument('<id>', 'silence id (from silence add or list)')
    .option('--by <name>', 'who expires it (required)')
    .option('--comment <text>', 'why', '')
    .action(async (id: string, flags: { by?: string; comment?: string }) => {
      const by = actor(flags.by);
      const current = (await readSilences(context.env)).find((s) => s.silence_id === id);
      if (current === undefined) throw new CliError(`no silence ${id}`);
      if (current.expired_at !== null)
        throw new CliError(`silence ${id} was already expired by ${current.expired_by}`);
      const now = Date.now();
      const expired: Silence = { ...current, expired_at: now, expired_by: by };
      const c = await connect(context.env, 'silence');
      try {
        await publish(c, c.topics.silences, id, expired);
        await audit(c, {
          at: now,
          actor: by,
          action: 'silence.expire',
          target: id,
          before: current,
          after: expired,
          comment: flags.comment ?? '',
        });
      } catch (error) {
        throw error instanceof CliError ? error : new CliError(errorMessage(error));
      } finally {
        await c.close();
      }
      context.err(`silence ${id} expired`);
    });
}

export const silenceCommand: CliCommand = { name: 'silence', register: registerSilence };
