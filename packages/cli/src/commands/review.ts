import { REVIEW_TABLE, rowToReviewItem } from '@aiops/clickhouse';
import { ensureTopics } from '@aiops/kafka';
import {
  REVIEW_REASONS,
  REVIEW_VERDICTS,
  type ReviewItem,
  type ReviewVerdict,
  resolveReviewItem,
} from '@aiops/review';
import type { Command } from 'commander';
import { type CliCommand, type CliContext, CliError, EXIT } from '../command.js';
import { actor, audit, connect, type PeopleConnections, publish, table } from '../people.js';

const quoted = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const STATUSES = ['open', 'reviewed', 'all'] as const;

/** Review items as the writer last stored them (`review_items`, latest state of each), oldest first. */
export async function readReviewItems(
  c: PeopleConnections,
  filter: { tenant?: string; reason?: string; status?: string; id?: string },
): Promise<ReviewItem[]> {
  const where: string[] = [];
  if (filter.id !== undefined) where.push(`item_id = ${quoted(filter.id)}`);
  if (filter.tenant !== undefined) where.push(`tenant_id = ${quoted(filter.tenant)}`);
  if (filter.reason !== undefined) where.push(`reason = ${quoted(filter.reason)}`);
  if (filter.status !== undefined && filter.status !== 'all') where.push(`status = ${quoted(filter.status)}`);
  const rows = await c.executor.queryRows(
    `SELECT * FROM ${c.clickhouse.database}.${REVIEW_TABLE} FINAL ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY event_at_ms, item_id`,
  );
  return rows.map(rowToReviewItem);
}

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw new CliError(`${name} must be one of ${allowed.join(', ')}; got ${value}`, EXIT.usage);
  return value as T;
}

const when = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

function describeScores(item: ReviewItem): string {
  if (item.reason === 'low_score')
    return `${item.evaluator}=${item.scores[item.evaluator!]} < ${item.threshold}`;
  if (item.reason === 'negative_feedback') return 'feedback -1';
  return item.guardrail_flags.join(',') || 'blocked';
}

async function resolve(
  context: CliContext,
  id: string,
  flags: { by?: string; verdict?: string; note?: string },
): Promise<void> {
  const by = actor(flags.by);
  if (flags.verdict === undefined)
    throw new CliError(`--verdict <${REVIEW_VERDICTS.join('|')}> is required`, EXIT.usage);
  const verdict = oneOf<ReviewVerdict>('--verdict', flags.verdict, REVIEW_VERDICTS)!;
  const note = flags.note?.trim() || null;
  const c = await connect(context.env, 'review');
  try {
    const [before] = await readReviewItems(c, { id });
    if (before === undefined) throw new CliError(`no review item ${id} (see aiops review list)`);
    if (before.status === 'reviewed')
      throw new CliError(`review item ${id} is already reviewed by ${before.reviewer} (${before.verdict})`);
    const resolved = resolveReviewItem(before, { by, verdict, note, at: Date.now() });
    const partitions = Number(context.env.TOPIC_PARTITIONS ?? 6);
    await ensureTopics(c.kafka, [
      { topic: c.topics.reviewResolutions, partitions, config: { 'cleanup.policy': 'compact' } },
    ]);
    // The compacted topic keeps the latest resolution of each item; the writer stores it in review_items.
    await publish(c, c.topics.reviewResolutions, id, resolved);
    await audit(c, {
      at: resolved.reviewed_at!,
      actor: by,
      action: 'review.resolve',
      target: id,
      before: { status: before.status, reason: before.reason, trace_id: before.trace_id },
      after: { status: resolved.status, verdict, note },
      comment: note ?? '',
    });
    context.err(`review item ${id} resolved by ${by}: ${verdict}`);
  } finally {
    await c.close();
  }
}

export function registerReview(program: Command, context: CliContext): void {
  const review = program
    .command('review')
    .description('the review queue: low-scoring outputs, negative feedback, guardrail blocks');
  review
    .command('list')
    .description('review items (latest state), oldest first; open ones unless --status says otherwise')
    .option('--tenant <id>', 'only this tenant')
    .option('--reason <reason>', `only this reason (${REVIEW_REASONS.join(', ')})`)
    .option('--status <status>', `${STATUSES.join(' | ')}`, 'open')
    .option('--json', 'one JSON object per line')
    .action(async (flags: { tenant?: string; reason?: string; status: string; json?: boolean }) => {
      const reason = oneOf('--reason', flags.reason, REVIEW_REASONS);
      const status = oneOf('--status', flags.status, STATUSES);
      const c = await connect(context.env, 'review');
      try {
        const items = await readReviewItems(c, {
          ...(flags.tenant === undefined ? {} : { tenant: flags.tenant }),
          ...(reason === undefined ? {} : { reason }),
          ...(status === undefined ? {} : { status }),
        });
        if (flags.json) {
          for (const item of items) context.out(JSON.stringify(item));
          return;
        }
        const lines = items.map((i) => [
          i.item_id,
          when(i.event_at),
          i.status === 'reviewed' ? `${i.verdict} (${i.reviewer})` : 'open',
          i.reason,
          `${i.tenant_id}/${i.application}`,
          i.prompt_name === null ? '-' : `${i.prompt_name}@${i.prompt_version ?? '?'}`,
          i.trace_id ?? '-',
          describeScores(i),
        ]);
        for (const line of table([
          ['ID', 'EVENT TIME (UTC)', 'STATUS', 'REASON', 'APPLICATION', 'PROMPT', 'TRACE', 'WHY'],
          ...lines,
        ]))
          context.out(line);
      } finally {
        await c.close();
      }
    });
  review
    .command('resolve')
    .description('record a verdict: an event on the compacted resolutions topic and a row in the audit log')
    .argument('<id>', 'review item id')
    .option('--by <name>', 'who reviewed (required)')
    .option('--verdict <verdict>', `${REVIEW_VERDICTS.join(' | ')} (required)`)
    .option('--note <text>', 'a note, kept with the item and in the audit trail')
    .action((id: string, flags: { by?: string; verdict?: string; note?: string }) =>
      resolve(context, id, flags),
    );
}

export const reviewCommand: CliCommand = { name: 'review', register: registerReview };
