import { ALERT_SEVERITIES } from '@aiops/contract';
import { describeIssues } from '@aiops/ops';
import { z } from 'zod';

/**
 * What the dashboard's API accepts, one zod schema per endpoint. Every value that reaches SQL passes one
 * of these first: labels and ids are limited to a plain character set (so an injection attempt is a 400
 * saying which parameter and why, before any quoting), times are integers, and choices are enums.
 */

/** Label values the pipeline writes (tenant, application, model, ...): letters, digits and `_.:/@+ -`. */
export const LABEL_PATTERN = /^[A-Za-z0-9_.:/@+ -]{1,200}$/;
const label = (name: string) =>
  z
    .string()
    .regex(
      LABEL_PATTERN,
      `${name} may hold only letters, digits, spaces and _ . : / @ + - (1 to 200 of them)`,
    );

/** Ids the pipeline makes (incident and alert ids): letters, digits, `_` and `-`. */
const id = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'an id holds only letters, digits, _ and - (1 to 128)');

export const RANGE_PRESETS = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const;
/** The longest custom range: 31 days (the events table keeps about that much). */
export const MAX_RANGE_MS = 31 * 86_400_000;

const epochMs = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a time in epoch milliseconds` })
    .int(`${name} must be a whole number of epoch milliseconds`)
    .min(946_684_800_000, `${name} must be after 2000-01-01`)
    .max(4_102_444_800_000, `${name} must be before 2100-01-01`);

const rangeFields = {
  range: z.enum(['1h', '24h', '7d', 'custom'], 'range must be 1h, 24h, 7d or custom').default('24h'),
  from: epochMs('from').optional(),
  to: epochMs('to').optional(),
};

interface RangeInput {
  readonly range: '1h' | '24h' | '7d' | 'custom';
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

function checkRange(input: RangeInput, ctx: z.RefinementCtx): void {
  if (input.range !== 'custom') {
    if (input.from !== undefined || input.to !== undefined)
      ctx.addIssue({ code: 'custom', message: 'from and to go with range=custom only', path: ['range'] });
    return;
  }
  if (input.from === undefined || input.to === undefined) {
    ctx.addIssue({ code: 'custom', message: 'range=custom needs both from and to', path: ['from'] });
    return;
  }
  if (input.from >= input.to)
    ctx.addIssue({ code: 'custom', message: 'from must be before to', path: ['from'] });
  if (input.to - input.from > MAX_RANGE_MS)
    ctx.addIssue({ code: 'custom', message: 'a custom range spans at most 31 days', path: ['to'] });
}

/** A resolved time range, [fromMs, toMs), whole seconds. */
export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

/** Pure: the preset or custom range, against `nowMs`. */
export function resolveRange(input: RangeInput, nowMs: number): TimeRange {
  if (input.range === 'custom') return { fromMs: input.from ?? 0, toMs: input.to ?? 0 };
  const toMs = Math.ceil(nowMs / 1000) * 1000;
  return { fromMs: toMs - RANGE_PRESETS[input.range], toMs };
}

const tenant = { tenant: label('tenant').optional() };

export const overviewQuerySchema = z
  .object({ ...rangeFields, ...tenant })
  .strict()
  .superRefine(checkRange);
export const seriesListQuerySchema = overviewQuerySchema;
export const promptsQuerySchema = overviewQuerySchema;

/** A tenant's application, all its series together (an incident of group-level alerts: cost). */
export const groupQuerySchema = z
  .object({ ...rangeFields, tenant: label('tenant'), application: label('application') })
  .strict()
  .superRefine(checkRange);

export const seriesQuerySchema = z
  .object({
    ...rangeFields,
    tenant: label('tenant'),
    application: label('application'),
    environment: label('environment'),
    provider: label('provider'),
    model: label('model'),
    operation: label('operation'),
  })
  .strict()
  .superRefine(checkRange);

export const incidentsQuerySchema = z
  .object({
    ...rangeFields,
    status: z.enum(['all', 'firing', 'resolved'], 'status must be all, firing or resolved').default('all'),
    severity: z
      .enum(['all', ...ALERT_SEVERITIES], `severity must be all or one of ${ALERT_SEVERITIES.join(', ')}`)
      .default('all'),
  })
  .strict()
  .superRefine(checkRange);

export const incidentIdSchema = id;

export const ackBodySchema = z
  .object({
    by: z.string().trim().min(1, 'by: who acknowledges is required').max(100),
    note: z.string().max(1000).optional(),
  })
  .strict();

export const weekQuerySchema = z.object({ ...tenant, to: epochMs('to').optional() }).strict();

export type OverviewQuery = z.output<typeof overviewQuerySchema>;
export type SeriesQuery = z.output<typeof seriesQuerySchema>;
export type GroupQuery = z.output<typeof groupQuerySchema>;
export type IncidentsQuery = z.output<typeof incidentsQuerySchema>;
export type AckBody = z.output<typeof ackBodySchema>;
export type WeekQuery = z.output<typeof weekQuerySchema>;

/** A request the API refuses: status 400 (or 404) and the reasons, one per bad parameter. */
export class BadRequest extends Error {
  constructor(
    readonly reasons: readonly string[],
    readonly status = 400,
  ) {
    super(reasons.join('; '));
  }
}

/** Parses query parameters (or a body) with `schema`; a failure is a BadRequest naming each parameter. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new BadRequest(describeIssues(result.error.issues));
  return result.data;
}

/** URLSearchParams → a plain object; a parameter given twice is refused (no silent pick of one). */
export function searchParamsObject(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of params) {
    if (Object.hasOwn(out, key)) throw new BadRequest([`${key}: given more than once`]);
    out[key] = value;
  }
  return out;
}
